// lib/contacts.ts: phone/email normalization and masking. Pure functions, no stack.
import { maskEmail, maskPhone, normalizeEmail, normalizePhone } from '../../lib/contacts';

describe('normalizePhone', () => {
  it.each(['13', '14', '15', '16', '17', '18', '19'])('accepts an 11-digit mainland mobile starting %s', (prefix) => {
    const n = `${prefix}012345678`;
    expect(n).toHaveLength(11);
    expect(normalizePhone(n)).toBe(n);
  });

  it.each([
    ['+8613800138000', '13800138000'],
    ['008613800138000', '13800138000'],
    ['8613800138000', '13800138000'],
    ['+86 138 0013 8000', '13800138000'],
    ['86 138-0013-8000', '13800138000'],
    ['0086-138-0013-8000', '13800138000'],
    ['138 0013 8000', '13800138000'],
    ['138-0013-8000', '13800138000'],
    ['  13800138000  ', '13800138000'],
    ['\t139\u00a01234\u30005678\n', '13912345678'],
  ])('normalizes %j to %s', (input, expected) => {
    expect(normalizePhone(input)).toBe(expected);
  });

  it.each([
    ['12x prefix', '12345678901'],
    ['11x prefix', '11012345678'],
    ['10x prefix', '10012345678'],
    ['10 digits', '1380013800'],
    ['12 digits', '138001380001'],
    ['letters', '1380013800a'],
    ['letters only', 'phonenumber'],
    ['landline with area code', '010-12345678'],
    ['landline 0755', '0755-12345678'],
    ['landline with +86', '+86 10 1234 5678'],
    ['empty', ''],
    ['spaces only', '   '],
    ['dashes only', '---'],
    ['+86 only', '+86'],
    ['other country code', '+1 415 555 0100'],
    ['+86 followed by 12x', '+8612345678901'],
    ['+86 followed by 10 digits', '+861380013800'],
    ['86 prefix + 12 digits', '86138001380001'],
    ['parentheses', '(138)00138000'],
    ['dots', '138.0013.8000'],
    ['full-width digits', '１３８００１３８０００'],
    ['double country code', '+86+8613800138000'],
  ])('rejects %s (%j)', (_label, input) => {
    expect(normalizePhone(input)).toBeNull();
  });

  it('only strips a bare 86 when the rest is exactly 11 digits (8613... of other length stays invalid)', () => {
    // 86 + 10 digits = 12 chars: not stripped, not a mobile number
    expect(normalizePhone('861380013800')).toBeNull();
  });
});

describe('normalizeEmail', () => {
  it('lowercases and trims', () => {
    expect(normalizeEmail('  Example.User@Test.COM \n')).toBe('example.user@test.com');
  });

  it.each([
    'a@b.cn',
    'user.name+tag@example.com',
    'user_name@sub.example.co.uk',
    'x-y%z@mail-server.example.org',
    '123456@qq.com',
  ])('accepts %s', (input) => {
    expect(normalizeEmail(input)).toBe(input.toLowerCase());
  });

  it.each([
    ['no @', 'example.test.com'],
    ['two @', 'a@b@test.com'],
    ['double dot in local', 'a..b@test.com'],
    ['double dot in domain', 'a@test..com'],
    ['missing TLD', 'user@localhost'],
    ['one-letter TLD', 'user@test.c'],
    ['numeric TLD', 'user@test.123'],
    ['trailing dot domain', 'user@test.com.'],
    ['leading dot local', '.user@test.com'],
    ['trailing dot local', 'user.@test.com'],
    ['space inside local', 'us er@test.com'],
    ['space inside domain', 'user@te st.com'],
    ['space around @', 'user @test.com'],
    ['empty', ''],
    ['blank', '   '],
    ['empty local', '@test.com'],
    ['empty domain', 'user@'],
    ['domain label starting with -', 'user@-test.com'],
    ['domain label ending with -', 'user@test-.com'],
    ['quoted local', '"user"@test.com'],
    ['non-ASCII local', '用户@test.com'],
  ])('rejects %s (%j)', (_label, input) => {
    expect(normalizeEmail(input)).toBeNull();
  });

  it('rejects an address longer than 254 characters, even if every part is well-formed', () => {
    const label = 'a'.repeat(60);
    const domain = `${label}.${label}.${label}.${label}.com`; // 60*4 + 4 dots + 3 = 247
    const ok = `abcdef@${domain}`; // 6 + 1 + 247 = 254
    expect(ok).toHaveLength(254);
    expect(normalizeEmail(ok)).toBe(ok);
    const tooLong = `abcdefg@${domain}`; // 255
    expect(tooLong).toHaveLength(255);
    expect(normalizeEmail(tooLong)).toBeNull();
  });

  it('rejects a local part longer than 64 characters', () => {
    expect(normalizeEmail(`${'a'.repeat(64)}@test.com`)).toBe(`${'a'.repeat(64)}@test.com`);
    expect(normalizeEmail(`${'a'.repeat(65)}@test.com`)).toBeNull();
  });

  it('counts the length after trimming (surrounding whitespace does not make a valid address too long)', () => {
    const label = 'a'.repeat(60);
    const addr = `abcdef@${label}.${label}.${label}.${label}.com`;
    expect(normalizeEmail(`   ${addr}   `)).toBe(addr);
  });

  it('returns quickly on a pathological input (no catastrophic backtracking)', () => {
    const evil = `a@${'a-'.repeat(120)}`;
    const t0 = Date.now();
    expect(normalizeEmail(evil)).toBeNull();
    expect(normalizeEmail(`${'a'.repeat(200)}@${'a.'.repeat(25)}`)).toBeNull();
    expect(Date.now() - t0).toBeLessThan(500);
  });
});

describe('maskPhone', () => {
  it('keeps the first 3 and last 4 digits', () => {
    expect(maskPhone('13800138000')).toBe('138****8000');
    expect(maskPhone('19912345678')).toBe('199****5678');
  });

  it('never shows the middle four digits', () => {
    const masked = maskPhone('13912345678');
    expect(masked).not.toContain('1234');
    expect(masked.replace(/\*/g, '')).toBe('1395678');
  });

  it('masks short input completely', () => {
    expect(maskPhone('123456')).toBe('****');
    expect(maskPhone('')).toBe('****');
  });
});

describe('maskEmail', () => {
  it('keeps at most five characters of the local part and the whole domain', () => {
    expect(maskEmail('example@test.com')).toBe('examp*****@test.com');
    expect(maskEmail('averylongname@qq.com')).toBe('avery*****@qq.com');
  });

  it('hides part of every local part of three or more characters, all of a shorter one', () => {
    expect(maskEmail('abcdef@test.com')).toBe('abcd*****@test.com');
    expect(maskEmail('abcde@test.com')).toBe('abc*****@test.com');
    expect(maskEmail('abcd@test.com')).toBe('ab*****@test.com');
    expect(maskEmail('abc@test.com')).toBe('a*****@test.com');
    expect(maskEmail('ab@test.com')).toBe('*****@test.com');
    expect(maskEmail('a@test.com')).toBe('*****@test.com');
  });

  it('always uses five stars, so the mask does not leak the local part length', () => {
    for (const local of ['ab', 'abc', 'abcdefg', 'abcdefghijklmnop']) {
      expect(maskEmail(`${local}@x.cn`)).toMatch(/^[a-z]{0,5}\*{5}@x\.cn$/);
    }
  });

  it('uses the last @ to split', () => {
    expect(maskEmail('weird@local@test.com')).toBe('weird*****@test.com');
  });

  it('masks input without a usable @ completely', () => {
    expect(maskEmail('no-at-sign')).toBe('*****');
    expect(maskEmail('@test.com')).toBe('*****');
  });
});
