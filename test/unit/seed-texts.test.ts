// The seed's own texts (issue 12): every catalogue entry the seed words is the seed's text
// verbatim, prefix included, and so are the success answers. Each row cites the product log
// (seeds/000_*.txt) by date and item. Where the seed words one check differently by step, the
// row holds the text of the step where the product raises the code (lib/errors.ts says why)
// and `also` the seed's other wordings, for the record. The seed's `<br>` is "\n".
import fs from 'node:fs';
import path from 'node:path';
import { ERRORS, isErrorCode, messageOf, type ErrorCode } from '../../lib/errors';
import { BOUND_MESSAGE } from '../../flows/bind/contract';
import { PROOF_ACCEPTED_MESSAGE, REBOUND_MESSAGE } from '../../flows/rebind/contract';
import { ID_CHECKED_MESSAGE, VERIFIED_MESSAGE } from '../../flows/real-name/contract';
import { SCENE_SUCCESS_MESSAGE } from '../../flows/face-scene/contract';
import { REBIND_NOTICE_MAIL } from '../../lib/templates';

interface Row {
  code: ErrorCode;
  seed: string;
  cite: string;
  also?: string[];
}

const SEED_ERRORS: Row[] = [
  { code: 'INVALID_INPUT', seed: '处理失败:传递的参数异常', cite: '4/18 #7, 4/21 #13', also: ['绑定失败:传递的参数异常 (4/20 #2)', '换绑失败:传递的参数异常 (4/19 #8)'] },
  { code: 'MISSING_PARAMETERS', seed: '绑定失败:核心参数缺失', cite: '4/20 #2' },
  { code: 'INVALID_PHONE', seed: '绑定失败:请输入正确的手机号\n注:目前仅支持国内手机号码段', cite: '4/18 #8, 4/20 #2' },
  { code: 'INVALID_EMAIL', seed: '绑定失败:请输入正确有效的邮箱账户', cite: '4/21 #13', also: ['绑定失败:请输入正确的邮箱账户 (4/22 #11)'] },
  { code: 'PHONE_ALREADY_BOUND', seed: '短信发送失败:账户已绑定手机号', cite: '4/18 #4', also: ['绑定失败:账户已绑定过手机号 (4/18 #8)'] },
  { code: 'EMAIL_ALREADY_BOUND', seed: '绑定失败:账户已绑定过邮箱账户', cite: '4/21 #13' },
  { code: 'PHONE_TAKEN', seed: '短信发送失败:手机号已绑定其他账户', cite: '4/18 #4', also: ['绑定失败:该手机号已绑定过账户 (4/20 #2)'] },
  { code: 'EMAIL_TAKEN', seed: '邮件发送失败:邮箱已绑定其他账户', cite: '4/21 #9', also: ['绑定失败:该邮箱已绑定过账户 (4/21 #13)'] },
  { code: 'REBIND_EMAIL_TAKEN', seed: '绑定失败:邮箱账户已绑定过账户', cite: '4/22 #11' },
  { code: 'PHONE_NOT_BOUND', seed: '换绑失败:账户未绑定过手机号', cite: '4/19 #8', also: ['邮件发送失败:账户未绑定手机号 (4/20 #14)', '账户未绑定手机号 (4/22 #4)'] },
  { code: 'EMAIL_NOT_BOUND', seed: '换绑失败:账户未绑定过手机号/邮箱', cite: '4/22 #7', also: ['账户未绑定邮箱账户 (4/22 #4)'] },
  { code: 'UNBIND_TOKEN_INVALID', seed: '绑定失败:解绑令牌无效', cite: '4/20 #2, 4/22 #11' },
  { code: 'REAL_NAME_LOGIN_REQUIRED', seed: '认证失败:请登录后再操作', cite: '4/25 #13' },
  { code: 'REAL_NAME_PHONE_REQUIRED', seed: '认证失败:请先绑定手机号', cite: '4/25 #13' },
  { code: 'REAL_NAME_ALREADY_VERIFIED', seed: '认证失败:当前账户已完成实名', cite: '4/25 #13' },
  { code: 'REAL_NAME_UNSAFE_ENVIRONMENT', seed: '认证失败:当前环境存在异常', cite: '4/25 #13' },
  { code: 'REAL_NAME_INVALID_NAME', seed: '输入错误:姓名必须为中文', cite: '4/25 #12' },
  { code: 'REAL_NAME_INVALID_ID', seed: '输入错误:身份证号码核验失败', cite: '4/25 #12' },
  { code: 'ID_MISMATCH', seed: '核验失败:身份证信息不匹配', cite: '4/24 #11' },
  { code: 'FACE_TOKEN_INVALID', seed: '处理失败:令牌无效或已过期', cite: '4/30 #14' },
  // the seed's 【…certifyId对比异常!'】 ends in a stray quote of the PHP source; it is left out
  { code: 'FACE_CERTIFY_MISMATCH', seed: '处理失败:certifyId对比异常!', cite: '4/30 #14' },
  { code: 'FACE_FAILED', seed: '刷脸失败:人证信息比对不一致', cite: '4/29 #11, 4/30 #14' },
];

// the seed's `' . $number . '` is the {limit} detail
const SEED_FILLED: { code: ErrorCode; details: Record<string, unknown>; seed: string; cite: string }[] = [
  { code: 'REAL_NAME_SUBJECT_LIMIT', details: { limit: 1 }, seed: '认证失败:身份主体最多认证 1 个账户', cite: '4/26 #1' },
  // 如实返回: the function's uni error, its code and message passed on
  { code: 'FACE_RESULT_PENDING', details: { errCode: 424, errMsg: '该certifyId用户未完成认证或认证进行中' }, seed: 'Api调用失败【424】:该certifyId用户未完成认证或认证进行中', cite: '4/29 #4' },
  { code: 'FACE_PROVIDER_ERROR', details: { errCode: 55001, errMsg: '实人认证服务商服务不可用,请联系DCloud处理' }, seed: 'Api调用失败【55001】:实人认证服务商服务不可用,请联系DCloud处理', cite: '4/27 #11, 4/29 #4' },
];

describe("the catalogue's zh is the seed's text", () => {
  it.each(SEED_ERRORS.map((r) => [r.code, r.cite, r] as const))('%s (%s)', (_code, _cite, row) => {
    expect(ERRORS[row.code].zh).toBe(row.seed);
  });

  it.each(SEED_FILLED.map((r) => [r.code, r.cite, r] as const))('%s filled (%s)', (_code, _cite, row) => {
    expect(messageOf(row.code, 'zh', row.details)).toBe(row.seed);
  });

  it('renders the seed\'s <br> as a line break and keeps no HTML in any text', () => {
    for (const [code, e] of Object.entries(ERRORS)) expect([code, /<[a-z/][^>]*>/i.test(e.zh)]).toEqual([code, false]);
    expect(ERRORS.INVALID_PHONE.zh.split('\n')).toEqual(['绑定失败:请输入正确的手机号', '注:目前仅支持国内手机号码段']);
  });

  it('the table holds one row per code', () => {
    const codes = [...SEED_ERRORS, ...SEED_FILLED].map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe("the success answers are the seed's", () => {
  it.each([
    ['bind phone', BOUND_MESSAGE.phone, '绑定手机号成功', '4/18 #8'],
    ['bind email', BOUND_MESSAGE.email, '邮件绑定成功', '4/21 #13'],
    ['rebind phone: proof accepted', PROOF_ACCEPTED_MESSAGE.phone, '效验成功,可以绑定新手机号', '4/19 #11'],
    ['rebind email: proof accepted', PROOF_ACCEPTED_MESSAGE.email, '效验成功,可以绑定新的邮箱账户', '4/22 #9'],
    ['rebind phone: done', REBOUND_MESSAGE.phone, '手机号换绑成功', '4/21 #3'],
    ['real-name: ID check matched', ID_CHECKED_MESSAGE, '身份证核验成功', '4/24 #11'],
    ['real-name verified', VERIFIED_MESSAGE, '刷脸成功:账户实名认证成功', '4/29 #13'],
    ['face scene passed', SCENE_SUCCESS_MESSAGE, '刷脸成功:数据对比成功!', '4/29 #11'],
  ])('%s: %s (%s)', (_what, actual, seed) => {
    expect(actual).toBe(seed);
  });
});

describe("the rebind notice mail is the seed's (4/20 #6)", () => {
  it('titles 【XX换绑提醒】', () => {
    expect(REBIND_NOTICE_MAIL.subject).toEqual({ phone: '手机号换绑提醒', email: '邮箱换绑提醒' });
  });

  it('its text, the operation and the new contact filled in', () => {
    expect(REBIND_NOTICE_MAIL.text('手机号换绑', '139****0000')).toMatch(
      /^尊敬的用户,您的账户已成功进行了手机号换绑操作,新关联的信息为: 139\*\*\*\*0000。为了您的账户安全,我们强烈建议您确认这是您本人的操作。如果这不是您本人的操作,那么您的账户可能已存在安全问题,请尽快与我们联系!谢谢,/,
    );
  });
});

describe('docs/api.md shows the catalogue\'s texts', () => {
  it('each row of its error catalogue has the zh and en of lib/errors.ts (a line break written \\n)', () => {
    const doc = fs.readFileSync(path.join(__dirname, '../../docs/api.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \| (.*?) \| (.*) \|$/gm)];
    expect(rows.length).toBeGreaterThan(50);
    for (const [, code, status, zh, en] of rows) {
      expect(isErrorCode(code)).toBe(true);
      const e = ERRORS[code as ErrorCode];
      expect({ code, status: Number(status), zh: zh!.replace(/\\n/g, '\n'), en }).toEqual({ code, status: e.status, zh: e.zh, en: e.en });
    }
  });
});
