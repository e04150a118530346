// The face scenes over HTTP: the platform sets the account state they act on (security flags,
// the freeze, withdrawing a cancellation request) and reads it; a scene starts with the app's
// device and answers the certifyId and client token; the app completes it through
// POST /v1/face/completion as real-name does; GET / DELETE /v1/flows/:flowId read and cancel it.
// Also the one place a frozen account is refused by the other flows' starts.
import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../../http/deps';
import { requireScope } from '../../http/auth';
import { metaOf } from '../../http/request-meta';
import { accountId, clientMeta, sessionId, text } from '../../http/schemas';
import { parse } from '../../http/validation';
import {
  findSecurity,
  freezeAccount,
  sceneRefusal,
  setSecurityFlags,
  unfreezeByPlatform,
  viewSecurity,
  withdrawCancellation,
  type SecurityRow,
} from '../../db/account-security';
import { AppError } from '../../lib/errors';
import { assertAccountFaceReady } from '../face-check/account-face';
import { deviceId } from '../face-check/routes';
import type { FaceSceneFlows } from './start';
import { SCENE_NAMES, SCENES, sceneFlowIdOf, type SceneName } from './contract';
import { refuseFrozen } from '../../http/frozen-account';
import { requestAccount } from '../../http/request-account';

export const sceneParam = z.enum(SCENE_NAMES as [SceneName, ...SceneName[]]);
const reason = text({ max: 200 });
/** codes such as remote_login: never personal data */
export const securityFlag = z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'a code: a–z, 0–9, _ (1–32)');

export const securityFlagsBody = z.object({ flags: z.array(securityFlag).max(16), reason: reason.optional(), client: clientMeta }).strict();
export const freezeBody = z.object({ reason: reason.optional(), client: clientMeta }).strict();
export const startSceneBody = z
  .object({
    deviceId,
    /** reset_security: this session stays, every other one ends */
    sessionId: sessionId.optional(),
    /** face (default), or sms: a code to the bound phone (unfreeze, cancellation) */
    method: z.enum(['face', 'sms']).optional(),
    client: clientMeta,
  })
  .strict();

/** Mounted after the API-key middleware. */
export function faceSceneRoutes(d: ApiDeps, flows: FaceSceneFlows): Router {
  const r = Router();

  const security = async (id: string): Promise<SecurityRow> => {
    const row = await findSecurity(d.pool, id);
    if (!row) throw new AppError('ACCOUNT_NOT_FOUND');
    return row;
  };
  const answer = (row: SecurityRow | null) => {
    if (!row) throw new AppError('ACCOUNT_NOT_FOUND');
    return { security: viewSecurity(row) };
  };

  r.get('/v1/accounts/:id/security', requireScope('accounts:read'), async (req, res) => {
    res.json({ security: viewSecurity(await security(parse(accountId, req.params.id))) });
  });

  r.put('/v1/accounts/:id/security-flags', requireScope('accounts:write'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const body = parse(securityFlagsBody, req.body);
    res.json(answer(await setSecurityFlags(d.pool, id, body.flags, body.reason ?? null, metaOf(req, body.client))));
  });

  r.post('/v1/accounts/:id/freeze', requireScope('accounts:write'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const body = parse(freezeBody, req.body ?? {});
    res.json(answer(await freezeAccount(d.pool, id, body.reason ?? null, metaOf(req, body.client))));
  });

  // the platform unfreezes directly (its support staff, say); the user's way is the unfreeze scene
  r.delete('/v1/accounts/:id/freeze', requireScope('accounts:write'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    if (!(await security(id)).frozen_at) throw new AppError('ACCOUNT_NOT_FROZEN');
    res.json(answer(await unfreezeByPlatform(d.pool, id, metaOf(req))));
  });

  r.delete('/v1/accounts/:id/cancellation', requireScope('accounts:write'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    if (!(await security(id)).cancellation_requested_at) throw new AppError('CANCELLATION_NOT_REQUESTED');
    res.json(answer(await withdrawCancellation(d.pool, id, metaOf(req))));
  });

  r.post('/v1/accounts/:id/face-scenes/:scene', requireScope('flows:write'), refuseFrozen(d, (req) => req.params.scene !== 'unfreeze'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const scene = parse(sceneParam, req.params.scene);
    const body = parse(startSceneBody, req.body);
    const byCode = body.method === 'sms';
    const codeScene = SCENES[scene].codeScene;
    if (byCode && !codeScene) throw new AppError('SCENE_METHOD_UNAVAILABLE');
    // the switch first, as real-name's pre-checks: every face scene is off with it; the scenes
    // with a code method say so (the seed: 不可通过人脸识别方式解锁)
    if (!byCode && !d.cfg.realName.faceEnabled) throw new AppError('FACE_DISABLED', codeScene ? { alternative: 'sms' } : undefined);
    const account = await requestAccount(d.pool, req, id);
    if (!account) throw new AppError('ACCOUNT_NOT_FOUND');
    // the account row holds the state too: no second read
    const refusal = sceneRefusal(scene, account);
    if (refusal) throw new AppError(refusal);
    const start = { scene, accountId: id, sessionId: body.sessionId ?? null, meta: metaOf(req, body.client) };
    if (byCode) {
      if (!account.phone_enc) throw new AppError('SCENE_PHONE_REQUIRED');
      if (!body.deviceId) throw new AppError('MISSING_PARAMETERS', { missing: 'deviceId' });
      const flow = await flows.startByCode({ ...start, deviceId: body.deviceId });
      return void res.status(flow.cache ? 200 : 201).json({ flow });
    }
    const device = await assertAccountFaceReady(d.pool, d.cfg, account, body.deviceId, sceneFlowIdOf(scene, id));
    const flow = await flows.start({ ...start, deviceId: device });
    res.status(flow.cache ? 200 : 201).json({ flow });
  });

  return r;
}
