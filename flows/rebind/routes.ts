// Phone and email rebind: start with a proof method, then the new contact with the
// unbind token. A contact can only be rebound, never simply removed. The request bodies live
// beside the only routes that parse them; flows/rebind/openapi.ts documents both.
import { Router } from 'express';
import { z } from 'zod';
import type { Pool } from 'pg';
import { boundIndex } from '../../db/accounts';
import { assertAccountFaceReady } from '../face-check/account-face';
import type { Config } from '../../lib/config';
import { CONTACT, CONTACT_KINDS } from '../../lib/contact-kinds';
import { AppError } from '../../lib/errors';
import type { AbuseLimits } from '../../http/abuse-limits';
import { requireScope } from '../../http/auth';
import { parseFlowId } from '../../http/flow-ids';
import { PROOF_ACCEPTED_MESSAGE, REBOUND_MESSAGE } from './contract';
import { localizedFor } from '../../http/errors';
import type { RebindFlows } from './start';
import { metaOf } from '../../http/request-meta';
import { accountId, clientMeta, sessionId, text } from '../../http/schemas';
import { parse } from '../../http/validation';
import { refuseFrozen } from '../../http/frozen-account';
import { requestAccount } from '../../http/request-account';

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
  .object({ phone: text({ max: 256 }).optional(), email: text({ max: 1024 }).optional(), token: text({ max: 128 }).optional(), client: clientMeta })
  .strict();
export const newContactCodeBody = z.object({ code: text({ max: 16 }).optional(), token: text({ max: 128 }).optional() }).strict();

export function rebindRoutes(pool: Pool, flows: RebindFlows, limits: AbuseLimits, cfg: Config): Router {
  const r = Router();

  for (const kind of CONTACT_KINDS) {
    r.post(`/v1/accounts/:id/${kind}/rebind`, requireScope('flows:write'), refuseFrozen({ pool }), async (req, res) => {
      const id = parse(accountId, req.params.id);
      const body = parse(rebindBody, req.body);
      const account = await requestAccount(pool, req, id);
      if (!account) throw new AppError('ACCOUNT_NOT_FOUND');
      // docs/rules.md#rebind: only a bound contact can be rebound; an email rebind needs a phone in every case,
      // and a proof by mail needs the email
      for (const need of CONTACT[kind].rebindNeeds) if (!boundIndex(account, need)) throw new AppError(CONTACT[need].errors.notBound);
      if (body.method === 'email' && !account.email_idx) throw new AppError('EMAIL_NOT_BOUND');
      const current = boundIndex(account, kind);
      const start = { kind, accountId: id, method: body.method, expectedContactIdx: current!.toString('hex'), meta: metaOf(req, body.client), sessionId: body.sessionId };
      if (body.method !== 'face') return void res.status(201).json({ flow: await flows.start(start) });
      // the face method: against the account's real-name identity, from the user's app
      const deviceId = await assertAccountFaceReady(pool, cfg, account, body.deviceId);
      res.status(201).json({ flow: await flows.startFace({ ...start, deviceId }) });
    });

    r.delete(`/v1/accounts/:id/${kind}`, requireScope('accounts:write'), () => {
      throw new AppError(CONTACT[kind].errors.unbindForbidden);
    });
  }

  function rebindFlow(flowId: string) {
    const { kind } = parseFlowId(flowId);
    const contact = CONTACT_KINDS.find((k) => CONTACT[k].rebindFlow === kind);
    if (!contact) throw new AppError('FLOW_NOT_FOUND');
    return contact;
  }

  // method 'face': the unbind token once the face check succeeded (PROOF_NOT_DONE before)
  r.post('/v1/flows/:flowId/proof', requireScope('flows:write'), async (req, res) => {
    const flowId = req.params.flowId as string;
    const kind = rebindFlow(flowId);
    res.json({ proof: { ...(await flows.collectProof(flowId)), message: PROOF_ACCEPTED_MESSAGE[kind] } });
  });

  r.post('/v1/flows/:flowId/new-contact', requireScope('flows:write'), async (req, res) => {
    const flowId = req.params.flowId as string;
    const kind = rebindFlow(flowId);
    const body = parse(newContactBody, req.body);
    const contact = CONTACT[kind];
    const raw = body[kind];
    if (!raw || !body.token) throw new AppError('MISSING_PARAMETERS');
    const target = contact.normalize(raw);
    if (!target) throw new AppError(contact.errors.invalid);
    const masked = contact.mask(target);
    await limits.contactCheck(parseFlowId(flowId).accountId, body.client?.ip); // the flow answers PHONE_TAKEN
    res.json({ flow: await flows.requestNewCode(flowId, target, masked, body.token) });
  });

  r.post('/v1/flows/:flowId/new-contact/code', requireScope('flows:write'), async (req, res) => {
    const flowId = req.params.flowId as string;
    const kind = rebindFlow(flowId);
    const body = parse(newContactCodeBody, req.body);
    if (!body.code || !body.token) throw new AppError('MISSING_PARAMETERS');
    const result = await flows.submitNewCode(flowId, body.code, body.token);
    res.json({ result: localizedFor(req, { ...result, message: result.outcome === 'rebound' || !result.error ? REBOUND_MESSAGE[kind] : result.error.message }) });
  });

  return r;
}
