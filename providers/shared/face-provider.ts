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
import { createHash } from 'node:crypto';
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
  realName: string;
  idNumber: string;
  openid: string | null;
  /** what the issue answered in `data`, as the face row keeps it (its provider data) */
  issued: Record<string, unknown>;
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
 * The face check's order number at a provider (Alibaba's OuterOrderNo; WeChat's out_seq_no is
 * one per issue call, ../wechat-face/face-provider.ts): 32 hex, stable across retries of the
 * step that issues, and no personal data.
 */
export const orderNoOf = (faceCheckId: string) => createHash('sha256').update(faceCheckId, 'utf8').digest('hex').slice(0, 32);
