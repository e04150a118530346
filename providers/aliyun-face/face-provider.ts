// Alibaba Cloud ID Verification as a face provider (../shared/face-provider.ts): the app's
// Alibaba face SDK needs its MetaInfo; DescribeFaceVerify decides (a callback only wakes the
// check, ./callback.ts). With a reference portrait the scan is compared against it (LR_FR, the
// seed's FVBioOnly), otherwise against the authority's photo (ID_PRO, or the configured code).
import { orderNoOf, type FaceProvider } from '../shared/face-provider';
import { callbackTarget } from './callback';
import type { AliyunFaceClient, AliyunFaceFailure, AliyunProductCode } from './client';

export interface AliyunFaceProviderConfig {
  productCode: AliyunProductCode;
  callbackUrl?: string;
  callbackKey: string;
}

export function aliyunFaceProvider(client: AliyunFaceClient, cfg: AliyunFaceProviderConfig): FaceProvider {
  const failure = (f: AliyunFaceFailure) => ({ ...f, errCode: f.code, errMsg: f.message });
  return {
    name: 'aliyun',
    serves: (c) => c.metaInfo !== null,
    async issue(req) {
      const outerOrderNo = orderNoOf(req.faceCheckId);
      const productCode: AliyunProductCode = req.referencePicture ? 'LR_FR' : cfg.productCode;
      const r = await client.begin({
        outerOrderNo,
        certName: req.realName,
        certNo: req.idNumber,
        metaInfo: req.client.metaInfo ?? '',
        productCode,
        ...(req.referencePicture && { faceContrastPicture: req.referencePicture.toString('base64') }),
        ...(cfg.callbackUrl && { callback: callbackTarget(cfg.callbackUrl, cfg.callbackKey, outerOrderNo) }),
      });
      if (!r.ok) return failure(r);
      return { ok: true, certifyId: r.certifyId, data: { outerOrderNo, productCode, requestId: r.requestId } };
    },
    async verdict(req) {
      const r = await client.verdict({ certifyId: req.certifyId });
      if (!r.ok) return failure(r);
      const m = r.material;
      return {
        ok: true,
        authState: r.passed ? 'SUCCESS' : 'FAIL',
        ...(m.verifyScore !== undefined && { score: m.verifyScore }),
        ...(m.qualityScore !== undefined && { quality: m.qualityScore }),
        ...(m.pictureUrl && { pictureUrl: m.pictureUrl }),
        data: { subCode: r.subCode, ...(m.faceAttack && { faceAttack: m.faceAttack }), requestId: r.requestId },
      };
    },
  };
}
