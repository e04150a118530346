// The shapes the API answers with, as zod schemas: they document responses in the
// OpenAPI document, and the OpenAPI test checks real answers against them.
import { z } from 'zod';

export const iso = z.iso.datetime();
export const masked = z.string();

export const errorBody = z
  .object({
    error: z.object({ code: z.string().regex(/^[A-Z_]+$/), message: z.string().min(1), details: z.record(z.string(), z.unknown()).optional() }).strict(),
  })
  .strict();

export const accountView = z
  .object({
    id: z.string(),
    phone: masked.nullable(),
    email: masked.nullable(),
    realNameStatus: z.enum(['none', 'verified']),
    realNameVerifiedAt: iso.nullable(),
    faceQuota: z.object({ freeUsed: z.number().int(), purchased: z.number().int() }).strict(),
    createdAt: iso,
    updatedAt: iso,
  })
  .passthrough();
export const accountBody = z.object({ account: accountView }).strict();

export const codeSent = z.object({ flowId: z.string(), sentTo: masked, codeExpiresAt: iso, resendAvailableAt: iso }).strict();
export const codeSentBody = z.object({ flow: codeSent }).strict();
/** the code-sent answer the bind and rebind documents show (their flow ids put in) */
export const codeSentExample = { flowId: 'bind-phone:u1001', sentTo: '138****8000', codeExpiresAt: '2026-11-22T08:05:00.000Z', resendAvailableAt: '2026-11-22T08:01:00.000Z' };

/** why a flow ended without success (null when it succeeded) */
export const flowError = z.object({ code: z.string(), message: z.string() }).passthrough().nullable();

/** State of any flow kind: the fields every kind has, the rest documented per kind in README. */
export const flowStateBody = z.object({ flow: z.object({ flowId: z.string(), accountId: z.string(), stage: z.string(), outcome: z.string().nullable() }).passthrough() }).strict();

export const session = z
  .object({ id: z.string(), live: z.boolean(), createdAt: iso, endedAt: iso.nullable(), endedReason: z.string().nullable(), endedByFlow: z.string().nullable() })
  .strict();
export const sessionBody = z.object({ session }).strict();
export const sessionsBody = z.object({ sessions: z.array(session) }).strict();

export const healthBody = z
  .object({ status: z.enum(['ok', 'degraded']), checks: z.record(z.string(), z.enum(['ok', 'down'])) })
  .strict();

const counter = z
  .object({
    key: z.string(),
    timezone: z.literal('Asia/Shanghai'),
    total: z.number().int(),
    today: z.number().int(),
    yesterday: z.number().int(),
    thisWeek: z.number().int(),
    lastWeek: z.number().int(),
    thisMonth: z.number().int(),
    lastMonth: z.number().int(),
    thisYear: z.number().int(),
    lastYear: z.number().int(),
  })
  .strict();
export const counterBody = z.object({ counter }).strict();
export const countersBody = z.object({ counters: z.array(counter) }).strict();

// reports
const reportRow = {
  submissions: z.number().int().min(0),
  passes: z.number().int().min(0),
  failures: z.number().int().min(0),
  pending: z.number().int().min(0),
  passRate: z.number().min(0).max(1).nullable().describe('passes / submissions; null without submissions'),
};
export const reportBody = z
  .object({
    scene: z.string(),
    window: z.object({ from: iso, to: iso, granularity: z.enum(['hour', 'day']), timezone: z.literal('Asia/Shanghai'), clamped: z.boolean() }).strict(),
    totals: z.object(reportRow).strict(),
    series: z.array(z.object({ bucket: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\+08:00$/), ...reportRow }).strict()),
  })
  .strict();
