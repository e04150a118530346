// The workflow side of traces: @temporalio/interceptors-opentelemetry's workflow interceptors
// (the RunWorkflow, StartActivity, StartChildWorkflow, HandleUpdate… spans, and the context put
// in the headers of what a workflow starts), registered in the bundle by worker/bundle.ts, and
// only for a run that is traced (below).
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
import { TRACE_HEADER } from '@temporalio/interceptors-opentelemetry/lib/instrumentation';
import {
  workflowInfo,
  type ActivityInput,
  type ContinueAsNewInput,
  type GetLogAttributesInput,
  type LocalActivityInput,
  type Next,
  type QueryInput,
  type SignalInput,
  type SignalWorkflowInput,
  type StartChildWorkflowExecutionInput,
  type UpdateInput,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { SdkFlags } from '@temporalio/workflow/lib/flags';
import { getActivator } from '@temporalio/workflow/lib/global-attributes';
import type { Headers } from '@temporalio/common';

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

// The run is traced when what started it carried a trace context (the API's client interceptor,
// or a traced parent, put one in its headers). An untraced run makes no span at all: it builds
// no tracer, context manager or span, which cost a traced-off worker about 12 % more CPU and
// 80 MB more memory (issue 10's bench). Both ways read from history only (the start's headers),
// so a run decides the same on every replay, and both ask the SDK the same flags the package's
// interceptors ask, in the same places, so a history records the same flags either way.
let traced = false;
let tracedIn: InboundInterceptor | undefined;
let tracedOut: OutboundInterceptor | undefined;
const otelIn = () => (tracedIn ??= new InboundInterceptor());
const otelOut = () => (tracedOut ??= new OutboundInterceptor());
const carries = (headers: Headers) => TRACE_HEADER in headers;
const flag = (f: (typeof SdkFlags)[keyof typeof SdkFlags]) => getActivator().hasFlag(f);

class Inbound implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    traced = carries(input.headers);
    if (traced) return otelIn().execute(input, next);
    if (!flag(SdkFlags.OpenTelemetryInterceporsAvoidsExtraYields)) await Promise.resolve();
    return next(input);
  }

  async handleSignal(input: SignalInput, next: Next<WorkflowInboundCallsInterceptor, 'handleSignal'>): Promise<void> {
    if (traced || carries(input.headers)) return otelIn().handleSignal(input, next);
    if (!flag(SdkFlags.OpenTelemetryInterceptorsTracesInboundSignals)) return next(input);
    if (!flag(SdkFlags.OpenTelemetryInterceporsAvoidsExtraYields)) await Promise.resolve();
    return next(input);
  }

  async handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>): Promise<unknown> {
    if (traced || carries(input.headers)) return otelIn().handleUpdate(input, next);
    flag(SdkFlags.OpenTelemetryInterceptorsInstrumentsAllMethods);
    return next(input);
  }

  validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>): void {
    if (traced || carries(input.headers)) return otelIn().validateUpdate(input, next);
    flag(SdkFlags.OpenTelemetryInterceptorsInstrumentsAllMethods);
    return next(input);
  }

  async handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>): Promise<unknown> {
    if (traced || carries(input.headers)) return otelIn().handleQuery(input, next);
    return next(input);
  }
}

class Outbound implements WorkflowOutboundCallsInterceptor {
  async scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>): Promise<unknown> {
    if (traced) return otelOut().scheduleActivity(input, next);
    if (!flag(SdkFlags.OpenTelemetryInterceporsAvoidsExtraYields)) await Promise.resolve();
    return next(input);
  }

  async scheduleLocalActivity(input: LocalActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>): Promise<unknown> {
    if (traced) return otelOut().scheduleLocalActivity(input, next);
    if (!flag(SdkFlags.OpenTelemetryInterceptorsTracesLocalActivities)) return next(input);
    if (!flag(SdkFlags.OpenTelemetryInterceporsAvoidsExtraYields)) await Promise.resolve();
    return next(input);
  }

  async startChildWorkflowExecution(input: StartChildWorkflowExecutionInput, next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>): Promise<[Promise<string>, Promise<unknown>]> {
    if (traced) return otelOut().startChildWorkflowExecution(input, next);
    if (!flag(SdkFlags.OpenTelemetryInterceporsAvoidsExtraYields)) await Promise.resolve();
    return next(input);
  }

  async signalWorkflow(input: SignalWorkflowInput, next: Next<WorkflowOutboundCallsInterceptor, 'signalWorkflow'>): Promise<void> {
    if (traced) return otelOut().signalWorkflow(input, next);
    if (!flag(SdkFlags.OpenTelemetryInterceporsAvoidsExtraYields)) await Promise.resolve();
    return next(input);
  }

  async continueAsNew(input: ContinueAsNewInput, next: Next<WorkflowOutboundCallsInterceptor, 'continueAsNew'>): Promise<never> {
    if (traced) return otelOut().continueAsNew(input, next);
    if (!flag(SdkFlags.OpenTelemetryInterceporsAvoidsExtraYields)) await Promise.resolve();
    return next(input);
  }

  getLogAttributes(input: GetLogAttributesInput, next: Next<WorkflowOutboundCallsInterceptor, 'getLogAttributes'>): Record<string, unknown> {
    return traced ? otelOut().getLogAttributes(input, next) : next(input);
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new Inbound()],
  outbound: [new Outbound()],
  // disposes the context manager, which only a traced run made
  // disposes the package's context manager, which only a traced run makes
  internals: [new OpenTelemetryInternalsInterceptor()],
});
