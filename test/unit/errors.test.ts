// api/errors.ts (languageOf, errorBody) and the lib/errors.ts catalogue.
import { errorBody, languageOf } from '../../http/errors';
import { AppError, ERRORS, isErrorCode, type ErrorCode } from '../../lib/errors';

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
      expect(errorBody(code, 'zh').error).toEqual({ code, message: ERRORS[code].zh });
      expect(errorBody(code, 'en').error).toEqual({ code, message: ERRORS[code].en });
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
    expect(Object.keys(e).sort()).toEqual(['en', 'status', 'zh']);
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
