// The worker's part of traces (docs/operations.md#traces): the workflow interceptors' module,
// the activity interceptors, and the sink the workflows' spans leave the sandbox by.
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { Tracing } from '../lib/tracing';

/**
 * In a traced worker's bundle only (worker/bundle.ts). A run makes the same commands with or
 * without it (spans and headers are no commands, and the SDK flags the interceptors ask keep
 * their yields out of new runs), so a history replays on either.
 */
export const WORKFLOW_TRACING_MODULE = require.resolve('../flows/shared/trace-interceptors');

/** The traced bundle beside a plain one (worker/bundle.ts writes both). */
export const tracedBundleOf = (bundle: string) => bundle.replace(/(\.js)?$/, '.traced.js');

/**
 * The `exporter` sink, also when traces are off: a traced bundle's interceptors call it whatever
 * the worker's config, and a call to a sink a worker lacks is an error line per workflow task.
 */
export function workflowSpanSinks(tracing?: Tracing): InjectedSinks<OpenTelemetrySinks> {
  if (!tracing) return { exporter: { export: { fn: () => {} } } };
  const sink = makeWorkflowExporter(tracing.processor, tracing.resource);
  return {
    exporter: {
      export: {
        // The package puts every field of the workflow's info on its spans: the memo, the last
        // failure's message, search attributes. These say which run a span is of, and no more.
        fn: (info, spans) => sink.export.fn({ workflowType: info.workflowType, workflowId: info.workflowId, runId: info.runId, taskQueue: info.taskQueue } as typeof info, spans),
      },
    },
  };
}

export function workerTracing(tracing?: Tracing): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      workflowModules: tracing ? [WORKFLOW_TRACING_MODULE] : [],
      activity: tracing
        ? [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })]
        : [],
    },
    sinks: workflowSpanSinks(tracing),
  };
}
