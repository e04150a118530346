// What the face check asks of a face provider, whichever it is (DCloud's function, Alibaba
// Cloud ID Verification, WeChat mini-program face verification): issue a credential for the
// app's (or mini-program's) face SDK, then, once the app says it finished, the server-side
// verdict that alone decides. Each provider unit has an adapter (<provider>/face-provider.ts)
// over its own client; adding a provider adds one unit and its name here.
//
// Failures are values (./result.ts). `unavailable` marks a provider that cannot serve anyone
// now (DCloud 55001 / 60000, Alibaba 500 / 503, WeChat system busy, a transport failure):
// the face check then asks the next configured provider, before anything is billed. A failure
// caused by the person (a limit on their identity, a bad parameter) never carries it.
import { createHash, randomBytes } from 'node:crypto';
import type { ProviderFailure } from './result';

import type { FaceProviderName } from '../../lib/face-providers';

export type { FaceProviderName };

/** What the starting device offers: the app face SDK's metaInfo, or a mini-program user's openid. */
export interface FaceClientOf {
  metaInfo: string | null;
  openid: string | null;
}

export interface FaceIssueRequest {
  /** the face-check workflow id: each provider's own order number is derived from it */
  faceCheckId: string;
  realName: string;
  idNumber: string;
  client: FaceClientOf;
  needPicture: boolean;
  /** a reference portrait to compare the live face with (Alibaba LR_FR); null: the authority's photo */
  referencePicture: Buffer | null;
}

export interface FaceVerdictRequest {
  faceCheckId: string;
  certifyId: string;
  /** what the issue answered beside the certifyId (`data`), as kept on the face row */
  issued: Record<string, unknown>;
  /** the name, ID number and openid the check was issued for (null: redacted), decrypted on asking */
  identity(): { realName: string; idNumber: string; openid: string | null } | null;
}

/** errCode / errMsg: the provider's own, as the API passes them on (如实返回). */
export type FaceProviderFailure = ProviderFailure & { unavailable?: true; notFinished?: true; errCode: number | string; errMsg: string };

export type FaceIssued = { ok: true; certifyId: string; data: Record<string, unknown> } | FaceProviderFailure;

export type FaceVerdict =
  | { ok: true; authState: 'SUCCESS' | 'FAIL' | 'PROCESSING'; score?: number; quality?: number; pictureUrl?: string; data: Record<string, unknown> }
  | FaceProviderFailure;

export interface FaceProvider {
  readonly name: FaceProviderName;
  /** whether this device can run the provider's client side at all */
  serves(client: FaceClientOf): boolean;
  issue(req: FaceIssueRequest): Promise<FaceIssued>;
  verdict(req: FaceVerdictRequest): Promise<FaceVerdict>;
}

export type FaceProviders = Partial<Record<FaceProviderName, FaceProvider>>;

/**
 * A face check's order number at a provider (Alibaba's OuterOrderNo, WeChat's out_seq_no):
 * 32 hex, no personal data; the check's own prefix, then a part new for every call, since
 * WeChat refuses an out_seq_no used before, and a retry of the step whose worker died after
 * the provider answered must be able to ask again. The one that issued is kept on the face row
 * (`data` of the issue), which the verdict and a callback are checked against.
 */
export const orderNoOf = (faceCheckId: string) => createHash('sha256').update(faceCheckId, 'utf8').digest('hex').slice(0, 20) + randomBytes(6).toString('hex');
