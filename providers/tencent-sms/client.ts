// Tencent Cloud SMS through the official SDK. Every outcome becomes a value, a ProviderResult
// (providers/shared/result.ts; a failure's `ref` is Tencent's RequestId): the caller (an
// activity) decides about retries, so nothing here throws for a provider answer.
//
// How the SDK (tencentcloud-sdk-nodejs-common 4.x) reports failures, read from its source:
//  - request-level Error envelope → throws TencentCloudSDKHttpException with .code and .requestId;
//  - HTTP status other than 200 → throws it with .httpCode and no .code;
//  - network failure or timeout → node-fetch's error is re-thrown as that exception with only
//    the message kept (no .code, no .httpCode);
//  - a 200 answer that is not JSON → node-fetch's own FetchError (type 'invalid-json') escapes.
//
// Delivery reports (PullSmsSendStatusByPhoneNumber) let a retry learn whether an earlier
// attempt's message went out when its answer was lost: the send carries the caller's key as
// SessionContext and the report gives it back. Two limits of the real service: a report exists
// only once the carrier's receipt arrived (seconds to minutes later, sometimes never), and
// Tencent returns SessionContext in reports only after its SMS assistant enabled that for the
// account; without it nothing is ever found, and a retry sends again as it did before.
import http from 'node:http';
import { sms } from 'tencentcloud-sdk-nodejs-sms';
import type { Config } from '../../lib/config';
import { TRANSPORT_ERROR, type ProviderFailure, type ProviderResult } from '../shared/result';
import { providerCall } from '../shared/trace';

/** A failure carries Tencent's RequestId, when it gave one, as `ref`. */
export type SmsResult = ProviderResult<{ serialNo: string; fee: number; requestId: string }>;

/** Whether a delivery report carries a SessionContext; a failed query says nothing either way. */
export type SentWithResult = ProviderResult<{ found: true; serialNo: string; reportStatus: string } | { found: false }>;

export interface SmsSender {
  /**
   * phone: 11-digit mainland number without +86. sessionContext comes back with the
   * message's delivery report, so a retry can tell whether an earlier attempt went out; it is
   * stored by Tencent, so it must hold no personal data.
   */
  send(msg: { phone: string; templateId: string; params: string[]; sessionContext?: string }): Promise<SmsResult>;
  /**
   * Looks for a delivery report of a message to `phone` sent with `sessionContext` since
   * `sinceUnixSec`. Reports lag behind the send (the carrier's receipt can take seconds to
   * minutes, and some never come), so "not found" is not proof the message was not sent.
   */
  sentWith(phone: string, sessionContext: string, sinceUnixSec: number): Promise<SentWithResult>;
}

/** SendSms: "注意长度需小于512字节". */
export const MAX_SESSION_CONTEXT_BYTES = 511;
/** PullSmsSendStatusByPhoneNumber answers at most 100 reports, of the last 7 days. */
const REPORTS_PER_PULL = 100;
const REPORT_RETENTION_SEC = 7 * 86_400;

const SmsClient = sms.v20210111.Client;

export function createSmsSender(cfg: Config['sms']): SmsSender {
  const client = new SmsClient({
    credential: { secretId: cfg.secretId, secretKey: cfg.secretKey },
    region: cfg.region,
    profile: {
      httpProfile: {
        endpoint: cfg.endpoint,
        protocol: cfg.protocol,
        reqTimeout: cfg.timeoutSec,
        // The SDK routes everything through $http_proxy when set and ignores NO_PROXY; a
        // loopback sandbox must never go through a developer's proxy.
        agent: isLoopback(cfg.endpoint) && cfg.protocol === 'http://' ? new http.Agent({ keepAlive: true }) : undefined,
      },
    },
  });

  const sender: SmsSender = {
    async send(msg) {
      if (!MAINLAND.test(msg.phone)) return incorrectPhone();
      if (msg.sessionContext !== undefined && Buffer.byteLength(msg.sessionContext, 'utf8') > MAX_SESSION_CONTEXT_BYTES) {
        return { ok: false, code: 'SessionContextTooLong', message: `SessionContext must be shorter than ${MAX_SESSION_CONTEXT_BYTES + 1} bytes`, retryable: false };
      }
      try {
        const res = await client.SendSms({
          PhoneNumberSet: [`+86${msg.phone}`],
          SmsSdkAppId: cfg.sdkAppId,
          SignName: cfg.signName,
          TemplateId: msg.templateId,
          TemplateParamSet: msg.params,
          ...(msg.sessionContext !== undefined && { SessionContext: msg.sessionContext }),
        });
        return fromResponse(res);
      } catch (err) {
        return fromException(err);
      }
    },

    async sentWith(phone, sessionContext, sinceUnixSec) {
      if (!MAINLAND.test(phone)) return incorrectPhone();
      // Reports of sends without one carry '', as do all reports where Tencent has not enabled it.
      if (!sessionContext) return { ok: false, code: 'MissingSessionContext', message: 'an empty SessionContext matches every report', retryable: false };
      const now = Math.floor(Date.now() / 1000);
      // Tencent keeps 7 days of reports; an earlier BeginTime is outside the documented range.
      const begin = Math.max(Math.floor(sinceUnixSec), now - REPORT_RETENTION_SEC + 60);
      try {
        const res = await client.PullSmsSendStatusByPhoneNumber({
          BeginTime: begin,
          // Offset is fixed at 0 by the API, so this is the only page: a number that got more
          // than REPORTS_PER_PULL of our messages since `since` could hide the one we look for
          // (daily code caps keep that far off).
          Offset: 0,
          Limit: REPORTS_PER_PULL,
          PhoneNumber: `+86${phone}`,
          SmsSdkAppId: cfg.sdkAppId,
        });
        if (!Array.isArray(res.PullSmsSendStatusSet)) {
          return { ok: false, code: 'InvalidResponse', message: 'PullSmsSendStatusByPhoneNumber answered without a PullSmsSendStatusSet', retryable: true, ref: res.RequestId ?? '' };
        }
        const hit = res.PullSmsSendStatusSet.find((r) => r.SessionContext === sessionContext && !!r.SerialNo);
        return hit ? { ok: true, found: true, serialNo: hit.SerialNo!, reportStatus: hit.ReportStatus ?? '' } : { ok: true, found: false };
      } catch (err) {
        return fromException(err);
      }
    },
  };
  return {
    send: (msg) => providerCall('sms', 'SendSms', () => sender.send(msg)),
    sentWith: (...a) => providerCall('sms', 'PullSmsSendStatusByPhoneNumber', () => sender.sentWith(...a)),
  };
}

const MAINLAND = /^1\d{10}$/;

function incorrectPhone(): ProviderFailure {
  return { ok: false, code: 'InvalidParameterValue.IncorrectPhoneNumber', message: 'phone must be an 11-digit mainland number without +86', retryable: false };
}

type SendSmsResponse = Awaited<ReturnType<InstanceType<typeof SmsClient>['SendSms']>>;

function fromResponse(res: SendSmsResponse): SmsResult {
  const requestId = res.RequestId ?? '';
  const status = res.SendStatusSet?.[0];
  if (!status) {
    // Nothing says whether the message went out; let the caller's retry policy decide.
    return { ok: false, code: 'InvalidResponse', message: 'SendSms answered without a SendStatusSet', retryable: true, ref: requestId };
  }
  if (status.Code === 'Ok') {
    return { ok: true, serialNo: status.SerialNo ?? '', fee: status.Fee ?? 0, requestId };
  }
  // Per-number failures (rate limits, blacklist, balance) do not improve by retrying now.
  return {
    ok: false,
    code: status.Code || 'UnknownError',
    message: maskPhones(status.Message ?? ''),
    retryable: false,
    ref: requestId,
  };
}

interface SdkError {
  name?: unknown;
  type?: unknown;
  code?: unknown;
  httpCode?: unknown;
  requestId?: unknown;
  message?: unknown;
}

function fromException(err: unknown): ProviderFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkError;
  const message = maskPhones(typeof e.message === 'string' ? e.message : String(err));
  const requestId = typeof e.requestId === 'string' && e.requestId ? e.requestId : undefined;

  if (e.name === 'FetchError') {
    // Raw node-fetch errors only escape while reading a 200 body: garbage or a cut connection.
    const code = e.type === 'invalid-json' ? 'InvalidResponse' : TRANSPORT_ERROR;
    return { ok: false, code, message, retryable: true };
  }
  if (typeof e.code === 'string' && e.code) {
    return { ok: false, code: e.code, message, retryable: isRetryableApiCode(e.code), ...(requestId && { ref: requestId }) };
  }
  if (typeof e.httpCode === 'number') {
    return { ok: false, code: `HttpError.${e.httpCode}`, message: `HTTP ${e.httpCode} ${message}`.trim(), retryable: e.httpCode >= 500 };
  }
  if (err instanceof SyntaxError || err instanceof TypeError) {
    // A 200 JSON body without the Response envelope.
    return { ok: false, code: 'InvalidResponse', message, retryable: true };
  }
  return { ok: false, code: TRANSPORT_ERROR, message, retryable: true };
}

/** Request-level codes that describe the provider's state, not a fault in our request. */
function isRetryableApiCode(code: string): boolean {
  return code.startsWith('InternalError') || code.startsWith('RequestLimitExceeded');
}

function isLoopback(endpoint: string): boolean {
  const host = endpoint.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Provider messages may echo the number; keep only what identifies it to a human. */
function maskPhones(text: string): string {
  return text.replace(/(?<!\d)(\+?86)?(1\d{2})\d{4}(\d{4})(?!\d)/g, (_m, cc: string | undefined, head: string, tail: string) => `${cc ?? ''}${head}****${tail}`);
}
