// WeChat mini-program face verification 2.0 (人脸核身 2.0), the server side. The flow that
// asks gets a verify_id for the mini-program, which runs wx.requestFacialVerify with it; the
// mini-program's own result is never trusted: only queryVerifyInfo decides, and WeChat answers
// it only for the out_seq_no, openid and certificate hash the verify_id was issued for, so a
// verify_id (or result) of another flow is refused. Version 1.0 (getuseridkey / getinfo, where
// the server compared id_card_number_md5 and name_utf8_md5 itself) was retired on 2026-06-30;
// 2.0 moves that comparison to WeChat, and this client always sends the flow's own values.
//
// Wire (docs/providers.md#wechat-face-verification), both with ?access_token= (access-token.ts):
//   POST /cityservice/face/identify/getverifyid
//     { out_seq_no, cert_info: { cert_type: 'IDENTITY_CARD', cert_name, cert_no }, openid }
//     → { errcode: 0, errmsg, verify_id, expires_in }
//   POST /cityservice/face/identify/queryverifyinfo
//     { verify_id, out_seq_no, cert_hash, openid } → { errcode: 0, errmsg, verify_ret }
//
// Every outcome is a value (providers/shared/result.ts). verify_ret is read as:
//   10000 pass; 10002 face not detected, 10003 ID mismatch, 10004 face mismatch: the person
//   failed (a verdict, never a reason to fail over); 10005 checking, 10300 not finished:
//   pending; 90000–90199: what happened on the phone (cancelled, camera refused, network,
//   timeout, …), no verdict, the user may try again with the same verify_id until it expires;
//   10001 bad parameter, 10006 appid not permitted, anything unknown: a failure, not retryable.
// Failures (wire.ts): -1 busy, HTTP 5xx/429, no answer → retryable + unavailable; 45009/45011
// → retryable + rateLimited; 40001/42001/40014 → the token is replaced once and the call
// repeated (then retryable + tokenRejected); 48001 → unavailable (the app's category is not
// eligible); on queryVerifyInfo every other errcode → refused (not this flow's verify_id).
//
// Names, ID numbers and openids never appear in a message; the token never does either.
import { createHash } from 'node:crypto';
import { scrubIdentity } from '../shared/http-answer';
import type { ProviderResult } from '../shared/result';
import { providerCall } from '../shared/trace';
import type { AccessTokens } from './access-token';
import { errcodeFailure, errcodeOf, postJson, redact, TOKEN_REFUSED, type WechatAnswer, type WechatFailure } from './wire';

export interface WechatFaceConfig {
  /** api.weixin.qq.com, or the sandbox standing in for it */
  baseUrl: string;
  timeoutMs: number;
}

export interface WechatFaceRequest {
  /** ours, unique per appid: 5–32 of [0-9A-Za-z_-] */
  outSeqNo: string;
  certName: string;
  certNo: string;
  /** the user's openid in this mini-program (the one that runs wx.requestFacialVerify) */
  openid: string;
}

export type ClientOutcome = 'unsupported' | 'cancelled' | 'network' | 'permission' | 'capture' | 'timeout' | 'system';

export interface WechatVerdict {
  /** errcode 0 and verify_ret 10000: the only pass */
  passed: boolean;
  verifyRet: number;
  outcome: 'pass' | 'fail' | 'pending' | 'client';
  /** 10005 / 10300: ask again later */
  pending?: true;
  /** 900xx: what stopped the check on the phone */
  clientOutcome?: ClientOutcome;
}

export type BeginResult = ProviderResult<{ verifyId: string; expiresInSec: number }, WechatFailure>;
export type VerdictResult = ProviderResult<WechatVerdict, WechatFailure>;

export interface WechatFaceClient {
  begin(p: WechatFaceRequest): Promise<BeginResult>;
  verdict(p: WechatFaceRequest & { verifyId: string }): Promise<VerdictResult>;
}

export const CERT_TYPE_ID_CARD = 'IDENTITY_CARD';
const OUT_SEQ_NO = /^[0-9A-Za-z_-]{5,32}$/;
const DEFAULT_VERIFY_TTL_S = 3600;
const USER_FAILED = new Set([10002, 10003, 10004]);
const PENDING = new Set([10005, 10300]);
/** 10006: the appid has no permission for face verification (eligibility) */
const NOT_PERMITTED = 10006;

/** The certificate as both calls must send it: the name trimmed, the ID number's x upper-case. */
export function normalizeCert(certName: string, certNo: string): { certName: string; certNo: string } {
  return { certName: certName.trim(), certNo: certNo.trim().toUpperCase() };
}

/**
 * cert_hash as WeChat documents it: standard base64 of cert_type, cert_name and cert_no (UTF-8),
 * joined as `cert_type=…&cert_name=…&cert_no=…`, SHA-256, lower-case hex.
 */
export function certHash(certName: string, certNo: string, certType = CERT_TYPE_ID_CARD): string {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  return createHash('sha256').update(`cert_type=${b64(certType)}&cert_name=${b64(certName)}&cert_no=${b64(certNo)}`, 'utf8').digest('hex');
}

/** What a 900xx verify_ret says happened on the phone (api_queryverifyinfo's table). */
export function clientOutcomeOf(ret: number): ClientOutcome {
  if (ret === 90001 || ret === 90109) return 'unsupported';
  if ((ret >= 90002 && ret <= 90006) || ret === 90024) return 'cancelled';
  if (ret === 90007 || ret === 90012 || (ret >= 90019 && ret <= 90021)) return 'network';
  if (ret >= 90008 && ret <= 90010) return 'permission';
  if (ret === 90011 || ret === 90023) return 'capture';
  if (ret === 90017 || ret === 90107) return 'timeout';
  return 'system';
}

export function createWechatFaceClient(cfg: WechatFaceConfig, tokens: AccessTokens): WechatFaceClient {
  const base = cfg.baseUrl.replace(/\/+$/, '');

  /** One business call: the token in the query, replaced once when WeChat refuses it. */
  async function call(path: string, body: unknown, scrub: (s: string) => string): Promise<WechatAnswer> {
    const first = await tokens.get();
    if (!first.ok) return first;
    let token = first.token;
    for (let attempt = 0; ; attempt++) {
      const clean = (s: string) => scrub(redact(redact(s, [token]), [encodeURIComponent(token)]));
      const r = await postJson(`${base}${path}?access_token=${encodeURIComponent(token)}`, body, cfg.timeoutMs, clean);
      if (!r.ok) return r;
      const errcode = errcodeOf(r.data);
      if (errcode === null) return { ok: false, code: 'InvalidResponse', message: 'errcode is not a number', retryable: true };
      if (errcode === 0) return r;
      if (TOKEN_REFUSED.has(errcode) && attempt === 0) {
        const next = await tokens.replace(token);
        if (!next.ok) return next;
        token = next.token;
        continue;
      }
      return errcodeFailure(errcode, r.data.errmsg, clean);
    }
  }

  function invalidRequest(message: string): WechatFailure {
    return { ok: false, code: 'InvalidRequest', message, retryable: false };
  }

  function checkRequest(p: WechatFaceRequest): WechatFailure | null {
    if (typeof p.outSeqNo !== 'string' || !OUT_SEQ_NO.test(p.outSeqNo)) return invalidRequest('outSeqNo must be 5–32 of 0-9 A-Z a-z _ -');
    if (typeof p.certName !== 'string' || p.certName.trim() === '') return invalidRequest('certName is empty');
    if (typeof p.certNo !== 'string' || p.certNo.trim() === '') return invalidRequest('certNo is empty');
    if (typeof p.openid !== 'string' || p.openid.trim() === '') return invalidRequest('openid is empty');
    return null;
  }

  return {
    begin: (p) =>
      providerCall('wechat-face', 'getverifyid', async (): Promise<BeginResult> => {
        const bad = checkRequest(p);
        if (bad) return bad;
        const cert = normalizeCert(p.certName, p.certNo);
        const scrub = (s: string) => redact(scrubIdentity(s, cert.certName, cert.certNo), [p.openid], '[openid]');
        const r = await call(
          '/cityservice/face/identify/getverifyid',
          { out_seq_no: p.outSeqNo, cert_info: { cert_type: CERT_TYPE_ID_CARD, cert_name: cert.certName, cert_no: cert.certNo }, openid: p.openid },
          scrub,
        );
        if (!r.ok) return r;
        const { verify_id: verifyId, expires_in: expiresIn } = r.data;
        if (typeof verifyId !== 'string' || verifyId === '') return { ok: false, code: 'InvalidResponse', message: 'errcode 0 without a verify_id', retryable: true };
        return { ok: true, verifyId, expiresInSec: typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : DEFAULT_VERIFY_TTL_S };
      }),

    verdict: (p) =>
      providerCall('wechat-face', 'queryverifyinfo', async (): Promise<VerdictResult> => {
        const bad = checkRequest(p) ?? (typeof p.verifyId !== 'string' || p.verifyId === '' ? invalidRequest('verifyId is empty') : null);
        if (bad) return bad;
        const cert = normalizeCert(p.certName, p.certNo);
        const scrub = (s: string) => redact(scrubIdentity(s, cert.certName, cert.certNo), [p.openid], '[openid]');
        const r = await call(
          '/cityservice/face/identify/queryverifyinfo',
          { verify_id: p.verifyId, out_seq_no: p.outSeqNo, cert_hash: certHash(cert.certName, cert.certNo), openid: p.openid },
          scrub,
        );
        if (!r.ok) {
          // WeChat answers an errcode, not a verify_ret, when the verify_id is not this flow's
          const ours = r.retryable || r.unavailable || r.code === 'InvalidRequest' || !/^\d+$/.test(r.code);
          return ours ? r : { ...r, refused: true };
        }
        const ret = r.data.verify_ret;
        if (typeof ret !== 'number' || !Number.isInteger(ret)) return { ok: false, code: 'InvalidResponse', message: `errcode 0 with verify_ret ${JSON.stringify(ret)}`, retryable: true };
        if (ret === 10000) return { ok: true, passed: true, verifyRet: ret, outcome: 'pass' };
        if (USER_FAILED.has(ret)) return { ok: true, passed: false, verifyRet: ret, outcome: 'fail' };
        if (PENDING.has(ret)) return { ok: true, passed: false, verifyRet: ret, outcome: 'pending', pending: true };
        if (ret >= 90000 && ret < 90200) return { ok: true, passed: false, verifyRet: ret, outcome: 'client', clientOutcome: clientOutcomeOf(ret) };
        const failure: WechatFailure = { ok: false, code: `VerifyRet.${ret}`, message: ret === NOT_PERMITTED ? 'appid has no permission for face verification' : ret === 10001 ? 'WeChat: bad parameter' : `unknown verify_ret ${ret}`, retryable: false };
        return ret === NOT_PERMITTED ? { ...failure, unavailable: true } : failure;
      }),
  };
}
