// Request shapes, validated at the edge. Contacts are checked by the routes so each
// gets its own error code (INVALID_PHONE, INVALID_EMAIL).
import { z } from 'zod';

export const accountId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (1–64)');

export const clientMeta = z
  .object({
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    userAgent: z.string().max(512).optional(),
    fingerprint: z.string().max(128).optional(),
  })
  .strict()
  .optional();

export const createAccountBody = z.object({ id: accountId }).strict();


export const sessionId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits, _ . : - (1–128)');

export const bindPhoneBody = z.object({ phone: z.string().max(256), sessionId: sessionId.optional(), client: clientMeta }).strict();
export const bindEmailBody = z.object({ email: z.string().max(1024), sessionId: sessionId.optional(), client: clientMeta }).strict();
export const rebindBody = z
  .object({
    method: z.enum(['sms', 'email', 'face']),
    /** method 'face': the app device that runs the face SDK (its metaInfo registered) */
    deviceId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/).optional(),
    sessionId: sessionId.optional(),
    client: clientMeta,
  })
  .strict();
// fields the seed checks by hand ("核心参数缺失") are optional here so a missing one gets that code
export const newContactBody = z
  .object({ phone: z.string().max(256).optional(), email: z.string().max(1024).optional(), token: z.string().max(128).optional(), client: clientMeta })
  .strict();
export const newContactCodeBody = z.object({ code: z.string().max(16).optional(), token: z.string().max(128).optional() }).strict();
export const registerSessionBody = z.object({ sessionId: sessionId, client: clientMeta }).strict();
export const submitCodeBody = z.object({ code: z.string().max(16) }).strict();
