// Traces end to end (docs/operations.md#traces): a real-name journey over HTTP with traces
// exported by OTLP/HTTP (JSON) to a real receiver. The start request's trace must hold the
// whole flow — the API's server span, the client's update-with-start, the saga's run (which hosts
// its face check), every activity it ran and the provider calls under them — with every parent
// link inside the trace; the app's completion, a request of its own, is a trace of its own down
// to the face check's signal handler in that run. And none of it carries the name, the ID number, the phone
// or the client IP the journey used.
import type { temporal } from '@temporalio/proto';
import { startStack, type Stack } from '../support/stack';
import { complete, NAME, readyAccount, sdkOk, startRealName, uniqueIdNumber, uniqueIp } from '../support/real-name';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { waitForAsync } from '../support/wait';

let receiver: OtlpReceiver;
let stack: Stack;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  stack = await startStack({ VSAGA_TRACES: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url });
});
afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

const SERVER = 2;
const CLIENT = 3;

/** Every activity a run executed, from its history: scheduled ones and local ones (core's markers). */
async function activitiesOf(workflowId: string): Promise<string[]> {
  const { events } = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).flatMap((e: temporal.api.history.v1.IHistoryEvent) => {
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) return [scheduled];
    const marker = e.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_local_activity') return [];
    const data = marker.details!.data!.payloads![0]!;
    return [JSON.parse(Buffer.from(data.data!).toString('utf8')).activity_type as string];
  });
}

/** One line a span, indented under its parent: name, service. */
function tree(spans: ReceivedSpan[]): string {
  const byParent = new Map<string, ReceivedSpan[]>();
  for (const s of [...spans].sort((a, b) => (a.startNs < b.startNs ? -1 : 1))) byParent.set(s.parentSpanId, [...(byParent.get(s.parentSpanId) ?? []), s]);
  const lines: string[] = [];
  const walk = (parent: string, depth: number) => {
    for (const s of byParent.get(parent) ?? []) {
      lines.push(`${'  '.repeat(depth)}${s.name}  [${s.service}]`);
      walk(s.spanId, depth + 1);
    }
  };
  walk('', 0);
  return lines.join('\n');
}

test('one real-name journey: one trace from the API through the saga, its face check, every activity and the provider calls; no personal data', async () => {
  const { id, deviceId, phone } = await readyAccount(stack);
  const idNumber = uniqueIdNumber();
  const ip = uniqueIp();
  const start = await startRealName(stack, id, deviceId, { idNumber, ip });
  expect(start.status).toBe(201);
  const { flow } = start.body;
  const done = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
  expect(done.body.result.outcome).toBe('verified');
  const flowId = `real-name:${id}`;
  await stack.client.workflow.getHandle(flowId).result();

  // a run's own span ends with the run; then the worker's sink hands it to the exporter
  const spans = receiver.spans;
  const runOf = (workflowId: string, type: string) => spans.find((s) => s.name === `RunWorkflow:${type}` && s.attributes.workflowId === workflowId);
  await waitForAsync(async () => {
    await stack.flushTraces();
    return runOf(flowId, 'realName');
  }, 20_000);

  const startSpan = spans.find((s) => s.name === 'POST /v1/accounts/:id/real-name' && s.kind === SERVER)!;
  expect(startSpan).toMatchObject({ service: 'vsaga-api', parentSpanId: '', attributes: { 'http.route': '/v1/accounts/:id/real-name', 'http.response.status_code': 201 } });
  const trace = spans.filter((s) => s.traceId === startSpan.traceId);
  console.log(`the start request's trace, ${trace.length} spans:\n${tree(trace)}`);

  const byId = new Map(trace.map((s) => [s.spanId, s]));
  const parentOf = (s: ReceivedSpan) => byId.get(s.parentSpanId);
  // every parent link stays inside the trace: the HTTP span is its only root
  expect(trace.filter((s) => !parentOf(s))).toEqual([startSpan]);

  // API → client → the saga's run, which runs the face check too (hosted-face): no child
  const updateWithStart = trace.find((s) => s.name === 'UpdateWithStartWorkflow:beginRealName')!;
  expect(updateWithStart).toMatchObject({ service: 'vsaga-api', parentSpanId: startSpan.spanId, attributes: { temporalWorkflowId: flowId } });
  const saga = runOf(flowId, 'realName')!;
  expect(saga).toMatchObject({ traceId: startSpan.traceId, service: 'vsaga-worker', parentSpanId: updateWithStart.spanId });
  // which run, no more: not the package's whole workflow info (memo, last failure, search attributes)
  expect(Object.keys(saga.attributes).sort()).toEqual(['runId', 'taskQueue', 'workflowId', 'workflowType']);
  expect(trace.filter((s) => s.name.startsWith('StartChildWorkflow:') || s.name === 'RunWorkflow:faceCheck')).toEqual([]);

  // each activity either run executed: StartActivity (its workflow's) under the run, RunActivity (the
  // worker's, one an attempt: a retry adds one) under that
  for (const [run, workflowId] of [[saga, flowId]] as const) {
    const types = await activitiesOf(workflowId);
    expect(types.length).toBeGreaterThan(0);
    for (const type of new Set(types)) {
      const scheduled = trace.filter((s) => s.name === `StartActivity:${type}` && s.parentSpanId === run.spanId);
      expect({ type, scheduled: scheduled.length >= types.filter((t) => t === type).length }).toEqual({ type, scheduled: true });
      for (const sch of scheduled) {
        const attempts = trace.filter((s) => s.parentSpanId === sch.spanId);
        expect({ type, attempts: attempts.map((a) => [a.name, a.service, a.attributes.temporalWorkflowId]) }).toEqual({ type, attempts: attempts.map(() => [`RunActivity:${type}`, 'vsaga-worker', workflowId]) });
        expect(attempts.length).toBeGreaterThan(0);
      }
    }
  }

  // the provider calls, each under the activity that made it (a face result may take a retry to be ready)
  const providerCalls = (name: string, activity: string) => {
    const calls = trace.filter((s) => s.name === name).sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.map((c) => [c.kind, c.service, parentOf(c)!.name])).toEqual(calls.map(() => [CLIENT, 'vsaga-worker', `RunActivity:${activity}`]));
    expect(calls.at(-1)!.attributes).toMatchObject({ 'vsaga.provider': name.split(/[:/]/)[1], 'vsaga.provider.outcome': 'ok' });
  };
  // the pre-checks, the ID check and the certifyId: one step
  providerCalls('Provider:idcard/check', 'checkThenIssue');
  providerCalls('Provider:face/getCertifyId', 'checkThenIssue');
  providerCalls('Provider:face/getAuthResult', 'settleThenRecord'); // billing, the verdict, closing and the record: one step

  // the completion is its own request (the API relays it as a signal): its trace reaches the face check's handler
  const completion = spans.find((s) => s.name === 'POST /v1/face/completion' && s.kind === SERVER)!;
  const completionTrace = spans.filter((s) => s.traceId === completion.traceId);
  console.log(`the completion request's trace:\n${tree(completionTrace)}`);
  expect(completion.traceId).not.toBe(startSpan.traceId);
  const signalled = completionTrace.find((s) => s.name === 'SignalWorkflow:faceCompletion')!;
  expect(signalled).toMatchObject({ service: 'vsaga-api', parentSpanId: completion.spanId, attributes: { temporalWorkflowId: flowId } });
  const handled = completionTrace.find((s) => s.name === 'HandleSignal:faceCompletion')!;
  expect(handled).toMatchObject({ service: 'vsaga-worker', parentSpanId: signalled.spanId, attributes: { workflowId: flowId } });

  // nothing personal in any span: not in names, attributes or anything else on the wire
  const wire = receiver.bodies.join('\n');
  for (const value of [NAME, idNumber, phone!, ip]) expect({ value, found: wire.includes(value) || JSON.stringify(spans, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(value) }).toEqual({ value, found: false });
});

test("a completion whose outcome takes seconds is answered by the outcome alone: no state query reaches the run", async () => {
  // 'pending': the provider answers PROCESSING until the check is settled below, so the outcome
  // comes long after the 400 ms within which every completion used to be answered without a query
  const { id, deviceId } = await readyAccount(stack, { magic: 'pending' });
  const { flow } = (await startRealName(stack, id, deviceId)).body;
  const answer = complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
  await new Promise((r) => setTimeout(r, 1500));
  stack.face.complete(flow.certifyId, 'SUCCESS');
  const done = await answer;
  expect(done.body.result).toMatchObject({ outcome: 'verified', certifyId: flow.certifyId });

  let completionTrace: ReceivedSpan[] = [];
  await waitForAsync(async () => {
    await stack.flushTraces();
    const post = receiver.spans.find((s) => s.name === 'POST /v1/face/completion' && s.kind === SERVER && s.attributes['http.response.status_code'] === 200 && receiver.spans.some((x) => x.traceId === s.traceId && x.attributes.temporalWorkflowId === `real-name:${id}`));
    completionTrace = post ? receiver.spans.filter((s) => s.traceId === post.traceId) : [];
    return completionTrace.some((s) => s.name === 'HandleSignal:faceCompletion');
  }, 20_000);
  expect(completionTrace.filter((s) => s.name.startsWith('SignalWorkflow:')).map((s) => s.name)).toEqual(['SignalWorkflow:faceCompletion']);
  expect(completionTrace.filter((s) => s.name.startsWith('QueryWorkflow:') || s.name.startsWith('HandleQuery:'))).toEqual([]);
}, 30_000);
