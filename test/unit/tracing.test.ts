// lib/tracing.ts and its settings: where spans go by environment, development's JSON lines, and
// free text (error messages, stacks, terminate reasons) never reaching an exporter. The OTLP
// side is exported to a receiver in this process, over the real wire protocol.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { ConfigError, loadConfig } from '../../lib/config';
import { startTracing } from '../../lib/tracing';
import { startOtlpReceiver } from '../support/otlp-receiver';
import { productionEnv } from '../support/production-env';

describe('where spans go', () => {
  const exporterOf = (env: Record<string, string>) => loadConfig(env).tracing.exporter;

  it('auto: JSON lines in development, OTLP when an endpoint is set, off in tests and production without one', () => {
    expect(exporterOf({})).toBe('file');
    expect(exporterOf({ VSAGA_ENV: 'test' })).toBe('off');
    expect(exporterOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('otlp');
    expect(exporterOf(productionEnv())).toBe('off');
    expect(exporterOf(productionEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector/v1/traces' }))).toBe('otlp');
    // an endpoint in a developer's shell does not make the test suites export
    expect(exporterOf({ VSAGA_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('off');
    expect(exporterOf({ VSAGA_ENV: 'test', VSAGA_TRACES: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe('otlp');
    expect(exporterOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe('off');
  });

  it('the traces URL: the base endpoint gets /v1/traces, the traces endpoint is taken as it is', () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing.otlpUrl).toBe('http://collector:4318/v1/traces');
    const both = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/otlp/traces' };
    expect(loadConfig(both).tracing.otlpUrl).toBe('https://b/otlp/traces');
    expect(loadConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x, x-tenant=t1' }).tracing.otlpHeaders).toEqual({ authorization: 'Bearer x', 'x-tenant': 't1' });
  });

  it('refuses OTLP without an endpoint, and a header list that is not key=value', () => {
    expect(() => loadConfig({ VSAGA_TRACES: 'otlp' })).toThrow(ConfigError);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'novalue' })).toThrow(/OTEL_EXPORTER_OTLP_HEADERS/);
  });
});

it('development: one JSON line a span in <dir>/<service>.jsonl', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsaga-traces-'));
  const tracing = startTracing(loadConfig({ VSAGA_TRACES_DIR: dir }), 'vsaga-api')!;
  tracing.tracer.startActiveSpan('parent', (parent) => {
    tracing.tracer.startSpan('child', { attributes: { 'vsaga.provider': 'sms' } }).end();
    parent.end();
  });
  await tracing.shutdown();
  const lines = fs.readFileSync(path.join(dir, 'vsaga-api.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const [child, parent] = lines;
  expect(parent).toMatchObject({ name: 'parent', service: 'vsaga-api', parentSpanId: null, status: 'ok', kind: 'INTERNAL' });
  expect(child).toMatchObject({ name: 'child', traceId: parent.traceId, parentSpanId: parent.spanId, attributes: { 'vsaga.provider': 'sms' } });
  expect(Date.parse(child.start)).toBeGreaterThan(Date.now() - 60_000);
  fs.rmSync(dir, { recursive: true });
});

it('free text never leaves: exception messages and stacks, status messages, terminate reasons', async () => {
  const receiver = await startOtlpReceiver();
  try {
    const tracing = startTracing(loadConfig({ VSAGA_ENV: 'test', VSAGA_TRACES: 'otlp', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.url }), 'vsaga-worker')!;
    const span = tracing.tracer.startSpan('RunActivity:checkIdentity', { attributes: { temporalTerminateReason: 'asked by 张三', temporalActivityId: '3' } });
    span.recordException(new TypeError('no record for 张三 110105199001011234'));
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'no record for 张三 110105199001011234' });
    span.end();
    await tracing.shutdown();
    const [sent] = receiver.spans;
    expect(sent).toMatchObject({ name: 'RunActivity:checkIdentity', service: 'vsaga-worker', attributes: { temporalActivityId: '3' } });
    expect(sent!.attributes).not.toHaveProperty('temporalTerminateReason');
    const body = receiver.bodies.join('');
    // what went wrong is still told: an error status and the exception's type
    expect(body).toContain('TypeError');
    expect(JSON.parse(body).resourceSpans[0].scopeSpans[0].spans[0].status).toEqual({ code: SpanStatusCode.ERROR });
    for (const text of ['张三', '110105199001011234', 'no record']) expect(body).not.toContain(text);
  } finally {
    await receiver.close();
  }
});
