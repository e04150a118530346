// WeChat mini-program face verification 2.0 as a face provider (../shared/face-provider.ts):
// the device is a mini-program user, known by the openid the platform registered for it; the
// verify_id is what the face check calls its certifyId. queryVerifyInfo decides, for this
// out_seq_no, openid and certificate only (a verify_id of another flow is refused by WeChat).
import { orderNoOf, type FaceProvider } from '../shared/face-provider';
import type { WechatFaceClient } from './client';
import type { WechatFailure } from './wire';

export function wechatFaceProvider(client: WechatFaceClient): FaceProvider {
  const failure = (f: WechatFailure) => ({ ...f, errCode: /^-?\d+$/.test(f.code) ? Number(f.code) : f.code, errMsg: f.message });
  const requestOf = (r: { realName: string; idNumber: string }, outSeqNo: string, openid: string) => ({ outSeqNo, certName: r.realName, certNo: r.idNumber, openid });
  return {
    name: 'wechat',
    serves: (c) => c.openid !== null,
    async issue(req) {
      const outSeqNo = orderNoOf(req.faceCheckId);
      const r = await client.begin(requestOf(req, outSeqNo, req.client.openid ?? ''));
      return r.ok ? { ok: true, certifyId: r.verifyId, data: { outSeqNo, expiresInSec: r.expiresInSec } } : failure(r);
    },
    async verdict(req) {
      const outSeqNo = typeof req.issued.outSeqNo === 'string' ? req.issued.outSeqNo : '';
      const who = req.identity() ?? { realName: '', idNumber: '', openid: null };
      const r = await client.verdict({ ...requestOf(who, outSeqNo, who.openid ?? ''), verifyId: req.certifyId });
      if (!r.ok) return failure(r);
      const data = { verifyRet: r.verifyRet, ...(r.clientOutcome && { clientOutcome: r.clientOutcome }) };
      // not finished, or stopped on the phone (cancelled, camera refused …): no verdict yet
      if (r.outcome === 'pending' || r.outcome === 'client') {
        return { ok: false, code: String(r.verifyRet), message: r.clientOutcome ?? 'not finished', retryable: false, notFinished: true, errCode: r.verifyRet, errMsg: r.clientOutcome ?? 'not finished' };
      }
      return { ok: true, authState: r.passed ? 'SUCCESS' : 'FAIL', data };
    },
  };
}
