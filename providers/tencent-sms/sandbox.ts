// A local stand-in for Tencent Cloud SMS (API 3.0, version 2021-01-11): SendSms, and
// PullSmsSendStatusByPhoneNumber (the delivery reports of one number, each with the
// SessionContext the send carried). Every delivered message reports SUCCESS at once; a real
// carrier reports after seconds to minutes, or never, and Tencent returns SessionContext in
// reports only once its SMS assistant has enabled that for the account.
// It speaks the real wire format and verifies the real TC3-HMAC-SHA256 signature, so the
// official SDK in providers/tencent-sms/client.ts is what the tests exercise, not a fake of it.
//
// Magic phone numbers (11-digit national form; +86/0086/86 prefixes are accepted too):
//
//   number        outcome
//   17000000001   per-number  LimitExceeded.PhoneNumberThirtySecondLimit
//   17000000002   per-number  LimitExceeded.PhoneNumberOneHourLimit
//   17000000003   per-number  LimitExceeded.PhoneNumberDailyLimit
//   17000000004   per-number  FailedOperation.InsufficientBalanceInSmsPackage
//   17000000005   per-number  FailedOperation.PhoneNumberInBlacklist
//   17000000401   request     AuthFailure.SignatureFailure (as if the signature were wrong)
//   17000000500   transport   HTTP 500 with an HTML (non-JSON) body
//   17000000504   transport   never answers; the socket is held until the client gives up
//
// Request-level magic applies to the whole request if any number in PhoneNumberSet matches.
// Any other well-formed mainland number is delivered: rendered, kept in memory, answered 'Ok'.
//
// setFailure(mode) makes every request fail the same way until setFailure(null):
//   'http500' → HTTP 500 non-JSON body; 'timeout' → hold the socket; 'reset' → drop the
//   connection without a response; 'deliver-then-timeout' → deliver the message, then hold
//   the socket (the gateway took it, its answer is lost; report pulls are answered, so a
//   retry can find the message); any Tencent-style code ('InternalError',
//   'RequestLimitExceeded', 'AuthFailure.SignatureFailure', …) → request-level error envelope.
//   Every mode but 'deliver-then-timeout' fails report pulls the same way.
import { createHash, createHmac, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { httpUrl, listen } from '../../lib/listen';
import { readBody } from '../shared/http-body';
import { closeServer } from '../shared/close-server';

export interface SmsRecord {
  serialNo: string;
  /** As received, e.g. +8613800138000. */
  phone: string;
  templateId: string;
  params: string[];
  /** What the handset shows: 【SignName】 followed by the rendered template. */
  text: string;
  /** The send's SessionContext ('' without one), returned with its delivery report. */
  sessionContext: string;
  signName: string;
  sdkAppId: string;
  receivedAt: string;
}

export interface SmsGateway {
  url: string;
  port: number;
  messages(): SmsRecord[];
  forPhone(phone: string): SmsRecord[];
  clear(): void;
  setFailure(mode: string | null): void;
  /** Requests received, answered or not; of one action (its X-TC-Action) when given. */
  requests(action?: string): number;
  close(): Promise<void>;
}

export interface SmsGatewayOptions {
  host?: string;
  port?: number;
  /** SecretId → SecretKey */
  credentials: Record<string, string>;
  sdkAppIds?: string[];
}

type MagicOutcome =
  | { kind: 'status'; code: string; message: string }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'http500' }
  | { kind: 'hang' };

const SIGNATURE_FAILURE_MESSAGE =
  'The provided credentials could not be validated. Please check your signature is correct.';

export const SMS_MAGIC_NUMBERS = {
  '17000000001': {
    kind: 'status',
    code: 'LimitExceeded.PhoneNumberThirtySecondLimit',
    message: 'the number of sms messages sent from a single mobile number within 30 seconds exceeds the upper limit',
  },
  '17000000002': {
    kind: 'status',
    code: 'LimitExceeded.PhoneNumberOneHourLimit',
    message: 'the number of sms messages sent from a single mobile number within 1 hour exceeds the upper limit',
  },
  '17000000003': {
    kind: 'status',
    code: 'LimitExceeded.PhoneNumberDailyLimit',
    message: 'the number of sms messages sent from a single mobile number every day exceeds the upper limit',
  },
  '17000000004': {
    kind: 'status',
    code: 'FailedOperation.InsufficientBalanceInSmsPackage',
    message: 'insufficient balance in SMS package',
  },
  '17000000005': {
    kind: 'status',
    code: 'FailedOperation.PhoneNumberInBlacklist',
    message: 'phone number in blacklist',
  },
  '17000000401': { kind: 'error', code: 'AuthFailure.SignatureFailure', message: SIGNATURE_FAILURE_MESSAGE },
  '17000000500': { kind: 'http500' },
  '17000000504': { kind: 'hang' },
} as const satisfies Record<string, MagicOutcome>;

const MAGIC: Readonly<Record<string, MagicOutcome>> = SMS_MAGIC_NUMBERS;

/** Templates approved on the sandbox account, mirroring the production account's ids. */
export const SMS_TEMPLATES: Readonly<Record<string, string>> = {
  '1646861': '您正在修改账户手机号码,验证码为:{1},为保障帐户安全,请勿向任何人提供此验证码。',
  '2130785': '您的验证码:{1},这是您绑定手机号的操作验证码,如果这不是您本人的操作,请忽略本短信!',
  '2134016': '您的验证码:{1},这是您解绑账户邮箱的操作验证码,如果这不是您本人的操作,请忽略本短信!',
  '2133448': '尊敬的用户,您的账户已成功进行了{1}操作,新关联的信息为:{2}。为了您的账户安全,请确认这是您本人的操作。',
  '1646866': '您的验证码为:{1},您正在进行密码重置操作,如非本人操作,请忽略本短信!',
  // not in the seed (its log names no template for these): the defaults of
  // SMS_TEMPLATE_RECOVER_ACCOUNT / _RECOVERY_NOTICE / _UNFREEZE_ACCOUNT / _CANCEL_ACCOUNT, to be
  // replaced by the account's own ids
  '1646868': '您的验证码为:{1},您正在进行找回账户操作,如非本人操作,请忽略本短信!',
  '1646869': '尊敬的用户,您的账户已通过账户找回验证,所有设备的登录状态已退出。如非本人操作,请尽快联系我们。',
  '1646870': '您的验证码为:{1},您正在进行解除账户冻结操作,如非本人操作,请忽略本短信!',
  '1646871': '您的验证码为:{1},您正在进行账户注销申请操作,如非本人操作,请忽略本短信!',
  '1646872': '尊敬的用户,您的账户密码已更新。如非本人操作,您的账户可能已出现安全问题,请尽快联系我们。',
  // not in the seed either: SMS_TEMPLATE_SECURITY_CHECK's default (the seed's scene 安全环境验证码)
  '1646873': '您的验证码为:{1},您正在进行安全环境验证操作,如非本人操作,请忽略本短信!',
};

const SEND = 'SendSms';
const PULL = 'PullSmsSendStatusByPhoneNumber';
const ACTIONS = new Set([SEND, PULL]);
const VERSION = '2021-01-11';
/** Tencent SMS is served from these three regions only. */
const REGIONS = new Set(['ap-guangzhou', 'ap-beijing', 'ap-nanjing']);
const MAX_SKEW_SEC = 300;
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_NUMBERS = 200;
/** SendSms: "注意长度需小于512字节" (the real error code for a longer one is not documented). */
const MAX_SESSION_CONTEXT_BYTES = 511;
/** PullSmsSendStatusByPhoneNumber: at most 100 reports, Offset fixed at 0, the last 7 days only. */
const MAX_PULL_LIMIT = 100;
const REPORT_RETENTION_SEC = 7 * 86_400;
const KNOWN_FIELDS = new Set([
  'PhoneNumberSet', 'SmsSdkAppId', 'TemplateId', 'SignName', 'TemplateParamSet', 'ExtendCode', 'SessionContext', 'SenderId',
]);
const FAILURE_MODES = new Set(['http500', 'timeout', 'reset', 'deliver-then-timeout']);
const LOST_ANSWER = 'deliver-then-timeout';
const CODE_SHAPE = /^[A-Z][A-Za-z]*(\.[A-Za-z0-9]+)*$/;

/** A request-level answer: Tencent answers these with HTTP 200 and an Error envelope. */
class ApiError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** '+8613800138000', '008613800138000', '8613800138000', '13800138000' → '13800138000'. */
export function nationalNumber(phone: string): string | undefined {
  const m = /^(?:\+86|0086|86)?(1\d{10})$/.exec(phone.trim());
  return m?.[1];
}

export async function startSmsGateway(opts: SmsGatewayOptions): Promise<SmsGateway> {
  const host = opts.host ?? '127.0.0.1';
  const sdkAppIds = new Set(opts.sdkAppIds ?? ['1400000000']);
  const credentials = new Map(Object.entries(opts.credentials));
  let records: SmsRecord[] = [];
  let failure: string | null = null;
  let requestCount = 0;
  const actionCounts = new Map<string, number>();
  // Requests we deliberately never answer; close() must end them or it would hang too.
  const held = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    requestCount++;
    const action = header(req, 'x-tc-action') ?? '';
    actionCounts.set(action, (actionCounts.get(action) ?? 0) + 1);
    handle(req, res).catch((err: unknown) => {
      // A bug here must not look like a provider answer the client would trust.
      if (!res.headersSent) sendError(res, randomUUID(), 'InternalError', `sandbox error: ${(err as Error).message}`);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_BODY_BYTES);
    if (body === undefined) {
      res.writeHead(413, { 'Content-Type': 'text/plain' }).end('request body too large');
      return;
    }
    if (failure && failure !== LOST_ANSWER) {
      forcedFailure(failure, res);
      return;
    }

    const requestId = randomUUID();
    let outcome: MagicOutcome | { kind: 'ok'; statuses: SendStatus[] };
    try {
      verifyRequest(req, body, credentials);
      if (header(req, 'x-tc-action') === PULL) {
        sendJson(res, { Response: { PullSmsSendStatusSet: pull(parsePullBody(body)), RequestId: requestId } });
        return;
      }
      const input = parseBody(body);
      outcome = requestLevelMagic(input.PhoneNumberSet) ?? { kind: 'ok', statuses: send(input) };
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      sendError(res, requestId, err.code, err.message);
      return;
    }

    switch (outcome.kind) {
      case 'http500':
        sendHttp500(res);
        return;
      case 'hang':
        hold(res);
        return;
      case 'error':
      case 'status':
        sendError(res, requestId, outcome.code, outcome.message);
        return;
      case 'ok':
        if (failure === LOST_ANSWER) hold(res);
        else sendJson(res, { Response: { SendStatusSet: outcome.statuses, RequestId: requestId } });
    }
  }

  /** setFailure's outage simulation; it comes before auth, as an outage would. */
  function forcedFailure(mode: string, res: ServerResponse): void {
    if (mode === 'http500') sendHttp500(res);
    else if (mode === 'timeout') hold(res);
    else if (mode === 'reset') res.socket?.destroy();
    else sendError(res, randomUUID(), mode, `sandbox forced failure: ${mode}`);
  }

  function hold(res: ServerResponse): void {
    held.add(res);
    res.on('close', () => held.delete(res));
  }

  function requestLevelMagic(phones: string[]): MagicOutcome | undefined {
    const hits = phones.map((p) => MAGIC[nationalNumber(p) ?? '']).filter((m): m is MagicOutcome => !!m && m.kind !== 'status');
    // The most disruptive outcome wins, as a real outage would mask an auth error.
    return hits.find((m) => m.kind === 'hang') ?? hits.find((m) => m.kind === 'http500') ?? hits[0];
  }

  function send(input: SendSmsInput): SendStatus[] {
    if (!sdkAppIds.has(input.SmsSdkAppId)) {
      throw new ApiError('InvalidParameterValue.SdkAppIdNotExist', 'SdkAppId not exist.');
    }
    const template = SMS_TEMPLATES[input.TemplateId];
    if (template === undefined) {
      throw new ApiError(
        'FailedOperation.TemplateIncorrectOrUnapproved',
        'template is not approved or request content does not match the approved template content',
      );
    }
    const params = input.TemplateParamSet ?? [];
    if (params.length !== placeholderCount(template)) {
      throw new ApiError(
        'FailedOperation.TemplateParamSetNotMatchApprovedTemplate',
        'request content does not match the approved template content',
      );
    }
    const text = `【${input.SignName}】${template.replace(/\{(\d+)\}/g, (_, n: string) => params[Number(n) - 1] ?? '')}`;

    return input.PhoneNumberSet.map((phone): SendStatus => {
      const base = { PhoneNumber: phone, SessionContext: input.SessionContext ?? '', IsoCode: 'CN' };
      const national = nationalNumber(phone);
      if (!national) {
        return { ...base, SerialNo: '', Fee: 0, Code: 'InvalidParameterValue.IncorrectPhoneNumber', Message: 'incorrect phone number', IsoCode: 'DEF' };
      }
      const magic = MAGIC[national];
      if (magic?.kind === 'status') return { ...base, SerialNo: '', Fee: 0, Code: magic.code, Message: magic.message };

      const serialNo = newSerialNo();
      records.push({
        serialNo,
        phone,
        templateId: input.TemplateId,
        params: [...params],
        text,
        sessionContext: input.SessionContext ?? '',
        signName: input.SignName,
        sdkAppId: input.SmsSdkAppId,
        receivedAt: new Date().toISOString(),
      });
      return { ...base, SerialNo: serialNo, Fee: fee(text), Code: 'Ok', Message: 'send success' };
    });
  }

  /** Delivery reports of one number within [BeginTime, EndTime], oldest first, at most Limit. */
  function pull(input: PullInput): PullStatus[] {
    if (!sdkAppIds.has(input.SmsSdkAppId)) throw new ApiError('InvalidParameterValue.SdkAppIdNotExist', 'SdkAppId not exist.');
    // The API takes E.164 only here, unlike SendSms's lenient number forms.
    const national = /^\+86(1\d{10})$/.exec(input.PhoneNumber)?.[1];
    if (!national) throw new ApiError('InvalidParameterValue.IncorrectPhoneNumber', 'PhoneNumber must be E.164, e.g. +8613800138000');
    const now = Math.floor(Date.now() / 1000);
    const begin = Math.max(input.BeginTime, now - REPORT_RETENTION_SEC);
    const end = input.EndTime ?? now;
    return records
      .filter((r) => r.sdkAppId === input.SmsSdkAppId && nationalNumber(r.phone) === national)
      .map((r) => ({ r, at: Math.floor(Date.parse(r.receivedAt) / 1000) }))
      .filter(({ at }) => at >= begin && at <= end)
      .slice(0, input.Limit)
      .map(({ r, at }) => ({
        UserReceiveTime: at,
        CountryCode: '86',
        SubscriberNumber: national,
        PhoneNumber: `+86${national}`,
        SerialNo: r.serialNo,
        ReportStatus: 'SUCCESS',
        Description: 'DELIVRD',
        SessionContext: r.sessionContext,
      }));
  }

  const port = await listen(server, opts.port ?? 0, host);

  return {
    url: httpUrl(host, port),
    port,
    messages: () => records.map(copyRecord),
    forPhone: (phone) => {
      const want = nationalNumber(phone) ?? phone;
      return records.filter((r) => (nationalNumber(r.phone) ?? r.phone) === want).map(copyRecord);
    },
    clear: () => {
      records = [];
    },
    setFailure: (mode) => {
      if (mode !== null && !FAILURE_MODES.has(mode) && !CODE_SHAPE.test(mode)) {
        throw new Error(`unknown SMS gateway failure mode "${mode}"; use http500, timeout, reset, deliver-then-timeout or a Tencent error code`);
      }
      failure = mode;
    },
    requests: (action) => (action === undefined ? requestCount : (actionCounts.get(action) ?? 0)),
    close: () => closeServer(server, held),
  };
}

// ---------------------------------------------------------------------------------------
// Signature verification (TC3-HMAC-SHA256)

const AUTH_RE =
  /^TC3-HMAC-SHA256\s+Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s]+)\/tc3_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;

function verifyRequest(req: IncomingMessage, body: Buffer, credentials: Map<string, string>): void {
  if (req.method !== 'POST') {
    throw new ApiError('UnsupportedProtocol', 'This sandbox accepts only POST requests with a JSON body.');
  }
  const contentType = header(req, 'content-type');
  if (!contentType || !/^application\/json\b/i.test(contentType)) {
    throw new ApiError('InvalidParameter', 'Content-Type must be application/json.');
  }
  const action = header(req, 'x-tc-action');
  if (!action) throw new ApiError('MissingParameter', 'The request is missing a required parameter `Action`.');
  if (!ACTIONS.has(action)) throw new ApiError('InvalidAction', `The requested action \`${action}\` does not exist for this service.`);
  const version = header(req, 'x-tc-version');
  if (!version) throw new ApiError('MissingParameter', 'The request is missing a required parameter `Version`.');
  if (version !== VERSION) throw new ApiError('NoSuchVersion', `The requested version \`${version}\` of API \`${action}\` is not supported.`);
  const region = header(req, 'x-tc-region');
  if (!region) throw new ApiError('MissingParameter', 'The request is missing a required parameter `Region`.');
  if (!REGIONS.has(region)) throw new ApiError('UnsupportedRegion', `The region \`${region}\` is not supported by SMS.`);

  const tsHeader = header(req, 'x-tc-timestamp');
  if (!tsHeader) throw new ApiError('MissingParameter', 'The request is missing a required parameter `Timestamp`.');
  if (!/^\d{1,12}$/.test(tsHeader)) throw new ApiError('InvalidParameter', 'The parameter `Timestamp` is not a unix time in seconds.');
  const timestamp = Number(tsHeader);

  const auth = AUTH_RE.exec(header(req, 'authorization') ?? '');
  if (!auth) throw new ApiError('AuthFailure.InvalidAuthorization', 'The Authorization header is not a TC3-HMAC-SHA256 authorization.');
  const [, secretId, date, service, signedHeadersRaw, signature] = auth as unknown as [string, string, string, string, string, string];

  const now = Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > MAX_SKEW_SEC) {
    throw new ApiError(
      'AuthFailure.SignatureExpire',
      `Signature expired. Timestamp is ${timestamp}, server time is ${now}; they may differ by at most ${MAX_SKEW_SEC} s.`,
    );
  }
  const secretKey = credentials.get(secretId);
  if (secretKey === undefined) {
    throw new ApiError('AuthFailure.SecretIdNotFound', 'The SecretId is not found, please ensure that your SecretId is correct.');
  }
  const signedHeaders = signedHeadersRaw.split(';');
  if (!signedHeaders.includes('content-type') || !signedHeaders.includes('host')) {
    throw new ApiError('AuthFailure.InvalidAuthorization', 'SignedHeaders must include content-type and host.');
  }
  if (date !== utcDate(timestamp)) throw new ApiError('AuthFailure.SignatureFailure', SIGNATURE_FAILURE_MESSAGE);

  // The credential scope names the service; the SDK derives it from the endpoint host's first
  // label ("127" for 127.0.0.1), so we sign with whatever scope the request claims.
  const query = (req.url ?? '/').split('?')[1] ?? '';
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const bodyHash = sha256Hex(body);
  // Tencent's docs sign the Host header as sent; the SDK signs the hostname without the
  // port. Against the real endpoint these agree; on a local port only one of them can.
  const hostVariants = hostCandidates(header(req, 'host') ?? '');
  const ok = hostVariants.some((host) => {
    const canonicalHeaders = signedHeaders
      .map((h) => `${h}:${h === 'host' ? host : (header(req, h) ?? '').toLowerCase()}\n`)
      .join('');
    const canonicalRequest = [req.method, path, query, canonicalHeaders, signedHeadersRaw, bodyHash].join('\n');
    const scope = `${date}/${service}/tc3_request`;
    const stringToSign = ['TC3-HMAC-SHA256', tsHeader, scope, sha256Hex(canonicalRequest)].join('\n');
    const kDate = hmac(`TC3${secretKey}`, date);
    const kService = hmac(kDate, service);
    const kSigning = hmac(kService, 'tc3_request');
    return safeEqualHex(hmac(kSigning, stringToSign).toString('hex'), signature);
  });
  if (!ok) throw new ApiError('AuthFailure.SignatureFailure', SIGNATURE_FAILURE_MESSAGE);
}

function hostCandidates(hostHeader: string): string[] {
  const host = hostHeader.trim().toLowerCase();
  const withoutPort = host.replace(/:\d+$/, '');
  return withoutPort === host ? [host] : [host, withoutPort];
}

// ---------------------------------------------------------------------------------------
// Body validation

interface SendSmsInput {
  PhoneNumberSet: string[];
  SmsSdkAppId: string;
  TemplateId: string;
  SignName: string;
  TemplateParamSet?: string[];
  SessionContext?: string;
}

interface SendStatus {
  SerialNo: string;
  PhoneNumber: string;
  Fee: number;
  SessionContext: string;
  Code: string;
  Message: string;
  IsoCode: string;
}

interface PullInput {
  BeginTime: number;
  Offset: number;
  Limit: number;
  PhoneNumber: string;
  SmsSdkAppId: string;
  EndTime?: number;
}

interface PullStatus {
  UserReceiveTime: number;
  CountryCode: string;
  SubscriberNumber: string;
  PhoneNumber: string;
  SerialNo: string;
  ReportStatus: string;
  Description: string;
  SessionContext: string;
}

const PULL_FIELDS = new Set(['BeginTime', 'Offset', 'Limit', 'PhoneNumber', 'SmsSdkAppId', 'EndTime']);
const isWholeNumber = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function parsePullBody(body: Buffer): PullInput {
  const o = jsonObject(body, PULL_FIELDS);
  const input: PullInput = {
    BeginTime: requireField(o, 'BeginTime', isWholeNumber, 'a unix time in seconds'),
    Offset: requireField(o, 'Offset', isWholeNumber, 'a non-negative integer'),
    Limit: requireField(o, 'Limit', isWholeNumber, 'an integer'),
    PhoneNumber: requireField(o, 'PhoneNumber', isNonEmptyString, 'a string'),
    SmsSdkAppId: requireField(o, 'SmsSdkAppId', isNonEmptyString, 'a string'),
  };
  if (input.Offset !== 0) throw new ApiError('InvalidParameterValue', 'Offset is currently fixed at 0.');
  if (input.Limit < 1 || input.Limit > MAX_PULL_LIMIT) throw new ApiError('InvalidParameterValue', `Limit is 1 to ${MAX_PULL_LIMIT}.`);
  if (o.EndTime !== undefined) input.EndTime = requireField(o, 'EndTime', isWholeNumber, 'a unix time in seconds');
  if (input.EndTime !== undefined && input.EndTime < input.BeginTime) throw new ApiError('InvalidParameterValue', 'EndTime is before BeginTime.');
  return input;
}

function jsonObject(body: Buffer, known: ReadonlySet<string>): Record<string, unknown> {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError('InvalidParameter', 'The request body is not valid JSON.');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ApiError('InvalidParameter', 'The request body must be a JSON object.');
  }
  const o = data as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!known.has(key)) throw new ApiError('UnknownParameter', `The parameter \`${key}\` is not recognized.`);
  }
  return o;
}

function parseBody(body: Buffer): SendSmsInput {
  const o = jsonObject(body, KNOWN_FIELDS);
  const phones = requireField(o, 'PhoneNumberSet', isStringArray, 'an array of strings');
  if (phones.length === 0) throw new ApiError('MissingParameter.EmptyPhoneNumberSet', 'PhoneNumberSet is empty.');
  if (phones.length > MAX_NUMBERS) throw new ApiError('LimitExceeded.PhoneNumberCountLimit', `at most ${MAX_NUMBERS} numbers per request`);
  const input: SendSmsInput = {
    PhoneNumberSet: phones,
    SmsSdkAppId: requireField(o, 'SmsSdkAppId', isNonEmptyString, 'a string'),
    TemplateId: requireField(o, 'TemplateId', isNonEmptyString, 'a string'),
    // Optional in the API for international SMS only; every number here is domestic.
    SignName: requireField(o, 'SignName', isNonEmptyString, 'a string'),
  };
  if (o.TemplateParamSet !== undefined) {
    if (!isStringArray(o.TemplateParamSet)) throw typeMismatch('TemplateParamSet', 'an array of strings');
    input.TemplateParamSet = o.TemplateParamSet;
  }
  if (o.SessionContext !== undefined) {
    if (typeof o.SessionContext !== 'string') throw typeMismatch('SessionContext', 'a string');
    if (Buffer.byteLength(o.SessionContext, 'utf8') > MAX_SESSION_CONTEXT_BYTES) {
      throw new ApiError('InvalidParameterValue', `SessionContext must be shorter than ${MAX_SESSION_CONTEXT_BYTES + 1} bytes.`);
    }
    input.SessionContext = o.SessionContext;
  }
  return input;
}

function requireField<T>(o: Record<string, unknown>, key: string, check: (v: unknown) => v is T, what: string): T {
  const v = o[key];
  if (v === undefined || v === null || v === '') throw new ApiError('MissingParameter', `The request is missing a required parameter \`${key}\`.`);
  if (!check(v)) throw typeMismatch(key, what);
  return v;
}

function typeMismatch(key: string, what: string): ApiError {
  return new ApiError('InvalidParameter', `The parameter \`${key}\` must be ${what}.`);
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

// ---------------------------------------------------------------------------------------
// Small helpers

function placeholderCount(template: string): number {
  return new Set(template.match(/\{\d+\}/g) ?? []).size;
}

/** Mainland billing: one unit up to 70 characters, then 67 per concatenated part. */
function fee(text: string): number {
  const len = [...text].length;
  return len <= 70 ? 1 : Math.ceil(len / 67);
}

/** Same shape as Tencent's, e.g. 5000:1045710669157053657849499619. */
function newSerialNo(): string {
  let digits = '';
  while (digits.length < 28) digits += String(randomInt(0, 1e9)).padStart(9, '0');
  return `${randomInt(1000, 10000)}:${digits.slice(0, 28)}`;
}

function copyRecord(r: SmsRecord): SmsRecord {
  return { ...r, params: [...r.params] };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return (Array.isArray(v) ? v[0] : v)?.trim();
}

function utcDate(unixSec: number): string {
  return new Date(unixSec * 1000).toISOString().slice(0, 10);
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function safeEqualHex(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}


function sendJson(res: ServerResponse, payload: unknown): void {
  const body = JSON.stringify(payload);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
}

function sendError(res: ServerResponse, requestId: string, code: string, message: string): void {
  sendJson(res, { Response: { Error: { Code: code, Message: message }, RequestId: requestId } });
}

/** What an overloaded load balancer in front of the API returns: HTML, not the JSON envelope. */
function sendHttp500(res: ServerResponse): void {
  res
    .writeHead(500, { 'Content-Type': 'text/html' })
    .end('<html><head><title>500 Internal Server Error</title></head><body><center><h1>500 Internal Server Error</h1></center></body></html>');
}
