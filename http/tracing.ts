// A server span per API request, the parent of everything the request sets off in Temporal
// (the client interceptor carries its context into the workflow's headers). Named by the route
// template, never the path: paths carry account ids and flow ids. No client address, user
// agent, query or body: what is personal stays out.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { routePattern } from '../lib/metrics';

export function httpTracing(tracer: Tracer): RequestHandler {
  return (req, res, next) => {
    // the platform's backend may already trace the user's request: the API's span joins it
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } }, parent);
    res.once('close', () => {
      const route = routePattern(req);
      if (route) span.updateName(`${req.method} ${route}`).setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500 || !res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
