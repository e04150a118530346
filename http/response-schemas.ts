// The shapes more than one part of the API answers with (an error, a code sent, any flow's
// state) and their building blocks, as zod schemas: they document responses in the OpenAPI
// document, and the OpenAPI test checks real answers against them. A shape only one part
// answers with lives in that part's openapi.ts (flows/*/openapi.ts, api/openapi*.ts).
import { z } from 'zod';

export const iso = z.iso.datetime();
export const masked = z.string();

export const errorBody = z
  .object({
    error: z
      .object({ code: z.string().regex(/^[A-Z_]+$/), message: z.string().min(1), details: z.record(z.string(), z.unknown()).optional(), jump: z.enum(['login', 'phone', 'security']).optional() })
      .strict(),
  })
  .strict();

export const codeSent = z.object({ flowId: z.string(), sentTo: masked, codeExpiresAt: iso, resendAvailableAt: iso }).strict();
export const codeSentBody = z.object({ flow: codeSent }).strict();
/** the code-sent answer the bind and rebind documents show (their flow ids put in) */
export const codeSentExample = { flowId: 'bind-phone:u1001', sentTo: '138****8000', codeExpiresAt: '2026-11-22T08:05:00.000Z', resendAvailableAt: '2026-11-22T08:01:00.000Z' };

/** why a flow ended without success (null when it succeeded) */
export const flowError = z.object({ code: z.string(), message: z.string() }).passthrough().nullable();

/** State of any flow kind: the fields every kind has, the rest documented per kind in docs/flows/. */
export const flowStateBody = z.object({ flow: z.object({ flowId: z.string(), accountId: z.string(), stage: z.string(), outcome: z.string().nullable() }).passthrough() }).strict();
