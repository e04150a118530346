// The app's completion reaches its face check as the completeFace update (not the faceCompletion
// signal and a polled state query): each POST is answered with its own verdict from the update,
// and the check's history holds the updates, no signal.
import { temporal } from '@temporalio/proto';
import { startStack, type Stack } from '../support/stack';
import { complete, readyAccount, sdkOk, startRealName } from '../support/real-name';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

const EventType = temporal.api.enums.v1.EventType;

test('refused and accepted completions are answered from the completeFace update; the history holds the updates, no signal', async () => {
  const { id, deviceId } = await readyAccount(stack);
  const { flow } = (await startRealName(stack, id, deviceId)).body;

  const wrongCertify = await complete(stack, flow.clientToken, sdkOk('0'.repeat(32), deviceId));
  expect(wrongCertify.status).toBe(409);
  expect(wrongCertify.body.error.code).toBe('FACE_CERTIFY_MISMATCH');
  const sdkError = await complete(stack, flow.clientToken, { deviceId, certifyId: flow.certifyId, errCode: 'Z1001', errMsg: 'cancelled', cause: { code: 7 } });
  expect(sdkError.status).toBe(422);
  expect(sdkError.body.error).toMatchObject({ code: 'FACE_SDK_ERROR', details: { errCode: 'Z1001', errMsg: 'cancelled', causeCode: 7 } });
  const done = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
  expect(done.status).toBe(200);
  expect(done.body.result).toMatchObject({ outcome: 'verified', certifyId: flow.certifyId });

  const events = (await stack.client.workflow.getHandle(flow.faceCheckId).fetchHistory()).events ?? [];
  const updates = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  expect(updates.map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name)).toEqual(['completeFace', 'completeFace', 'completeFace']);
  expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toHaveLength(0);
  // one completed update per accepted one: each POST had its answer from the check itself
  expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED)).toHaveLength(3);
});

test('no worker to answer: SERVICE_UNAVAILABLE after the verdict wait; once one runs, the flow ends verified and a repeat is answered', async () => {
  const { id, deviceId } = await readyAccount(stack);
  const { flow } = (await startRealName(stack, id, deviceId)).body;
  await stack.stopWorker();
  try {
    const started = Date.now();
    const unavailable = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
  } finally {
    await stack.startWorker();
  }
  // the update the API gave up on may still reach the check (as the signal did): either way the
  // app's repeat gets an answer, and the flow its outcome
  const repeat = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
  if (repeat.status === 200) expect(repeat.body.result.outcome).toBe('verified');
  else expect(repeat.body.error.code).toBe('FACE_ALREADY_COMPLETED');
  expect((await stack.client.workflow.getHandle(`real-name:${id}`).result()).outcome).toBe('verified');
}, 60_000);
