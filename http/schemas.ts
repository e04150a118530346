// Request shapes, validated at the edge. Contacts are checked by the routes so each
// gets its own error code (INVALID_PHONE, INVALID_EMAIL).
import { z } from 'zod';

// Control characters (C0, DEL, C1) have no place in anything we store or relay: PostgreSQL
// refuses NUL in text, and the rest corrupt logs, audit rows and provider calls. An unpaired
// surrogate is not text either (it would be stored as U+FFFD, i.e. not what was sent).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SINGLE_LINE = /^(?:[^\u0000-\u001F\u007F-\u009F\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;
// Tab, LF and CR stay allowed only where a field's content may be laid out over lines (JSON).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const MULTI_LINE = /^(?:[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])*$/;

/**
 * Every string the API accepts (bodies, query strings, stored headers) goes through this:
 * bounded, and refused with INVALID_INPUT when it holds a control character, before any
 * flow starts. The pattern shows up in the OpenAPI document.
 */
export function text(o: { max: number; min?: number; multiline?: boolean; nonBlank?: boolean }) {
  const base = z.string().max(o.max);
  const checked = (o.min ? base.min(o.min) : base).regex(o.multiline ? MULTI_LINE : SINGLE_LINE, o.multiline ? 'no control characters but tab and line breaks' : 'no control characters');
  // nonBlank: what a consumer trims (e.g. the sandbox inbox) must not be left empty by it
  return o.nonBlank ? checked.refine((s) => s.trim() !== '', 'must not be blank') : checked;
}

export const accountId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1–64)');

export const clientMeta = z
  .object({
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    userAgent: text({ max: 512 }).optional(),
    fingerprint: text({ max: 128 }).optional(),
  })
  .strict()
  .optional();

export const createAccountBody = z.object({ id: accountId }).strict();

export const sessionId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits, _ . : - (1–128)');

export const registerSessionBody = z.object({ sessionId: sessionId, client: clientMeta }).strict();
export const submitCodeBody = z.object({ code: text({ max: 16 }) }).strict();
/** a grant's redemption (recovery's redeem, password reset's confirm): who asked, nothing else */
export const redeemBody = z.object({ client: clientMeta }).strict().optional();

/** documents a :flowId path parameter; the routes read it with parseFlowId (api/flow-ids.ts) */
export const flowId = z.string().regex(/^[a-z-]+:[A-Za-z0-9_.-]{1,64}$/).describe('<kind>:<accountId>, e.g. bind-phone:u1001');
