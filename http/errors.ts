// Turning anything thrown while serving a request into the catalogue's shape:
// { error: { code, message, details? } }. A 500 here means a bug, and is logged.
import { routePattern } from '../lib/metrics';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  ServiceError,
} from '@temporalio/client';
import { ApplicationFailure, TemporalFailure } from '@temporalio/common';
import { AppError, detailsOf, ERRORS, isErrorCode, messageOf, type ErrorCode, type Jump, type Lang } from '../lib/errors';
import type { Logger } from '../lib/logger';

export type { Lang };

export function errorBody(code: ErrorCode, lang: Lang, details?: Record<string, unknown>) {
  const entry = ERRORS[code] as { jump?: Jump };
  // a message may name a detail, e.g. 身份主体最多认证 {limit} 个账户
  return {
    error: { code, message: messageOf(code, lang, details), ...(details && Object.keys(details).length ? { details } : {}), ...(entry.jump ? { jump: entry.jump } : {}) },
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A flow's state or result in the caller's language: every `error` it holds ({ code,
 * message, details? }, a catalogued code) gets its message again from code and details, and a
 * `message` beside a non-null `error` (real-name's answer) is that error's message. Flows keep
 * the zh text (lib/errors.ts says why); runs recorded earlier may hold English.
 */
export function localized<T>(value: T, lang: Lang): T {
  if (Array.isArray(value)) return value.map((v: unknown) => localized(v, lang)) as T;
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = localized(v, lang);
  const e = out.error;
  if (isRecord(e) && isErrorCode(e.code) && typeof e.message === 'string') {
    const message = messageOf(e.code, lang, isRecord(e.details) ? e.details : undefined);
    out.error = { ...e, message };
    if (typeof out.message === 'string') out.message = message;
  }
  return out as T;
}

/** localized for a request: its Accept-Language decides. */
export const localizedFor = <T>(req: { get(name: string): string | undefined }, value: T): T => localized(value, languageOf(req.get('accept-language')));

/** zh-CN by default (the platform's users), English when the caller asks for it. */
export function languageOf(acceptLanguage: string | undefined): Lang {
  return acceptLanguage && /^\s*en\b/i.test(acceptLanguage) ? 'en' : 'zh';
}

function fromFailure(f: unknown): AppError | null {
  if (f instanceof ApplicationFailure && isErrorCode(f.type)) return new AppError(f.type, detailsOf(f));
  return null;
}

function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  const msg = err instanceof Error ? err.message : '';
  return (
    code === 'ECONNREFUSED' ||
    code === 'ETIMEDOUT' ||
    /ECONNREFUSED|Connection terminated|connect ETIMEDOUT|UNAVAILABLE|DEADLINE_EXCEEDED|Failed to connect/i.test(msg)
  );
}

/** Maps Temporal client errors onto our catalogue. */
export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof WorkflowUpdateFailedError) return fromFailure(err.cause) ?? new AppError('INTERNAL');
  if (err instanceof WorkflowExecutionAlreadyStartedError) return new AppError('FLOW_IN_PROGRESS', { flowId: err.workflowId });
  if (err instanceof WorkflowNotFoundError) return new AppError(/already completed/i.test(err.message) ? 'FLOW_CLOSED' : 'FLOW_NOT_FOUND');
  if (err instanceof TemporalFailure) return fromFailure(err) ?? fromFailure(err.cause);
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return new AppError('SERVICE_UNAVAILABLE');
  if (err instanceof ServiceError && /already completed|workflow execution already/i.test(err.message)) return new AppError('FLOW_CLOSED');
  if (err instanceof ServiceError && /not found/i.test(err.message)) return new AppError('FLOW_NOT_FOUND');
  if (isUnavailable(err) || (err instanceof ServiceError && isUnavailable(err.cause))) return new AppError('SERVICE_UNAVAILABLE');
  return null;
}

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('ROUTE_NOT_FOUND', languageOf(req.get('accept-language'))));
};

export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const lang = languageOf(req.get('accept-language'));
    const e = err as { type?: string; status?: number };
    // body-parser's own errors carry a type and a 4xx status
    if (e.type === 'entity.parse.failed') return void res.status(400).json(errorBody('INVALID_INPUT', lang, { reason: 'body is not valid JSON' }));
    if (e.type === 'entity.too.large') return void res.status(413).json(errorBody('PAYLOAD_TOO_LARGE', lang));
    if (e.type === 'charset.unsupported' || e.type === 'encoding.unsupported') return void res.status(415).json(errorBody('UNSUPPORTED_MEDIA_TYPE', lang));
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && !(err instanceof AppError)) {
      return void res.status(400).json(errorBody('INVALID_INPUT', lang));
    }
    const app = toAppError(err);
    if (app) {
      if (app.status >= 500) log.warn({ code: app.code, route: routePattern(req), err: (err as Error)?.message }, 'request failed');
      return void res.status(app.status).json(errorBody(app.code, lang, app.details));
    }
    // the route's template, never the path: paths carry ids, and a recovery grant
    log.error({ err, route: routePattern(req) }, 'unhandled error');
    res.status(500).json(errorBody('INTERNAL', lang));
  };
}
