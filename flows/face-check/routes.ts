// The app's side of a face check, whichever flow started it (real-name, rebind by face): the
// face SDK's metaInfo per app device (uni.getFacialRecognitionMetaInfo()), relayed by the
// platform from the app's launch hook, which a check needs for the starting device; and the
// SDK's completion, which the app posts itself with the check's client token.
import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../../http/deps';
import type { AbuseLimits } from '../../http/abuse-limits';
import { authenticate, requireScope } from '../../http/auth';
import { localizedFor } from '../../http/errors';
import { metaOf } from '../../http/request-meta';
import { accountId, clientMeta, text } from '../../http/schemas';
import { parse } from '../../http/validation';
import { findAccount } from '../../db/accounts';
import { upsertDevice } from '../../db/real-name';
import { AppError } from '../../lib/errors';
import { FaceCompletions } from './completion';

export const deviceId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits, _ . : - (1–128)');

export const registerDeviceBody = z
  .object({
    // JSON as the SDK gives it: its whitespace may include line breaks
    metaInfo: text({ min: 1, max: 8192, multiline: true }),
    platform: text({ max: 32 }).optional(),
    client: clientMeta,
  })
  .strict();

/** The face SDK's completion object as the app got it, plus the posting device. */
export const faceCompletionBody = z.object({
  deviceId,
  certifyId: text({ max: 128 }).optional(),
  errCode: z.union([z.number().int(), text({ max: 32 })]),
  errMsg: text({ max: 500 }).optional(),
  errSubject: text({ max: 64 }).optional(),
  cause: z.object({ code: z.union([z.number().int(), text({ max: 32 })]).optional(), message: text({ max: 500 }).optional() }).optional(),
});

/** Mounted before the API-key middleware: each route authenticates itself. */
export function faceCheckRoutes(d: ApiDeps, limits: AbuseLimits): Router {
  const r = Router();
  const auth = authenticate(d.cfg.api.keys);
  const completions = new FaceCompletions(d.client, d.cfg, limits);

  r.put('/v1/accounts/:id/devices/:deviceId', auth, requireScope('accounts:write'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const device = parse(deviceId, req.params.deviceId);
    const body = parse(registerDeviceBody, req.body);
    if (!(await findAccount(d.pool, id))) throw new AppError('ACCOUNT_NOT_FOUND');
    const meta = metaOf(req, body.client);
    const { created } = await upsertDevice(d.pool, { accountId: id, deviceId: device, metaInfo: body.metaInfo, platform: body.platform, ip: meta.ip, userAgent: meta.userAgent });
    res.status(created ? 201 : 200).json({ device: { accountId: id, deviceId: device, platform: body.platform ?? null, registered: true } });
  });

  // The app itself posts here after startFacialRecognitionVerify: X-Face-Token, no API key.
  r.post('/v1/face/completion', async (req, res) => {
    const header = req.get('x-face-token') ?? (req.get('authorization')?.startsWith('FaceToken ') ? req.get('authorization')!.slice(10).trim() : undefined);
    if (!header) throw new AppError('FACE_TOKEN_INVALID');
    const body = parse(faceCompletionBody, req.body);
    res.json(localizedFor(req, await completions.complete(header, body)));
  });

  return r;
}
