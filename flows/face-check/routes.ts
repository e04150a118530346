// The face SDK's metaInfo per app device (uni.getFacialRecognitionMetaInfo()), relayed by
// the platform from the app's launch hook; a face check needs it for the starting device.
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../../http/deps';
import { requireScope } from '../../http/auth';
import { metaOf } from '../../http/request-meta';
import { accountId, clientMeta, text } from '../../http/schemas';
import { parse } from '../../http/validation';
import { findAccount } from '../../db/accounts';
import { upsertDevice } from '../../db/real-name';
import { AppError } from '../../lib/errors';

export const deviceId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits, _ . : - (1–128)');

export const registerDeviceBody = z
  .object({
    // JSON as the SDK gives it: its whitespace may include line breaks
    metaInfo: text({ min: 1, max: 8192, multiline: true }),
    platform: text({ max: 32 }).optional(),
    client: clientMeta,
  })
  .strict();

export function deviceRoutes(d: ApiDeps, auth: RequestHandler): Router {
  const r = Router();

  r.put('/v1/accounts/:id/devices/:deviceId', auth, requireScope('accounts:write'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const device = parse(deviceId, req.params.deviceId);
    const body = parse(registerDeviceBody, req.body);
    if (!(await findAccount(d.pool, id))) throw new AppError('ACCOUNT_NOT_FOUND');
    const meta = metaOf(req, body.client);
    const { created } = await upsertDevice(d.pool, { accountId: id, deviceId: device, metaInfo: body.metaInfo, platform: body.platform, ip: meta.ip, userAgent: meta.userAgent });
    res.status(created ? 201 : 200).json({ device: { accountId: id, deviceId: device, platform: body.platform ?? null, registered: true } });
  });

  return r;
}
