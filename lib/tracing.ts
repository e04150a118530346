// Traces of the API and the worker (docs/operations.md#traces). One tracer provider per
// service, not the global one: the test stack runs both in one process and each span must
// still say which service made it. The worker's is also registered globally, for the provider
// clients (providers/shared/trace.ts), which have no tracer handed to them.
//
// What leaves the process is free of personal data by construction where it can be (route
// templates, provider names and codes, Temporal ids) and by redaction where it cannot: error
// messages, exception stacks and terminate reasons are free text that may repeat what a user
// sent, so they are dropped before any exporter sees a span.
import fs from 'node:fs';
import path from 'node:path';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, hrTimeToMilliseconds, W3CTraceContextPropagator, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from './config';

export type ServiceName = 'vsaga-api' | 'vsaga-worker';

export interface Tracing {
  service: ServiceName;
  tracer: Tracer;
  resource: Resource;
  /** the worker hands it the workflows' spans, which are made inside the workflow sandbox */
  processor: SpanProcessor;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Free text, never exported: it may repeat a name, a number or an address someone sent. */
const FREE_TEXT_ATTRIBUTES = new Set(['temporalTerminateReason', 'exception.message', 'exception.stacktrace']);

/** undefined when traces are off: callers then add no middleware and no interceptors at all. */
export function startTracing(cfg: Pick<Config, 'tracing'>, service: ServiceName, opts: { global?: boolean } = {}): Tracing | undefined {
  const t = cfg.tracing;
  if (t.exporter === 'off') return undefined;
  installContext();
  const inner =
    t.exporter === 'otlp'
      ? // JSON over HTTP: what every collector takes, and what the test's receiver reads
        new OTLPTraceExporter({ url: t.otlpUrl, headers: t.otlpHeaders })
      : new JsonLinesExporter(path.join(t.dir, `${service}.jsonl`));
  const processor = new BatchSpanProcessor(new WithoutFreeText(inner));
  const resource = new Resource({ 'service.name': service });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [processor] });
  const registered = opts.global === true && trace.setGlobalTracerProvider(provider);
  return {
    service,
    tracer: provider.getTracer(service),
    resource,
    processor,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      await provider.shutdown();
      // the next stack in this process (a test file starts several) registers its own
      if (registered) trace.disable();
    },
  };
}

let contextInstalled = false;
/** Context follows async calls (a request's span into its Temporal client calls, an activity's into its provider calls). */
function installContext(): void {
  if (contextInstalled) return;
  contextInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // trace context only: W3C baggage would carry whatever a caller put in it onward
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

class WithoutFreeText implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.inner.export(spans.map(withoutFreeText), done);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

function withoutFreeText(span: ReadableSpan): ReadableSpan {
  const clean = (a: Attributes) => Object.fromEntries(Object.entries(a).filter(([k]) => !FREE_TEXT_ATTRIBUTES.has(k)));
  // the span as it is, but for these three: its methods (spanContext) and fields stay reachable
  return Object.create(span, {
    attributes: { value: clean(span.attributes) },
    status: { value: { code: span.status.code } },
    events: { value: span.events.map((e) => ({ ...e, attributes: e.attributes && clean(e.attributes) })) },
  }) as ReadableSpan;
}

/** Past this a file is moved to <name>.1 (the one before that dropped): a development machine's disk is not a trace store. */
const JSONL_MAX_BYTES = 32 * 1024 * 1024;

/** Development's exporter: one JSON line a span, for jq and grep (docs/operations.md#traces). */
class JsonLinesExporter implements SpanExporter {
  constructor(private readonly file: string) {}

  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    const lines = spans.map((s) => `${JSON.stringify(jsonLine(s))}\n`).join('');
    this.append(lines).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  private async append(lines: string): Promise<void> {
    await fs.promises.mkdir(path.dirname(this.file), { recursive: true });
    const size = await fs.promises.stat(this.file).then((s) => s.size, () => 0);
    if (size > JSONL_MAX_BYTES) await fs.promises.rename(this.file, `${this.file}.1`);
    await fs.promises.appendFile(this.file, lines);
  }

  async shutdown(): Promise<void> {}
}

function jsonLine(s: ReadableSpan) {
  const { traceId, spanId } = s.spanContext();
  const startMs = hrTimeToMilliseconds(s.startTime);
  return {
    traceId,
    spanId,
    parentSpanId: s.parentSpanId ?? null,
    name: s.name,
    kind: SpanKind[s.kind],
    service: s.resource.attributes['service.name'],
    start: new Date(startMs).toISOString(),
    durationMs: Math.round((hrTimeToMilliseconds(s.endTime) - startMs) * 1000) / 1000,
    status: s.status.code === SpanStatusCode.ERROR ? 'error' : 'ok',
    attributes: s.attributes,
  };
}
