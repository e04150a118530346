// ID number and name validation and masking (lib/idcard.ts). Check characters are computed
// here from the standard's definition (weights 2^(18-i) mod 11, check = (12 - sum mod 11)
// mod 11, 10 → X), independently of the library's weight table.
import { idCheckChar, maskIdNumber, maskName, validateChineseName, validateIdNumber } from '../../lib/idcard';

function checkChar(first17: string): string {
  let sum = 0;
  for (let i = 1; i <= 17; i++) sum += Number(first17[i - 1]) * (2 ** (18 - i) % 11);
  const c = (12 - (sum % 11)) % 11;
  return c === 10 ? 'X' : String(c);
}

/** A number with a correct check character: region (6) + birth YYYYMMDD + sequence (3). */
function idNumber(region: string, birth: string, seq: string): string {
  const first17 = `${region}${birth}${seq}`;
  expect(first17).toMatch(/^\d{17}$/);
  return first17 + checkChar(first17);
}

/** The same number with a wrong check character. */
function withWrongCheck(id: string): string {
  const right = id[17];
  const wrong = right === '0' ? '1' : '0';
  return id.slice(0, 17) + wrong;
}

const NOW = Date.parse('2024-06-01T16:30:00Z'); // already 2024-06-02 in China

describe('validateIdNumber', () => {
  it('agrees with a published sample number (GB 11643 example 11010519491231002X)', () => {
    expect(checkChar('11010519491231002')).toBe('X');
    expect(idCheckChar('11010519491231002')).toBe('X');
    expect(validateIdNumber('11010519491231002X')).toEqual({ ok: true, normalized: '11010519491231002X', birthDate: '1949-12-31', sex: 'F' });
  });

  it.each([
    ['110101', '19900101', '001'],
    ['310104', '19851215', '123'],
    ['440305', '20000229', '456'],
    ['650102', '19700707', '789'],
    ['820000', '20011111', '010'],
    ['532923', '19781103', '357'],
    ['429876', '19660909', '998'],
  ])('accepts %s %s %s with its computed check character', (region, birth, seq) => {
    const id = idNumber(region, birth, seq);
    const r = validateIdNumber(id, { now: NOW });
    expect(r).toEqual({
      ok: true,
      normalized: id,
      birthDate: `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}`,
      sex: Number(seq[2]) % 2 === 1 ? 'M' : 'F',
    });
  });

  it('library and test agree on every check character over many numbers', () => {
    // Deterministic pseudo-random digits, so every position's weight matters.
    let x = 12345;
    const digit = () => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return String(Math.floor((x / 2147483648) * 10));
    };
    const seen = new Set<string>();
    for (let n = 0; n < 3000; n++) {
      const first17 = Array.from({ length: 17 }, digit).join('');
      expect(idCheckChar(first17)).toBe(checkChar(first17));
      seen.add(checkChar(first17));
    }
    expect(seen.size).toBe(11); // all of 0–9 and X came up
  });

  it('finds some numbers whose check character is X and accepts a lowercase x', () => {
    let id: string | undefined;
    for (let seq = 0; seq < 1000 && !id; seq++) {
      const candidate = idNumber('110101', '19900101', String(seq).padStart(3, '0'));
      if (candidate.endsWith('X')) id = candidate;
    }
    expect(id).toBeDefined();
    const lower = id!.slice(0, 17) + 'x';
    expect(validateIdNumber(lower)).toMatchObject({ ok: true, normalized: id });
    expect(validateIdNumber(`  ${id!}\n`)).toMatchObject({ ok: true, normalized: id });
  });

  it('derives sex from the 17th digit', () => {
    for (const d of '0123456789') {
      const r = validateIdNumber(idNumber('110101', '19900101', `00${d}`));
      expect(r).toMatchObject({ ok: true, sex: Number(d) % 2 ? 'M' : 'F' });
    }
  });

  it.each([
    [''],
    ['11010119900101001'], // 17
    ['1101011990010100151'], // 19
    ['110101199001010'], // the old 15-digit form
    ['11010119900101X015'],
    ['A10101199001010015'],
    ['１１０１０１１９９００１０１００１５'], // full-width digits
    ['110101 19900101 0015'],
  ])('format: %j', (s) => {
    expect(validateIdNumber(s)).toEqual({ ok: false, reason: 'format' });
  });

  it('checksum: every wrong check character is refused', () => {
    const id = idNumber('110101', '19900101', '001');
    for (const c of '0123456789X') {
      const candidate = id.slice(0, 17) + c;
      expect(validateIdNumber(candidate).ok).toBe(candidate === id);
      if (candidate !== id) expect(validateIdNumber(candidate)).toEqual({ ok: false, reason: 'checksum' });
    }
    expect(validateIdNumber(withWrongCheck(id))).toEqual({ ok: false, reason: 'checksum' });
  });

  it.each([
    ['19900230', 'February 30'],
    ['19900431', 'April 31'],
    ['19901301', 'month 13'],
    ['19900001', 'month 0'],
    ['19900100', 'day 0'],
    ['19000229', '1900 is not a leap year'],
    ['19010229', 'not a leap year'],
    ['19000101', 'not after 1900-01-01'],
    ['18991231', 'before 1900'],
    ['20240603', 'tomorrow in China'],
    ['20990101', 'far future'],
  ])('birth_date: %s (%s)', (birth) => {
    expect(validateIdNumber(idNumber('110101', birth, '001'), { now: NOW })).toEqual({ ok: false, reason: 'birth_date' });
  });

  it.each([['19000102'], ['20000229'], ['19960229'], ['20240602']])('birth date %s is real and not in the future', (birth) => {
    expect(validateIdNumber(idNumber('110101', birth, '001'), { now: NOW })).toMatchObject({ ok: true });
  });

  it('uses the current time by default', () => {
    const future = new Date(Date.now() + 3 * 86400 * 1000).toISOString().slice(0, 10).replace(/-/g, '');
    expect(validateIdNumber(idNumber('110101', future, '001'))).toEqual({ ok: false, reason: 'birth_date' });
    expect(validateIdNumber(idNumber('110101', '20000101', '001')).ok).toBe(true);
  });

  const VALID_PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 91];

  it('region: exactly the listed province codes are accepted', () => {
    for (let p = 0; p <= 99; p++) {
      const region = `${String(p).padStart(2, '0')}0101`;
      const r = validateIdNumber(idNumber(region, '19900101', '001'));
      if (VALID_PROVINCES.includes(p)) expect(r).toMatchObject({ ok: true });
      else expect(r).toEqual({ ok: false, reason: 'region' });
    }
  });
});

describe('validateChineseName', () => {
  it.each([
    ['张', '张'],
    ['张三', '张三'],
    ['欧阳娜娜', '欧阳娜娜'],
    ['一二三四五六七八', '一二三四五六七八'],
    ['  李四 ', '李四'],
    ['买买提·艾力', '买买提·艾力'],
    ['买买提•艾力', '买买提·艾力'],
    ['买买提・艾力', '买买提·艾力'],
    ['阿依古丽·买买提', '阿依古丽·买买提'],
    ['阿不·热合曼·买买提', '阿不·热合曼·买买提'],
    ['\u3400\u4e00', '\u3400\u4e00'], // Extension A counts as Han
    ['龥鿿', '龥鿿'], // the end of the basic block, beyond the seed's \u9fa5
  ])('accepts %j', (input, normalized) => {
    expect(validateChineseName(input)).toEqual({ ok: true, normalized });
  });

  it('counts code points, not UTF-16 units, and not the dots', () => {
    expect(validateChineseName('\u3400'.repeat(8)).ok).toBe(true);
    expect(validateChineseName('\u3400'.repeat(9))).toEqual({ ok: false, reason: 'length' });
    expect(validateChineseName('阿不·热合曼·买买提').ok).toBe(true); // 8 Han + 2 dots
    expect(validateChineseName('阿不·热合曼·买买提江')).toEqual({ ok: false, reason: 'length' });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['一二三四五六七八九', 'length'],
    ['Zhang San', 'charset'],
    ['张3', 'charset'],
    ['张 三', 'charset'],
    ['张三😀', 'charset'],
    ['𠮷野', 'charset'], // Extension B is outside the accepted blocks
    ['张三.', 'charset'],
    ['·艾力', 'dot'],
    ['艾力·', 'dot'],
    ['买买提··艾力', 'dot'],
    ['买买提•・艾力', 'dot'],
    ['·', 'dot'],
  ])('refuses %j (%s)', (input, reason) => {
    expect(validateChineseName(input)).toEqual({ ok: false, reason });
  });
});

describe('masking', () => {
  it.each([
    ['张三', '张*'],
    ['张三丰', '张**'],
    ['欧阳娜娜', '欧***'],
    ['张', '张'],
    ['买买提·艾力', '买*****'],
    ['\u3400\u4e00', '\u3400*'],
    ['', ''],
  ])('maskName(%j) → %j', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });

  it('maskIdNumber keeps the first and last four of 18 with ten stars (1234**********5678)', () => {
    const id = idNumber('110101', '19900101', '001');
    const masked = maskIdNumber(id);
    expect(masked).toBe(`${id.slice(0, 4)}**********${id.slice(14)}`);
    expect(masked).toHaveLength(18);
    expect(masked.match(/\*/g)).toHaveLength(10);
    expect(maskIdNumber('11010519491231002X')).toBe('1101**********002X');
    expect(maskIdNumber('123456789012345')).toBe('1234*******2345');
    expect(maskIdNumber('12345678')).toBe('********');
    expect(maskIdNumber('')).toBe('');
  });
});
