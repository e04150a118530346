// The workflow side of traces: @temporalio/interceptors-opentelemetry's workflow interceptors
// (the RunWorkflow, StartActivity, StartChildWorkflow, HandleUpdate… spans, and the context put
// in the headers of what a workflow starts), registered in the bundle by worker/bundle.ts.
// Their spans leave the sandbox through the worker's `exporter` sink (worker/tracing.ts).
//
// One change to them: where span ids come from. The package's tracer draws them from
// Math.random, which in a workflow is the run's seeded generator, the same one uuid4() reads.
// A span made before the run draws its nonce (flows/shared/run-key.ts) would change the nonce,
// so the face check's workflow id, and a history recorded without traces would no longer
// replay. These ids come from the run id and a count instead, and are the same on every replay:
// a span a replay makes again (the run's own, an update's) keeps its id, so the children it had
// exported before the worker lost the workflow stay attached to it.
// first: OpenTelemetry reads `performance` as it loads, which the sandbox has only once this ran
import '@temporalio/interceptors-opentelemetry/lib/workflow/runtime';
import { BasicTracerProvider, SimpleSpanProcessor, type IdGenerator } from '@opentelemetry/sdk-trace-base';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import { SpanExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/span-exporter';
import { workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

/** 32 bits of a string: FNV-1a, then murmur3's finalizer so that near keys give far ids. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

// Module state is the run's own: the SDK gives every workflow execution its own module instances.
let taskLength = -1;
let count = 0;

/**
 * Ids keyed by the run, the history length of the task that makes them and their order in it.
 * The length, not one count over the run: a query makes spans between tasks, and a replay does
 * not, so a run-wide count would differ after it.
 */
class RunIds implements IdGenerator {
  generateTraceId = () => this.id(4);
  generateSpanId = () => this.id(2);

  private id(words: number): string {
    const { runId, historyLength } = workflowInfo();
    if (historyLength !== taskLength) [taskLength, count] = [historyLength, 0];
    const key = `${runId}/${historyLength}/${count++}`;
    let hex = '';
    for (let w = 0; w < words; w++) hex += hash32(`${w}:${key}`).toString(16).padStart(8, '0');
    // all zeros is the invalid id
    return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
  }
}

let provider: BasicTracerProvider | undefined;
function runTracer() {
  provider ??= new BasicTracerProvider({
    idGenerator: new RunIds(),
    spanProcessors: [new SimpleSpanProcessor(new SpanExporter())],
    // the worker's sink puts its own resource (service.name vsaga-worker) on these spans
    mergeResourceWithDefaults: false,
  });
  return provider.getTracer('@temporalio/interceptor-workflow');
}

class InboundInterceptor extends OpenTelemetryInboundInterceptor {
  protected override readonly tracer = runTracer();
}

class OutboundInterceptor extends OpenTelemetryOutboundInterceptor {
  protected override readonly tracer = runTracer();
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new InboundInterceptor()],
  outbound: [new OutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
