// http/errors.ts (languageOf, errorBody, localized), the lib/errors.ts catalogue and the one
// failure path (failure, errorOf, flowError, messageOf, fillPlaceholders), and a scan of the
// source: every error code it uses is catalogued.
import fs from 'node:fs';
import path from 'node:path';
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, RetryState, TerminatedFailure } from '@temporalio/common';
import { errorBody, languageOf, localized } from '../../http/errors';
import { AppError, ERRORS, errorOf, failure, failureOf, fillPlaceholders, flowError, isErrorCode, messageOf, type ErrorCode } from '../../lib/errors';

describe('languageOf', () => {
  it.each([
    [undefined, 'zh'],
    ['', 'zh'],
    ['zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
    ['zh', 'zh'],
    ['*', 'zh'],
    ['fr-FR, en;q=0.5', 'zh'],
    ['english', 'zh'],
    ['eng', 'zh'],
    ['en', 'en'],
    ['EN', 'en'],
    ['en-US', 'en'],
    ['en-GB,en;q=0.9,zh-CN;q=0.8', 'en'],
    ['  en-us', 'en'],
    ['en;q=0.9', 'en'],
  ] as const)('%j → %s', (header, lang) => {
    expect(languageOf(header)).toBe(lang);
  });
});

describe('errorBody', () => {
  it('gives the zh message for zh', () => {
    expect(errorBody('CODE_WRONG', 'zh')).toEqual({ error: { code: 'CODE_WRONG', message: '验证码错误' } });
  });

  it('gives the en message for en', () => {
    expect(errorBody('CODE_WRONG', 'en')).toEqual({ error: { code: 'CODE_WRONG', message: 'Wrong code' } });
  });

  it('includes non-empty details', () => {
    expect(errorBody('CODE_TOO_SOON', 'en', { retryAfterSec: 42 })).toEqual({
      error: { code: 'CODE_TOO_SOON', message: ERRORS.CODE_TOO_SOON.en, details: { retryAfterSec: 42 } },
    });
  });

  it('omits empty or missing details', () => {
    expect(errorBody('INTERNAL', 'zh', {})).toEqual({ error: { code: 'INTERNAL', message: ERRORS.INTERNAL.zh } });
    expect('details' in errorBody('INTERNAL', 'zh', {}).error).toBe(false);
    expect('details' in errorBody('INTERNAL', 'zh').error).toBe(false);
  });

  it('maps every catalogue code in both languages', () => {
    for (const code of Object.keys(ERRORS) as ErrorCode[]) {
      // a code with a jump hint carries it beside (the seed's jump=login / phone / security)
      const jump = (ERRORS[code] as { jump?: string }).jump;
      expect(errorBody(code, 'zh').error).toEqual({ code, message: messageOf(code, 'zh'), ...(jump ? { jump } : {}) });
      expect(errorBody(code, 'en').error).toEqual({ code, message: messageOf(code, 'en'), ...(jump ? { jump } : {}) });
    }
  });
});

describe('ERRORS catalogue', () => {
  const entries = Object.entries(ERRORS) as [ErrorCode, { status: number; zh: string; en: string }][];

  it('is not empty', () => {
    expect(entries.length).toBeGreaterThan(10);
  });

  it.each(entries)('%s has a 4xx/5xx status, non-empty zh and en, and an UPPER_SNAKE code', (code, e) => {
    expect(code).toMatch(/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/);
    expect(Number.isInteger(e.status)).toBe(true);
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(600);
    expect(typeof e.zh).toBe('string');
    expect(e.zh.trim().length).toBeGreaterThan(0);
    expect(typeof e.en).toBe('string');
    expect(e.en.trim().length).toBeGreaterThan(0);
    expect(Object.keys(e).filter((k) => k !== 'jump' && k !== 'bare').sort()).toEqual(['en', 'status', 'zh']);
    // a bare text is the one without placeholders, for details that cannot fill them
    const bare = (e as { bare?: { zh: string; en: string } }).bare;
    if (bare) expect([bare.zh, bare.en].filter((t) => /\{\w+\}/.test(t))).toEqual([]);
  });

  it('the jump hints are the seed\'s: login and phone on the real-name pre-checks and a password reset without a login, security on an unsafe environment; the security check\'s own (login, phone, and security on every refused pass: back to the check)', () => {
    const jumps = Object.fromEntries(Object.entries(ERRORS).flatMap(([code, e]) => ('jump' in e ? [[code, e.jump]] : [])));
    expect(jumps).toEqual({ REAL_NAME_LOGIN_REQUIRED: 'login', REAL_NAME_PHONE_REQUIRED: 'phone', REAL_NAME_UNSAFE_ENVIRONMENT: 'security', PASSWORD_RESET_LOGIN_REQUIRED: 'login',
      SECURITY_CHECK_LOGIN_REQUIRED: 'login',
      SECURITY_CHECK_PHONE_REQUIRED: 'phone',
      SECURITY_PASS_INVALID: 'security',
      SECURITY_PASS_ACCOUNT_MISMATCH: 'security',
      SECURITY_PASS_DEVICE_MISMATCH: 'security',
      SECURITY_PASS_USED: 'security',
      SECURITY_PASS_EXPIRED: 'security',
    });
  });

  it('zh messages are Chinese, en messages are not', () => {
    for (const [, e] of entries) {
      expect(e.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(e.en).not.toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it.each([
    ['INVALID_INPUT', 400],
    ['UNAUTHENTICATED', 401],
    ['FORBIDDEN', 403],
    ['ROUTE_NOT_FOUND', 404],
    ['PAYLOAD_TOO_LARGE', 413],
    ['UNSUPPORTED_MEDIA_TYPE', 415],
    ['INTERNAL', 500],
    ['SERVICE_UNAVAILABLE', 503],
    ['CODE_TOO_SOON', 429],
    ['CODE_DAILY_LIMIT', 429],
    ['CODE_EXPIRED', 410],
  ] as const)('%s is %d', (code, status) => {
    expect(ERRORS[code].status).toBe(status);
  });

  it('contains the codes the API and activities rely on', () => {
    for (const code of ['INVALID_PHONE', 'INVALID_EMAIL', 'PHONE_TAKEN', 'EMAIL_TAKEN', 'CODE_WRONG', 'CODE_ATTEMPTS_EXCEEDED', 'FLOW_IN_PROGRESS', 'FLOW_NOT_FOUND', 'FLOW_CLOSED']) {
      expect(isErrorCode(code)).toBe(true);
    }
  });
});

describe('isErrorCode', () => {
  it('is true for catalogue codes only', () => {
    expect(isErrorCode('CODE_WRONG')).toBe(true);
    expect(isErrorCode('code_wrong')).toBe(false);
    expect(isErrorCode('NOPE')).toBe(false);
    expect(isErrorCode('')).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });

  it('is false for Object.prototype names', () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) expect(isErrorCode(name)).toBe(false);
  });
});

describe('AppError', () => {
  it('carries code, status from the catalogue, details, and the en message by default', () => {
    const e = new AppError('CODE_TOO_SOON', { retryAfterSec: 30 });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('AppError');
    expect(e.code).toBe('CODE_TOO_SOON');
    expect(e.status).toBe(429);
    expect(e.details).toEqual({ retryAfterSec: 30 });
    expect(e.message).toBe(ERRORS.CODE_TOO_SOON.en);
  });

  it('takes an explicit message', () => {
    expect(new AppError('INTERNAL', undefined, 'boom').message).toBe('boom');
    expect(new AppError('INTERNAL').status).toBe(500);
  });
});

describe('fillPlaceholders and messageOf', () => {
  it('fills each {placeholder} from the details, leaves one without a detail as it is', () => {
    expect(fillPlaceholders('at most {limit} of {limit}, {other}', { limit: 3 })).toBe('at most 3 of 3, {other}');
    expect(fillPlaceholders('no {limit}')).toBe('no {limit}');
    expect(fillPlaceholders('{toString}', {})).toBe('{toString}');
  });

  it('gives the catalogue text in either language', () => {
    expect(messageOf('REAL_NAME_SUBJECT_LIMIT', 'zh', { limit: 2 })).toBe('认证失败:身份主体最多认证 2 个账户');
    expect(messageOf('REAL_NAME_SUBJECT_LIMIT', 'en', { limit: 2 })).toBe('This ID number has verified the maximum number of accounts (2)');
    expect(messageOf('CODE_WRONG', 'en')).toBe('Wrong code');
  });

  it("passes a provider's code and message on whole, or falls back to the bare text when the details lack one", () => {
    const uni = { errCode: 55001, errMsg: '实人认证服务商服务不可用,请联系DCloud处理' };
    expect(messageOf('FACE_PROVIDER_ERROR', 'zh', uni)).toBe('Api调用失败【55001】:实人认证服务商服务不可用,请联系DCloud处理');
    expect(messageOf('FACE_PROVIDER_ERROR', 'en', uni)).toBe('The face verification function answered 55001: 实人认证服务商服务不可用,请联系DCloud处理');
    expect(messageOf('FACE_PROVIDER_ERROR', 'zh', { picture: 'HTTP 404' })).toBe('Api调用失败:人脸识别服务异常');
    expect(messageOf('FACE_PROVIDER_ERROR', 'zh', { errCode: -3 })).toBe('Api调用失败:人脸识别服务异常');
    expect(messageOf('FACE_RESULT_PENDING', 'zh', { authState: 'PROCESSING' })).toBe('Api调用失败:该certifyId用户未完成认证或认证进行中');
    expect(failure('FACE_PROVIDER_ERROR').message).toBe('The face verification function answered with an error');
  });
});

describe('failure', () => {
  it('is an ApplicationFailure typed by the code, not retried, with its details and the filled en text', () => {
    const f = failure('NEW_CONTACT_LIMIT', { limit: 3 });
    expect(f).toBeInstanceOf(ApplicationFailure);
    expect(f.type).toBe('NEW_CONTACT_LIMIT');
    expect(f.nonRetryable).toBe(true);
    expect(f.details).toEqual([{ limit: 3 }]);
    expect(f.message).toBe('This proof was used for 3 different new contacts already; start a new rebind');
  });

  it('is retried when asked, and carries no details when given none', () => {
    const f = failure('SERVICE_UNAVAILABLE', undefined, { retryable: true });
    expect(f.nonRetryable).toBe(false);
    expect(f.details).toEqual([]);
  });
});

describe('errorOf', () => {
  const activity = (cause?: Error) => new ActivityFailure('Activity task failed', 'sendCode', '1', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'worker', cause);
  const child = (cause?: Error) => new ChildWorkflowFailure('default', { workflowId: 'w', runId: 'r' }, 'faceCheck', RetryState.NON_RETRYABLE_FAILURE, cause);

  it('keeps the code and details of a failure, its own or an activity’s or a child’s, with the zh text', () => {
    const expected = { code: 'REAL_NAME_SUBJECT_LIMIT', message: '认证失败:身份主体最多认证 3 个账户', details: { limit: 3 } };
    expect(errorOf(failure('REAL_NAME_SUBJECT_LIMIT', { limit: 3 }))).toEqual(expected);
    expect(errorOf(activity(failure('REAL_NAME_SUBJECT_LIMIT', { limit: 3 }, { retryable: true })))).toEqual(expected);
    expect(errorOf(child(failure('REAL_NAME_SUBJECT_LIMIT', { limit: 3 })))).toEqual(expected);
    expect(errorOf(activity(failure('ID_MISMATCH')))).toEqual({ code: 'ID_MISMATCH', message: ERRORS.ID_MISMATCH.zh });
  });

  it('makes any other activity or child failure our outage', () => {
    const outage = { code: 'SERVICE_UNAVAILABLE', message: ERRORS.SERVICE_UNAVAILABLE.zh };
    expect(errorOf(activity(ApplicationFailure.create({ type: 'Error', message: 'boom' })))).toEqual(outage);
    expect(errorOf(activity())).toEqual(outage);
    expect(errorOf(child(new TerminatedFailure('terminated')))).toEqual(outage);
  });

  it('rethrows anything else', () => {
    const bug = new TypeError('x is undefined');
    expect(() => errorOf(bug)).toThrow(bug);
    const foreign = ApplicationFailure.create({ type: 'NOT_OURS', message: 'm' });
    expect(() => errorOf(foreign)).toThrow(foreign);
  });

  it('failureOf gives the failure a handler rethrows: same code and details, not retried', () => {
    const f = failureOf(activity(failure('SMS_SEND_FAILED', { providerCode: 'LimitExceeded' }, { retryable: true })));
    expect([f.type, f.nonRetryable, f.details]).toEqual(['SMS_SEND_FAILED', true, [{ providerCode: 'LimitExceeded' }]]);
  });
});

describe('flowError', () => {
  it('is the zh text, details only when given', () => {
    expect(flowError('FACE_FAILED')).toEqual({ code: 'FACE_FAILED', message: '刷脸失败:人证信息比对不一致' });
    expect(flowError('FACE_FAILED', { faceRecordId: 'f1' })).toEqual({ code: 'FACE_FAILED', message: ERRORS.FACE_FAILED.zh, details: { faceRecordId: 'f1' } });
  });
});

describe('localized (flow states and results in the caller’s language)', () => {
  const result = { outcome: 'rejected', message: '认证失败:身份主体最多认证 1 个账户', error: flowError('REAL_NAME_SUBJECT_LIMIT', { limit: 1 }) };

  it('renders every error again from code and details, and a message beside it', () => {
    expect(localized({ result }, 'en')).toEqual({
      result: { outcome: 'rejected', message: 'This ID number has verified the maximum number of accounts (1)', error: { code: 'REAL_NAME_SUBJECT_LIMIT', message: 'This ID number has verified the maximum number of accounts (1)', details: { limit: 1 } } },
    });
    expect(localized({ result }, 'zh')).toEqual({ result });
  });

  it('turns an English message a run recorded earlier into zh', () => {
    const state = { stage: 'rejected', error: { code: 'PHONE_TAKEN', message: ERRORS.PHONE_TAKEN.en } };
    expect(localized(state, 'zh')).toEqual({ stage: 'rejected', error: { code: 'PHONE_TAKEN', message: ERRORS.PHONE_TAKEN.zh } });
  });

  it('reaches errors in arrays, and leaves the rest alone', () => {
    const state = { completions: [{ completionId: 'c1', accepted: false, error: flowError('FACE_DEVICE_MISMATCH') }, { completionId: 'c2', accepted: true, error: null }], message: 'verified', error: null };
    const en = localized(state, 'en');
    expect(en.completions[0]!.error).toEqual({ code: 'FACE_DEVICE_MISMATCH', message: ERRORS.FACE_DEVICE_MISMATCH.en });
    expect(en.completions[1]).toEqual(state.completions[1]);
    expect(en.message).toBe('verified');
    expect(localized({ error: { code: 'NOT_OURS', message: 'm' } }, 'en')).toEqual({ error: { code: 'NOT_OURS', message: 'm' } });
  });
});

// Every code the source uses is catalogued. The compiler checks what is typed ErrorCode;
// this also catches a code written where nothing types it (an ApplicationFailure's type, a
// cast, a webhook activity's failure).
describe('every error code the source uses', () => {
  const ROOT = path.join(__dirname, '..', '..');
  const DIRS = ['api', 'db', 'flows', 'http', 'lib', 'worker'];
  const files = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
      const p = path.join(dir, e.name);
      return e.isDirectory() ? files(p) : e.name.endsWith('.ts') ? [p] : [];
    });
  /** The code argument of each call of `callee` in `src` (brackets matched): the first, or
   *  for ApplicationFailure.retryable / nonRetryable (message, type) the second. */
  const codeArgsOf = (src: string, callee: RegExp): string[] => {
    const out: string[] = [];
    for (const m of src.matchAll(callee)) {
      const args: string[] = [];
      let depth = 1;
      let i = m.index! + m[0].length;
      let start = i;
      for (; i < src.length && depth > 0; i++) {
        const c = src[i]!;
        if ('([{'.includes(c)) depth += 1;
        else if (')]}'.includes(c)) depth -= 1;
        if ((depth === 1 && c === ',') || depth === 0) {
          args.push(src.slice(start, i));
          start = i + 1;
        }
      }
      out.push((/\.(?:retryable|nonRetryable)\($/.test(m[0]) ? args[1] : args[0]) ?? '');
    }
    return out;
  };
  const CODE = /'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})'/g;
  // where a code is written: the failure path's calls, AppError, error bodies, casts to ErrorCode, code/type fields
  const CALLS = /\b(?:failure|flowError|messageOf|errorBody|AppError|ApplicationFailure\.\w+)\(/g;
  const used = new Map<string, string>();
  for (const file of DIRS.flatMap((d) => files(path.join(ROOT, d)))) {
    const src = fs.readFileSync(file, 'utf8');
    // only files on the catalogue's side: providers/ have failure() helpers and codes of their own
    if (!/lib\/errors'|from '\.\/errors'|@temporalio\/(?:activity|common|workflow)'/.test(src)) continue;
    const texts = [
      ...codeArgsOf(src, CALLS),
      ...[...src.matchAll(/('[A-Z_]+')\s+as\s+(?:ErrorCode|never)\b/g)].map((m) => m[1]!),
      ...[...src.matchAll(/\b(?:Set|Record)<ErrorCode[^>]*>\(?\[([^\]]*)\]/g)].map((m) => m[1]!),
      ...[...src.matchAll(/\b(?:code|type):\s*('[A-Z][A-Z0-9_]+')/g)].map((m) => m[1]!),
    ];
    for (const t of texts) for (const m of t.matchAll(CODE)) if (!used.has(m[1]!)) used.set(m[1]!, path.relative(ROOT, file));
  }

  it('finds the codes (the scan is not empty)', () => {
    for (const code of ['FLOW_CLOSED', 'PHONE_TAKEN', 'FACE_PROVIDER_ERROR', 'WEBHOOK_ATTEMPT_FAILED', 'WEBHOOK_RETRY_WINDOW_OVER', 'EXPECTATION_FAILED', 'SERVICE_UNAVAILABLE']) {
      expect(used.has(code)).toBe(true);
    }
  });

  it('are all in the catalogue', () => {
    expect([...used].filter(([code]) => !isErrorCode(code)).map(([code, file]) => `${code} (${file})`)).toEqual([]);
  });
});
