// The demo console (docs/operations.md#demo-console): a self-contained page under console/ that plays
// the app and the platform for a newcomer. The page itself and its config are public (mounted
// before the API-key check); every data call it makes carries an API key.
//
// The config may carry the first full-scope API key, so that `npm start` gives a newcomer a
// working page without copying a key. Anyone who can reach the port would get it too, so it
// is handed out only when CONSOLE_DEMO_API_KEY is on (npm start sets it; production refuses
// it) and the TCP peer itself is this machine — the socket's address, never a header such
// as X-Forwarded-For, which any client can write.
//
// The sandbox inbox lives on another origin (SANDBOX_INBOX_URL, port 8025) and has no CORS,
// so the page reads codes through a proxy here: /console/inbox/… — only when VSAGA_ENV is
// development or test (404 in production, where no sandbox exists), and only with an API key.
//
// The face providers' app sides are the same story: the user's phone tells Alibaba's and
// WeChat's servers how the scan went, which the page plays on their sandboxes through
// /console/sandbox/… (the same conditions). They call where the worker calls (the configured
// ALIYUN_FACE_ENDPOINT, WECHAT_API_BASE_URL), so the play reaches the sandbox that issued the
// certifyId; DCloud's outcome is chosen by the device's metaInfo and needs no proxy.
import fs from 'node:fs';
import path from 'node:path';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { DEFAULT_REAL_NAME_AGREEMENT, type Config } from '../../lib/config';
import { AppError } from '../../lib/errors';
import { authenticate, requireScope } from '../../http/auth';
import { text } from '../../http/schemas';
import { parse } from '../../http/validation';
import { SUB_CODES } from '../../providers/aliyun-face/sandbox';
import { VERIFY_RETS } from '../../providers/wechat-face/sandbox';

const DIR = path.join(__dirname, '..', '..', 'console');
const FILES = { html: 'index.html', js: 'console.js', css: 'console.css' } as const;

export const consoleConfigBody = z
  .object({
    env: z.enum(['development', 'test', 'production']),
    inboxUrl: z.string().nullable().describe('the sandbox inbox (development and test only)'),
    temporalUiUrl: z.string(),
    namespace: z.string(),
    realNameAgreement: z.object({ id: z.string(), version: z.string() }).strict().describe('the agreement a real-name start carries as accepted'),
    apiKey: z.string().nullable().describe('the development API key: only with CONSOLE_DEMO_API_KEY on and to a loopback peer; never in production'),
  })
  .strict();
export const inboxCodeBody = z.object({ code: z.string().regex(/^\d{6}$/), receivedAt: z.string(), text: z.string() }).strict();
export const inboxSmsQuery = { phone: text({ min: 1, max: 32, nonBlank: true }) };
export const inboxMailQuery = { to: text({ min: 1, max: 320, nonBlank: true }) };
export const aliyunFinishBody = z
  .object({
    certifyId: text({ min: 1, max: 128, nonBlank: true }).describe('the certifyId the face start answered (provider aliyun)'),
    subCode: z.enum(SUB_CODES).optional().describe('the scan\'s SubCode: 200 pass, 201–206 the failures (204 face mismatch); default 200'),
  })
  .strict();
export const aliyunFinishAnswer = z.object({ provider: z.literal('aliyun'), certifyId: z.string(), subCode: z.enum(SUB_CODES) }).strict();
export const wechatVerifyBody = z
  .object({
    verifyId: text({ min: 1, max: 256, nonBlank: true }).describe('the certifyId the face start answered (provider wechat: the verify_id)'),
    verifyRet: z.number().int().refine((n) => VERIFY_RETS.has(n), 'a verify_ret WeChat documents').describe('10000 pass, 10004 face mismatch, 10002 / 10003 the other verdicts, 900xx stopped on the phone'),
  })
  .strict();
export const wechatVerifyAnswer = z.object({ provider: z.literal('wechat'), verifyId: z.string(), verifyRet: z.number().int() }).strict();

const sandboxed = (cfg: Config) => cfg.env === 'development' || cfg.env === 'test';

/** The peer addresses of a connection from this machine, as node reports them. */
const LOOPBACK_PEERS = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function isLoopbackPeer(remoteAddress: string | undefined): boolean {
  return remoteAddress !== undefined && LOOPBACK_PEERS.has(remoteAddress);
}

export function consoleRoutes(cfg: Config): Router {
  const r = Router();
  // read once: the files are small and fixed for the process's life
  const file = (name: string) => fs.readFileSync(path.join(DIR, name), 'utf8');
  const page = { html: file(FILES.html), js: file(FILES.js), css: file(FILES.css) };
  const headers: RequestHandler = (_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'", 'X-Content-Type-Options': 'nosniff' });
    next();
  };

  r.get('/console', headers, (_req, res) => void res.type('html').send(page.html));
  r.get('/console/console.js', headers, (_req, res) => void res.type('js').send(page.js));
  r.get('/console/console.css', headers, (_req, res) => void res.type('css').send(page.css));

  r.get('/console/config.json', headers, (req, res) => {
    const dev = sandboxed(cfg);
    const devKey = cfg.api.keys.find((k) => k.scopes.includes('*')) ?? cfg.api.keys[0];
    // the env check again although production refuses the flag: a config built by hand
    // (tests, scripts) must not turn it into a leak either
    const giveKey = dev && cfg.console.demoApiKey && isLoopbackPeer(req.socket.remoteAddress);
    res.json({
      env: cfg.env,
      inboxUrl: dev ? cfg.sandbox.inboxUrl : null,
      temporalUiUrl: cfg.temporal.uiUrl.replace(/\/+$/, ''),
      namespace: cfg.temporal.namespace,
      realNameAgreement: { id: DEFAULT_REAL_NAME_AGREEMENT.id, version: cfg.realName.agreementVersion },
      apiKey: giveKey && devKey ? devKey.secret : null,
    });
  });

  // the inbox proxy: development / test only, with an API key (it shows codes)
  const devOnly: RequestHandler = (_req, _res, next) => next(sandboxed(cfg) ? undefined : new AppError('ROUTE_NOT_FOUND'));
  const auth = authenticate(cfg.api.keys);
  const proxy = (kind: 'sms' | 'mail', param: 'phone' | 'to', schema: z.ZodType<string>): RequestHandler =>
    async (req, res) => {
      const value = parse(schema, req.query[param]);
      let answer: Response;
      try {
        answer = await fetch(`${cfg.sandbox.inboxUrl}/api/${kind}/latest-code?${param}=${encodeURIComponent(value)}`, { signal: AbortSignal.timeout(3000) });
      } catch {
        throw new AppError('SERVICE_UNAVAILABLE', { dependency: 'sandbox inbox' });
      }
      if (answer.status === 404) throw new AppError('NOT_FOUND', { reason: `no ${kind === 'sms' ? 'SMS' : 'mail'} with a code yet` });
      if (!answer.ok) throw new AppError('SERVICE_UNAVAILABLE', { dependency: 'sandbox inbox', status: answer.status });
      const body = (await answer.json()) as { code: string; receivedAt: string; text: string };
      res.set('Cache-Control', 'no-store').json({ code: body.code, receivedAt: body.receivedAt, text: body.text });
    };
  r.get('/console/inbox/sms/latest-code', devOnly, auth, requireScope('flows:read'), proxy('sms', 'phone', inboxSmsQuery.phone));
  r.get('/console/inbox/mail/latest-code', devOnly, auth, requireScope('flows:read'), proxy('mail', 'to', inboxMailQuery.to));

  // the face providers' app sides (development / test only, with an API key)
  const play = async (dependency: string, url: string, body: unknown): Promise<unknown> => {
    let answer: Response;
    try {
      answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(3000) });
    } catch {
      throw new AppError('SERVICE_UNAVAILABLE', { dependency });
    }
    const parsed = (await answer.json().catch(() => null)) as { error?: string; errMsg?: string } | null;
    // the sandbox's refusals (an unknown or expired certifyId, a verdict played twice) are the caller's
    if (answer.status === 404) throw new AppError('NOT_FOUND', { dependency, reason: parsed?.error ?? parsed?.errMsg ?? 'unknown certifyId' });
    if (answer.status >= 400 && answer.status < 500) throw new AppError('INVALID_INPUT', { dependency, reason: parsed?.error ?? parsed?.errMsg ?? `HTTP ${answer.status}` });
    if (!answer.ok || parsed === null) throw new AppError('SERVICE_UNAVAILABLE', { dependency, status: answer.status });
    return parsed;
  };
  r.post('/console/sandbox/aliyun/finish', devOnly, auth, requireScope('flows:read'), async (req, res) => {
    const body = parse(aliyunFinishBody, req.body);
    const a = cfg.aliyunFace;
    if (!a) throw new AppError('ROUTE_NOT_FOUND');
    const got = (await play('aliyun face sandbox', `${a.protocol.toLowerCase()}://${a.endpoint}/sandbox/finish`, { certifyId: body.certifyId, subCode: body.subCode ?? '200' })) as { subCode?: string };
    res.set('Cache-Control', 'no-store').json({ provider: 'aliyun', certifyId: body.certifyId, subCode: got.subCode ?? body.subCode ?? '200' });
  });
  r.post('/console/sandbox/wechat/requestFacialVerify', devOnly, auth, requireScope('flows:read'), async (req, res) => {
    const body = parse(wechatVerifyBody, req.body);
    await play('wechat face sandbox', `${cfg.wechat.baseUrl.replace(/\/+$/, '')}/sandbox/requestFacialVerify`, { verify_id: body.verifyId, verify_ret: body.verifyRet });
    res.set('Cache-Control', 'no-store').json({ provider: 'wechat', verifyId: body.verifyId, verifyRet: body.verifyRet });
  });
  return r;
}
