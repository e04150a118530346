// Tencent Cloud SMS through the official SDK. Every outcome becomes a value: the caller
// (an activity) decides about retries, so nothing here throws for a provider answer.
//
// How the SDK (tencentcloud-sdk-nodejs-common 4.x) reports failures, read from its source:
//  - request-level Error envelope → throws TencentCloudSDKHttpException with .code and .requestId;
//  - HTTP status other than 200 → throws it with .httpCode and no .code;
//  - network failure or timeout → node-fetch's error is re-thrown as that exception with only
//    the message kept (no .code, no .httpCode);
//  - a 200 answer that is not JSON → node-fetch's own FetchError (type 'invalid-json') escapes.
import http from 'node:http';
import { sms } from 'tencentcloud-sdk-nodejs-sms';
import type { Config } from '../lib/config';

export type SmsResult =
  | { ok: true; serialNo: string; fee: number; requestId: string }
  | { ok: false; code: string; message: string; requestId?: string; retryable: boolean };

export interface SmsSender {
  /** phone: 11-digit mainland number without +86. */
  send(msg: { phone: string; templateId: string; params: string[] }): Promise<SmsResult>;
}

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

  return {
    async send(msg) {
      if (!/^1\d{10}$/.test(msg.phone)) {
        return { ok: false, code: 'InvalidParameterValue.IncorrectPhoneNumber', message: 'phone must be an 11-digit mainland number without +86', retryable: false };
      }
      try {
        const res = await client.SendSms({
          PhoneNumberSet: [`+86${msg.phone}`],
          SmsSdkAppId: cfg.sdkAppId,
          SignName: cfg.signName,
          TemplateId: msg.templateId,
          TemplateParamSet: msg.params,
        });
        return fromResponse(res);
      } catch (err) {
        return fromException(err);
      }
    },
  };
}

type SendSmsResponse = Awaited<ReturnType<InstanceType<typeof SmsClient>['SendSms']>>;

function fromResponse(res: SendSmsResponse): SmsResult {
  const requestId = res.RequestId ?? '';
  const status = res.SendStatusSet?.[0];
  if (!status) {
    // Nothing says whether the message went out; let the caller's retry policy decide.
    return { ok: false, code: 'InvalidResponse', message: 'SendSms answered without a SendStatusSet', requestId, retryable: true };
  }
  if (status.Code === 'Ok') {
    return { ok: true, serialNo: status.SerialNo ?? '', fee: status.Fee ?? 0, requestId };
  }
  // Per-number failures (rate limits, blacklist, balance) do not improve by retrying now.
  return {
    ok: false,
    code: status.Code || 'UnknownError',
    message: maskPhones(status.Message ?? ''),
    requestId,
    retryable: false,
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

function fromException(err: unknown): SmsResult {
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkError;
  const message = maskPhones(typeof e.message === 'string' ? e.message : String(err));
  const requestId = typeof e.requestId === 'string' && e.requestId ? e.requestId : undefined;

  if (e.name === 'FetchError') {
    // Raw node-fetch errors only escape while reading a 200 body: garbage or a cut connection.
    const code = e.type === 'invalid-json' ? 'InvalidResponse' : 'TransportError';
    return { ok: false, code, message, retryable: true };
  }
  if (typeof e.code === 'string' && e.code) {
    return { ok: false, code: e.code, message, ...(requestId && { requestId }), retryable: isRetryableApiCode(e.code) };
  }
  if (typeof e.httpCode === 'number') {
    return { ok: false, code: `HttpError.${e.httpCode}`, message: `HTTP ${e.httpCode} ${message}`.trim(), retryable: e.httpCode >= 500 };
  }
  if (err instanceof SyntaxError || err instanceof TypeError) {
    // A 200 JSON body without the Response envelope.
    return { ok: false, code: 'InvalidResponse', message, retryable: true };
  }
  return { ok: false, code: 'TransportError', message, retryable: true };
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
