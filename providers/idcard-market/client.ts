// ID two-factor check (身份证二要素) through the Tencent Cloud API market gateway: name + ID
// number → does this person exist with this name? Every outcome becomes a value, a
// ProviderResult (providers/shared/result.ts); the caller (an activity) decides about
// rate-limit slots and retries, so nothing here throws.
//
// Wire (docs/providers.md#id-two-factor-check): POST <base>/id_name/check?idcard=…&name=… signed with the
// market's HMAC key pair; the gateway answers its own errors as HTTP 401/403 with
// { message }, the API answers { code, msg, data: { result, sex, birthday, address, message } }.
//
// Outcomes, following the seed's xc_idcard_verification_hook. The provider's verdicts are
// answers (ok: true), whatever they say:
//   code 200, result 1 → verdict match (sex, birthday, address)
//   code 200, result 2 → verdict mismatch  "核验失败:身份证信息不匹配"
//   code 200, result 3 → verdict no_record (户口迁出/现役军人/移民/身份证不存在)
//   code 400           → verdict bad_request (our parameters)
// Everything else is a failure, always retryable (the seed's provider fault and transport
// error, for which it releases the user's rate-limit slot):
//   any other code, a gateway 401/403, a 5xx, a body that is not the envelope → code: the
//     provider's code (500, 604, …), http_<status>, invalid_response or result_<result>
//   refused / reset / timeout → code TransportError
//
// Personal data never leaves this module in clear: messages the provider echoes are
// scrubbed of the name and ID number we sent.
import { createHmac } from 'node:crypto';
import { isRecord, parseJson, scrubIdentity, snippet, transportMessage } from '../shared/http-answer';
import { providerFailure, TRANSPORT_ERROR, type ProviderResult } from '../shared/result';
import { providerCall } from '../shared/trace';

export interface IdCardConfig {
  /** e.g. https://service-xxxx.gz.apigw.tencentcs.com/release (no trailing path of the API itself) */
  baseUrl: string;
  secretId: string;
  secretKey: string;
  timeoutMs: number;
}

export type IdVerdict = 'match' | 'mismatch' | 'no_record' | 'bad_request';

/** What the provider said: a match with what it knows of the person, or why not. */
export type IdCheckAnswer =
  | { verdict: 'match'; sex?: string; birthday?: string; address?: string; requestId?: string }
  | { verdict: 'mismatch' | 'no_record' | 'bad_request'; message: string };

/** A failure is the provider's fault or the network's (code TransportError), and always retryable. */
export type IdCheckResult = ProviderResult<IdCheckAnswer>;

export interface IdCardChecker {
  check(name: string, idNumber: string): Promise<IdCheckResult>;
}

export const MISMATCH_MESSAGE = '核验失败:身份证信息不匹配';
export const NO_RECORD_MESSAGE = '核验失败:库中无此身份信息(户口迁出/现役军人/移民/身份证不存在)';
export const UNKNOWN_MESSAGE = '核验失败:未知原因';

const PATH = '/id_name/check';
const SOURCE = 'market';
const MAX_BODY_CHARS = 64 * 1024;

/** The market gateway's HMAC signature over x-date and x-source. */
export function marketAuthorization(secretId: string, secretKey: string, xDate: string, source = SOURCE): string {
  const signature = createHmac('sha1', secretKey).update(`x-date: ${xDate}\nx-source: ${source}`, 'utf8').digest('base64');
  return `hmac id="${secretId}", algorithm="hmac-sha1", headers="x-date x-source", signature="${signature}"`;
}

export function createIdCardChecker(cfg: IdCardConfig): IdCardChecker {
  const base = cfg.baseUrl.replace(/\/+$/, '');

  const checker: IdCardChecker = {
    async check(name, idNumber) {
      const scrub = (text: string) => scrubIdentity(text, name, idNumber);
      const url = `${base}${PATH}?idcard=${encodeURIComponent(idNumber)}&name=${encodeURIComponent(name)}`;
      // RFC 1123, always GMT: "Tue, 26 Nov 2024 08:00:00 GMT".
      const xDate = new Date().toUTCString();

      let status: number;
      let text: string;
      let headerRequestId: string | null;
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'X-Date': xDate,
            'X-Source': SOURCE,
            Authorization: marketAuthorization(cfg.secretId, cfg.secretKey, xDate),
            Accept: 'application/json',
          },
          signal: AbortSignal.timeout(cfg.timeoutMs),
        });
        status = res.status;
        headerRequestId = res.headers.get('x-api-requestid');
        text = (await res.text()).slice(0, MAX_BODY_CHARS);
      } catch (err) {
        return providerFailure(TRANSPORT_ERROR, scrub(transportMessage(err, cfg.timeoutMs)), true);
      }

      const body = parseJson(text);
      if (isRecord(body) && body.code !== undefined && body.code !== null && body.code !== '') {
        return fromEnvelope(body, headerRequestId, scrub);
      }
      if (status < 200 || status >= 300) {
        // The gateway's own answers (401/403 { message }) and load-balancer pages.
        const msg = isRecord(body) && typeof body.message === 'string' ? body.message : snippet(text);
        return providerFault(`http_${status}`, scrub(`HTTP ${status}${msg ? ` ${msg}` : ''}`));
      }
      return providerFault('invalid_response', scrub(`answer is not the API envelope: ${snippet(text)}`));
    },
  };
  return { check: (name, idNumber) => providerCall('idcard', 'check', () => checker.check(name, idNumber)) };
}

function fromEnvelope(body: Record<string, unknown>, headerRequestId: string | null, scrub: (s: string) => string): IdCheckResult {
  const code = typeof body.code === 'string' && /^\d+$/.test(body.code) ? Number(body.code) : body.code;
  const msg = scrub(stringOf(body.msg) ?? stringOf(body.message) ?? '');
  if (code === 400) return { ok: true, verdict: 'bad_request', message: msg || '请求参数错误' };
  if (code !== 200) return providerFault(String(code), msg || UNKNOWN_MESSAGE);

  const data = isRecord(body.data) ? body.data : {};
  const result = data.result === undefined || data.result === null ? '' : String(data.result);
  const requestId = stringOf(body.taskNo) ?? stringOf(body.requestId) ?? stringOf(body.seqNo) ?? headerRequestId ?? undefined;
  switch (result) {
    case '1': {
      const match: IdCheckResult & { verdict: 'match' } = { ok: true, verdict: 'match' };
      const sex = stringOf(data.sex);
      const birthday = stringOf(data.birthday);
      const address = stringOf(data.address);
      if (sex) match.sex = sex;
      if (birthday) match.birthday = birthday;
      if (address) match.address = address;
      if (requestId) match.requestId = requestId;
      return match;
    }
    case '2':
      return { ok: true, verdict: 'mismatch', message: MISMATCH_MESSAGE };
    case '3':
      return { ok: true, verdict: 'no_record', message: NO_RECORD_MESSAGE };
    default:
      // The seed: "其它错误,目前不可知。直接返回验失败:未知原因".
      return providerFault(`result_${result || 'missing'}`, UNKNOWN_MESSAGE);
  }
}

/** The provider answered, but not with a verdict: worth another try, and not the user's fault. */
function providerFault(code: string, message: string): IdCheckResult {
  return providerFailure(code, message, true);
}

function stringOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v || undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}
