// A span per provider call, a child of the activity's (the activity interceptor makes its span
// the active one). The global tracer: the worker registers its own there (lib/tracing.ts), and
// with traces off it is OpenTelemetry's no-op. Attributes are names and codes only: who was
// sent what, or checked, never appears.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * `provider` as the metrics name it (sms, mail, idcard, face), `operation` the call's name at
 * the provider. The outcome is a ProviderResult's: `ok` or the failure's code (an HTTP answer's
 * status when it is a Response).
 */
export async function providerCall<T>(provider: string, operation: string, call: () => Promise<T>): Promise<T> {
  const attributes = { 'vsaga.provider': provider, 'vsaga.provider.operation': operation };
  return trace.getTracer('vsaga-providers').startActiveSpan(`Provider:${provider}/${operation}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      const r = await call();
      const x = r as { ok?: unknown; code?: unknown; status?: unknown; retryable?: unknown };
      const outcome = x.ok ? 'ok' : typeof x.code === 'string' ? x.code : typeof x.status === 'number' ? `http_${x.status}` : 'error';
      span.setAttribute('vsaga.provider.outcome', outcome);
      if (typeof x.retryable === 'boolean' && !x.ok) span.setAttribute('vsaga.provider.retryable', x.retryable);
      if (!x.ok) span.setStatus({ code: SpanStatusCode.ERROR });
      return r;
    } catch (err) {
      span.setAttribute('vsaga.provider.outcome', 'exception');
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  });
}
