// WeChat mini-program face verification 2.0 as a face provider (../shared/face-provider.ts):
// the device is a mini-program user, known by the openid the platform registered for it; the
// verify_id is what the face check calls its certifyId. queryVerifyInfo decides, for this
// out_seq_no, openid and certificate only (a verify_id of another flow is refused by WeChat).
//
// WeChat takes an out_seq_no once: a second getverifyid with it is refused (40097). The step
// that issues is retried with what it did lost when its worker dies between getverifyid and the
// face row, so each call has an out_seq_no of its own, kept in the row's provider data, where
// the verdict reads it (rows issued before that: the check's own order number).
import { randomUUID } from 'node:crypto';
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
      const outSeqNo = orderNoOf(`${req.faceCheckId}/${randomUUID()}`);
      const r = await client.begin(requestOf(req, outSeqNo, req.client.openid ?? ''));
      return r.ok ? { ok: true, certifyId: r.verifyId, data: { expiresInSec: r.expiresInSec, outSeqNo } } : failure(r);
    },
    async verdict(req) {
      const outSeqNo = typeof req.issued.outSeqNo === 'string' ? req.issued.outSeqNo : orderNoOf(req.faceCheckId);
      const r = await client.verdict({ ...requestOf(req, outSeqNo, req.openid ?? ''), verifyId: req.certifyId });
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
