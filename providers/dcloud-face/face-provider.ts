// The DCloud face function as a face provider (../shared/face-provider.ts): the app's
// uni face SDK needs its metaInfo; getAuthResult decides.
import type { FaceProvider } from '../shared/face-provider';
import { uniErrCode, type FaceClient, type FaceFailure } from './client';

/** The function's own "cannot serve now" (55001 upstream, 60000 service) and no answer at all. */
const UNAVAILABLE = /^(55001|60000|TIMEOUT|TRANSPORT|HTTP_5\d\d)$/;

export function dcloudFaceProvider(client: FaceClient): FaceProvider {
  const failure = (f: FaceFailure) => ({
    ...f,
    errCode: uniErrCode(f.code),
    errMsg: f.message,
    ...(UNAVAILABLE.test(f.code) && { unavailable: true as const }),
  });
  return {
    name: 'dcloud',
    serves: (c) => c.metaInfo !== null,
    async issue(req) {
      const r = await client.getCertifyId({ realName: req.realName, idCard: req.idNumber, metaInfo: req.client.metaInfo ?? '', needPicture: req.needPicture });
      return r.ok ? { ok: true, certifyId: r.certifyId, data: {} } : failure(r);
    },
    async verdict(req) {
      const r = await client.getAuthResult(req.certifyId);
      if (!r.ok) return failure(r);
      const { ok: _ok, ...rest } = r;
      return { ok: true, ...rest, data: {} };
    },
  };
}
