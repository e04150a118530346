// The app's side of a face check, whichever flow started it (real-name, rebind by face): the
// face SDK's metaInfo per app device (uni.getFacialRecognitionMetaInfo()), relayed by the
// platform from the app's launch hook, or a mini-program user's openid, which a check needs
// for the starting device; the SDK's completion, which the app posts itself with the check's
// client token; Alibaba's completion callback, which wakes the check as the app's would; and
// the operator's choice of providers per scene.
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
import { operatorProviders, setSceneProviders } from '../../db/face-providers';
import { FACE_REPORT_SCENES } from '../../db/reports';
import { AppError } from '../../lib/errors';
import { FACE_PROVIDERS } from '../../lib/face-providers';
import { FaceCompletions } from './completion';
import { configuredProviders } from './providers';

export const deviceId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits, _ . : - (1–128)');

export const registerDeviceBody = z
  .object({
    // JSON as the SDK gives it: its whitespace may include line breaks
    metaInfo: text({ min: 1, max: 8192, multiline: true }).optional(),
    // a WeChat mini-program user (wx.login → code2Session): sealed, never shown again
    openid: z.string().regex(/^[A-Za-z0-9_-]{6,128}$/, 'a WeChat openid: letters, digits, _ - (6–128)').optional(),
    platform: text({ max: 32 }).optional(),
    client: clientMeta,
  })
  .strict()
  .refine((b) => b.metaInfo !== undefined || b.openid !== undefined, { message: 'metaInfo (an app) or openid (a mini-program) is required', path: ['metaInfo'] });

export const faceScene = z.enum(FACE_REPORT_SCENES);
export const sceneProvidersBody = z
  .object({ providers: z.array(z.enum(FACE_PROVIDERS)).min(1).max(3).refine((l) => new Set(l).size === l.length, 'each provider once') })
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
  const completions = new FaceCompletions(d.client, d.cfg, limits, d.pool, d.log);

  r.put('/v1/accounts/:id/devices/:deviceId', auth, requireScope('accounts:write'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const device = parse(deviceId, req.params.deviceId);
    const body = parse(registerDeviceBody, req.body);
    if (!(await findAccount(d.pool, id))) throw new AppError('ACCOUNT_NOT_FOUND');
    const meta = metaOf(req, body.client);
    const { created } = await upsertDevice(d.pool, d.fieldCrypto, {
      accountId: id,
      deviceId: device,
      metaInfo: body.metaInfo ?? null,
      openid: body.openid ?? null,
      platform: body.platform,
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    const clients = [...(body.metaInfo !== undefined ? ['app' as const] : []), ...(body.openid !== undefined ? ['mini-program' as const] : [])];
    res.status(created ? 201 : 200).json({ device: { accountId: id, deviceId: device, platform: body.platform ?? null, registered: true, clients } });
  });

  // Alibaba calls back when a scan finishes: a hint that wakes the check, which then asks
  // DescribeFaceVerify. Always 200 for a well-formed call (Alibaba retries otherwise).
  r.get('/v1/face/aliyun/callback', async (req, res) => {
    const outcome = await completions.aliyunCallback(req.query as Record<string, unknown>);
    if (outcome === 'malformed') throw new AppError('INVALID_INPUT', { reason: 'certifyId, ref and callbackToken are required' });
    res.json({ code: 'OK', outcome });
  });

  const sceneView = async () => {
    const chosen = await operatorProviders(d.pool, d.cfg.temporal.taskQueue);
    return FACE_REPORT_SCENES.map((scene) => {
      const op = chosen.get(scene);
      return op
        ? { scene, providers: op.providers, source: 'operator' as const, updatedAt: op.updatedAt.toISOString() }
        : { scene, providers: configuredProviders(d.cfg, scene), source: 'config' as const, updatedAt: null };
    });
  };
  r.get('/v1/face-providers', auth, requireScope('flows:read'), async (_req, res) => {
    res.json({ scenes: await sceneView(), configured: { default: d.cfg.faceProviders.default, byScene: d.cfg.faceProviders.byScene }, available: availableProviders(d) });
  });
  r.put('/v1/face-providers/:scene', auth, requireScope('providers:write'), async (req, res) => {
    const scene = parse(faceScene, req.params.scene);
    const body = parse(sceneProvidersBody, req.body);
    const missing = body.providers.filter((p) => !availableProviders(d).includes(p));
    if (missing.length) throw new AppError('INVALID_INPUT', { field: 'providers', reason: `not configured here: ${missing.join(', ')}` });
    await setSceneProviders(d.pool, d.cfg.temporal.taskQueue, scene, body.providers, req.apiKey?.name ?? 'api');
    res.json({ scene: (await sceneView()).find((s) => s.scene === scene) });
  });
  r.delete('/v1/face-providers/:scene', auth, requireScope('providers:write'), async (req, res) => {
    const scene = parse(faceScene, req.params.scene);
    await setSceneProviders(d.pool, d.cfg.temporal.taskQueue, scene, null, req.apiKey?.name ?? 'api');
    res.json({ scene: (await sceneView()).find((s) => s.scene === scene) });
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

/** Providers this deployment can speak to (Alibaba needs its keys in production). */
const availableProviders = (d: ApiDeps) => FACE_PROVIDERS.filter((p) => p !== 'aliyun' || d.cfg.aliyunFace !== null);
