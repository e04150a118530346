// One GET /metrics for every process: a registry's text exposition, optionally followed by
// text from elsewhere (the worker appends the Temporal SDK's own metrics), optionally behind a
// bearer token. The API mounts the handler on its own port or serves it on an internal one
// (METRICS_PORT); the worker serves it on its metrics port. Errors keep the API's envelope.
import http from 'node:http';
import type { Registry } from 'prom-client';
import { ERRORS, type ErrorCode } from '../lib/errors';
import { listen } from '../lib/listen';
import { bearerMatcher } from './bearer';
import { errorBody, languageOf } from './errors';

export interface MetricsEndpoint {
  registry: Registry;
  /** when set, a scrape must send `Authorization: Bearer <token>` */
  token?: string;
  /** text appended after the registry's (another exporter's) */
  append?: () => Promise<string>;
}

export type MetricsHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

function answerError(req: http.IncomingMessage, res: http.ServerResponse, code: ErrorCode, details?: Record<string, unknown>): void {
  const status = ERRORS[code].status;
  const body = JSON.stringify(errorBody(code, languageOf(req.headers['accept-language']), details));
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json; charset=utf-8' };
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  res.writeHead(status, headers).end(body);
}

export function metricsHandler(o: MetricsEndpoint): MetricsHandler {
  // without a token every scrape is let in
  const authorized = o.token ? bearerMatcher(o.token) : () => true;
  return async (req, res) => {
    if (!authorized(req.headers.authorization)) return answerError(req, res, 'UNAUTHENTICATED', { reason: 'GET /metrics needs the metrics token' });
    try {
      const [own, more] = await Promise.all([o.registry.metrics(), o.append?.()]);
      res.writeHead(200, { 'content-type': o.registry.contentType }).end(more === undefined ? own : `${own}\n${more}`);
    } catch {
      // a plain http.Server has no error handler behind it: an escaped rejection would be unhandled
      if (!res.headersSent) answerError(req, res, 'INTERNAL');
    }
  };
}

/** A listener of its own that answers GET /metrics and nothing else. */
export async function startMetricsServer(o: MetricsEndpoint & { host: string; port: number }): Promise<http.Server> {
  const handle = metricsHandler(o);
  const server = http.createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://metrics').pathname !== '/metrics') return answerError(req, res, 'ROUTE_NOT_FOUND');
    void handle(req, res);
  });
  await listen(server, o.port, o.host);
  return server;
}
