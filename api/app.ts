// The HTTP API: authenticated callers (the platform's backend) create accounts and
// drive flows. Every input is validated; every error has the catalogue's shape.
// This file only composes: each flow's folder (flows/<kind>/) brings its routes (routes.ts),
// what drives its workflow (start.ts) and its OpenAPI entries (openapi.ts); shared plumbing
// is in http/. The routers are mounted and the docs listed here, in one place, so a route
// that is mounted but not documented (or the reverse) shows in one diff (and in
// test/e2e/openapi.test.ts).
import express from 'express';
import type { ApiDeps } from '../http/deps';
import { authenticate } from '../http/auth';
import { BindFlows } from '../flows/bind/start';
import { errorHandler, notFound } from '../http/errors';
import { healthRoutes } from './routes/health';
import { createApiMetrics, metricsRoutes, type ApiMetrics } from './routes/metrics';
import { COUNTER_ROUTES, openApiRoutes, PLATFORM_ROUTES } from './openapi';
import { FLOW_ROUTES } from './openapi-flows';
import { REPORT_ROUTES } from './openapi-reports';
import { CONSOLE_ROUTES } from './openapi-console';
import type { RouteDoc } from '../http/route-doc';
import { BIND_ROUTES } from '../flows/bind/openapi';
import { REBIND_ROUTES } from '../flows/rebind/openapi';
import { REAL_NAME_ROUTES } from '../flows/real-name/openapi';
import { FACE_CHECK_ROUTES } from '../flows/face-check/openapi';
import { FACE_SCENE_ROUTES } from '../flows/face-scene/openapi';
import { WEBHOOK_ROUTES } from '../flows/webhooks/openapi';
import { httpMetrics } from '../lib/metrics';
import { httpTracing } from '../http/tracing';
import { accountRoutes } from './routes/accounts';
import { bindRoutes } from '../flows/bind/routes';
import { flowRoutes } from './routes/flows';
import { rebindRoutes } from '../flows/rebind/routes';
import { RebindFlows } from '../flows/rebind/start';
import { sessionRoutes } from './routes/sessions';
import { realNameRoutes } from '../flows/real-name/routes';
import { faceCheckRoutes } from '../flows/face-check/routes';
import { faceSceneRoutes } from '../flows/face-scene/routes';
import { recoveryRoutes } from '../flows/recovery/routes';
import { passwordResetRoutes } from '../flows/password-reset/routes';
import { passwordResetFlows as createPasswordResetFlows } from '../flows/password-reset/start';
import { PASSWORD_RESET_ROUTES } from '../flows/password-reset/openapi';
import { securityCheckRoutes } from '../flows/security-check/routes';
import { securityCheckFlows as createSecurityCheckFlows } from '../flows/security-check/start';
import { SECURITY_CHECK_ROUTES } from '../flows/security-check/openapi';
import { FaceSceneFlows } from '../flows/face-scene/start';
import { recoveryFlows as createRecoveryFlows } from '../flows/recovery/start';
import { RECOVERY_ROUTES } from '../flows/recovery/openapi';
import { counterRoutes } from './routes/counters';
import { faceQuotaRoutes, paymentCallbackRoutes } from './routes/face-quota';
import { FACE_QUOTA_ROUTES } from './openapi-face-quota';
import { webhookRoutes } from '../flows/webhooks/routes';
import { reportRoutes } from './routes/reports';
import { consoleRoutes } from './routes/console';
import { AbuseLimits } from '../http/abuse-limits';
import { redactionRoutes } from '../flows/retention/routes';
import { REDACTION_ROUTES } from '../flows/retention/openapi';

/** Every documented route: the tags first appear in this order in the rendered reference. */
export const ROUTE_DOCS: RouteDoc[] = [
  ...PLATFORM_ROUTES,
  ...BIND_ROUTES,
  ...REBIND_ROUTES,
  ...FLOW_ROUTES,
  ...REAL_NAME_ROUTES,
  ...FACE_CHECK_ROUTES,
  ...FACE_SCENE_ROUTES,
  ...RECOVERY_ROUTES,
  ...PASSWORD_RESET_ROUTES,
  ...SECURITY_CHECK_ROUTES,
  ...COUNTER_ROUTES,
  ...FACE_QUOTA_ROUTES,
  ...REDACTION_ROUTES,
  ...WEBHOOK_ROUTES,
  ...CONSOLE_ROUTES,
  ...REPORT_ROUTES,
];

/** `metrics`: api/main.ts makes them, to serve them on an internal port and stop their refresher on shutdown. */
export function createApp(d: ApiDeps, metrics: ApiMetrics = createApiMetrics(d)): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', d.cfg.api.trustProxy);
  if (d.tracer) app.use(httpTracing(d.tracer)); // first: every other middleware's time is the request's
  app.use(httpMetrics(metrics.registry));
  app.use(paymentCallbackRoutes(d)); // signed over its raw body: before the JSON parser
  app.use(express.json({ limit: '64kb', type: ['application/json', 'application/*+json'] }));
  app.use(healthRoutes(d));
  if (d.cfg.metrics.port === undefined) app.use(metricsRoutes(metrics)); // else on its own listener (api/main.ts)
  app.use(openApiRoutes(() => ROUTE_DOCS));
  const limits = new AbuseLimits(d.redis, d.fieldCrypto, d.cfg);
  // real-name, devices, face completion (token-authenticated), counters: before the API-key check, each route authenticates itself
  app.use(realNameRoutes(d, limits));
  app.use(faceCheckRoutes(d, limits));
  app.use(counterRoutes(d, authenticate(d.cfg.api.keys)));
  app.use(consoleRoutes(d.cfg)); // the demo console page and config (public); its inbox proxy checks the key itself
  app.use(reportRoutes(d)); // GET /reports (static page) and the report JSON (authenticates itself); before the API-key check
  app.use(authenticate(d.cfg.api.keys));
  app.use(faceQuotaRoutes(d));
  app.use(redactionRoutes(d));
  app.use(accountRoutes(d.pool, d.fieldCrypto));
  app.use(sessionRoutes(d.pool));
  app.use(webhookRoutes(d));
  const bindFlows = new BindFlows(d.client, d.cfg);
  const rebindFlows = new RebindFlows(d.client, d.cfg, d.fieldCrypto);
  app.use(bindRoutes(d.pool, bindFlows, limits));
  app.use(rebindRoutes(d.pool, rebindFlows, limits, d.cfg));
  const sceneFlows = new FaceSceneFlows(d.client, d.cfg, d.fieldCrypto);
  app.use(faceSceneRoutes(d, sceneFlows));
  const recoveryFlows = createRecoveryFlows(d.client, d.cfg, d.fieldCrypto);
  app.use(recoveryRoutes(d, recoveryFlows, limits));
  const resetFlows = createPasswordResetFlows(d.client, d.cfg, d.fieldCrypto);
  app.use(passwordResetRoutes(d, resetFlows));
  const securityFlows = createSecurityCheckFlows(d.client, d.cfg, d.fieldCrypto);
  app.use(securityCheckRoutes(d, securityFlows));
  app.use(flowRoutes(d.client, { bind: bindFlows, rebind: rebindFlows, recovery: recoveryFlows, passwordReset: resetFlows, securityCheck: securityFlows, scenes: sceneFlows }));
  app.use(notFound);
  app.use(errorHandler(d.log));
  return app;
}
