// OpenAPI entries of the operators' redaction (flows/retention/routes.ts).
import { z } from 'zod';
import type { RouteDoc } from '../../http/route-doc';
import { iso } from '../../http/response-schemas';
import { accountId } from '../../http/schemas';
import { attemptId } from './routes';

const redaction = z
  .object({
    id: z.string().describe('the face attempt id (GET /v1/accounts/:id/face-attempts)'),
    accountId: z.string(),
    faceCheckId: z.string(),
    ownerFlowId: z.string().nullable(),
    scene: z.string(),
    status: z.enum(['wait', 'success', 'fail', 'expired', 'error']).describe('the outcome, kept'),
    certifyId: z.string().describe('kept: the seed keeps it "为了方便溯源"'),
    startedAt: iso,
    completedAt: iso.nullable(),
    pictureRedactedAt: iso.nullable().describe('when its picture file was deleted (null: it had none)'),
    redactedAt: iso.nullable().describe('when its name, ID number, picture path and metaInfo were wiped'),
    redactedBy: z.enum(['operator', 'retention']).nullable(),
  })
  .strict();
export const redactionBody = z.object({ redaction }).strict();
export const redactionsBody = z.object({ redactions: z.array(redaction) }).strict();

const example = {
  id: '42', accountId: 'u1001', faceCheckId: 'real-name:u1001/0a1b2c3d4e5f/face', ownerFlowId: 'real-name:u1001', scene: 'personal', status: 'success',
  certifyId: 'sha1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6', startedAt: '2026-11-22T08:00:00.000Z', completedAt: '2026-11-22T08:01:00.000Z',
  pictureRedactedAt: '2026-12-02T10:00:00.000Z', redactedAt: '2026-12-02T10:00:00.000Z', redactedBy: 'operator',
};
const tag = 'face-quota';
const what =
  'the picture file deleted; the sealed name, ID number and picture path and the metaInfo wiped (of the real-name record it made too: the account stays verified, but no face method can run for it: REAL_NAME_REQUIRED); the outcome, scene, times and certifyId kept; the Temporal histories of its face check and of the flow that owns it deleted; one signed face_verification.redacted event. Idempotent: a repeat answers the same, with no second event';

export const REDACTION_ROUTES: RouteDoc[] = [
  {
    method: 'post', path: '/v1/accounts/:id/face-attempts/:attemptId/redact', summary: `Redact one face check: ${what}`, tag, auth: 'apiKey', scope: 'pii:redact',
    params: { id: accountId, attemptId },
    responses: { 200: { description: 'redacted (now or before)', schema: redactionBody, example: { redaction: example } } },
    errors: ['FACE_VERIFICATION_NOT_FOUND', 'REDACTION_FLOW_RUNNING', 'INVALID_INPUT'],
  },
  {
    method: 'post', path: '/v1/accounts/:id/face-attempts/redact', summary: `Redact every face check of the account (all or none: one whose flow still runs refuses the request): ${what}`, tag, auth: 'apiKey', scope: 'pii:redact',
    params: { id: accountId },
    responses: { 200: { description: 'every check of the account, redacted', schema: redactionsBody, example: { redactions: [example] } } },
    errors: ['ACCOUNT_NOT_FOUND', 'REDACTION_FLOW_RUNNING', 'INVALID_INPUT'],
  },
];
