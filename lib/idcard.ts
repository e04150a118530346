// Mainland resident ID numbers (GB 11643-1999) and Chinese real names: validation and the
// masked forms shown to users. Pure functions with no node built-ins, so workflow code may
// import this module as well as activities, the API and the sandboxes.
//
// Masking follows the seed (xc_maskStringInRange): a name keeps its first character and
// stars every other one (张三 → 张*, 张三丰 → 张**); an ID keeps its first and last four
// characters (1234**********5678). The seed's prose says "all but the last four", but its
// own example and our rules (docs/rules.md#personal-data) keep the first four as well; we follow the example.

export type IdNumberCheck =
  | { ok: true; normalized: string; birthDate: string; sex: 'M' | 'F' }
  | { ok: false; reason: 'format' | 'checksum' | 'birth_date' | 'region' };

export type NameCheck =
  | { ok: true; normalized: string }
  | { ok: false; reason: 'empty' | 'length' | 'charset' | 'dot' };

/** Province-level codes (first two digits) in use, incl. 71 Taiwan, 81 Hong Kong, 82 Macao, 91 abroad. */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
  50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 91,
]);

/** ISO 7064 MOD 11-2 weights for positions 1–17: 2^(18-i) mod 11. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

const MIN_BIRTH_DATE = '1900-01-01';
const CHINA_UTC_OFFSET_MS = 8 * 3600 * 1000;

/**
 * The check character (0–9 or X) for the first 17 digits of an ID number, or undefined
 * when the input is not 17 digits.
 */
export function idCheckChar(first17: string): string | undefined {
  if (!/^\d{17}$/.test(first17)) return undefined;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (WEIGHTS[i] as number);
  return CHECK_CHARS[sum % 11];
}

/**
 * An 18-character resident ID number: 17 digits and a digit or X, a correct MOD 11-2 check
 * character, a real calendar birth date after 1900-01-01 and not after today (China time),
 * and a province code in use. Surrounding whitespace is ignored; a lowercase x is accepted
 * and normalized to X.
 *
 * `opts.now` (ms since epoch) sets "today"; it defaults to Date.now(), which Temporal makes
 * deterministic inside workflows.
 */
export function validateIdNumber(input: string, opts: { now?: number } = {}): IdNumberCheck {
  if (typeof input !== 'string') return { ok: false, reason: 'format' };
  const s = input.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(s)) return { ok: false, reason: 'format' };
  if (idCheckChar(s.slice(0, 17)) !== s[17]) return { ok: false, reason: 'checksum' };

  const y = Number(s.slice(6, 10));
  const m = Number(s.slice(10, 12));
  const d = Number(s.slice(12, 14));
  const birthDate = `${s.slice(6, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}`;
  const today = new Date((opts.now ?? Date.now()) + CHINA_UTC_OFFSET_MS).toISOString().slice(0, 10);
  if (!isCalendarDate(y, m, d) || birthDate <= MIN_BIRTH_DATE || birthDate > today) {
    return { ok: false, reason: 'birth_date' };
  }
  if (!PROVINCES.has(Number(s.slice(0, 2)))) return { ok: false, reason: 'region' };

  // The 17th digit is the sequence code's last: odd for men, even for women.
  const sex = Number(s[16]) % 2 === 1 ? 'M' : 'F';
  return { ok: true, normalized: s, birthDate, sex };
}

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;
  return d <= days;
}

/** CJK Unified Ideographs (U+4E00–U+9FFF) and Extension A (U+3400–U+4DBF). */
function isHan(cp: number): boolean {
  return (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf);
}

const MIDDLE_DOT = '\u00b7';
/** Look-alikes people type for the middle dot of minority names: • (U+2022), ・ (U+30FB). */
const DOT_VARIANTS = /[\u2022\u30fb]/g;
const MAX_HAN = 8;

/**
 * A real name as the ID authority stores it: 1–8 Han characters (code points, so
 * Extension A counts as one each), optionally split by the middle dot of minority names
 * (买买提·艾力). The dot may not start or end the name or appear twice in a row; • and ・
 * are accepted and normalized to ·. Surrounding whitespace is ignored. The seed's own rule
 * is /^[\u4e00-\u9fa5]{1,8}$/; this widens it to the whole Han blocks and the dot.
 */
export function validateChineseName(input: string): NameCheck {
  if (typeof input !== 'string') return { ok: false, reason: 'charset' };
  const s = input.trim().replace(DOT_VARIANTS, MIDDLE_DOT);
  if (s === '') return { ok: false, reason: 'empty' };
  let han = 0;
  for (const ch of s) {
    if (ch === MIDDLE_DOT) continue;
    if (!isHan(ch.codePointAt(0) as number)) return { ok: false, reason: 'charset' };
    han++;
  }
  if (s.startsWith(MIDDLE_DOT) || s.endsWith(MIDDLE_DOT) || s.includes(MIDDLE_DOT + MIDDLE_DOT)) {
    return { ok: false, reason: 'dot' };
  }
  if (han < 1 || han > MAX_HAN) return { ok: false, reason: 'length' };
  return { ok: true, normalized: s };
}

/** 张三 → 张*, 欧阳娜娜 → 欧***: the first character, then one * per remaining character. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return '';
  return chars[0] + '*'.repeat(chars.length - 1);
}

/**
 * 110101199001010011 → 1101**********0011: first and last four kept. Anything of eight
 * characters or fewer is starred completely, as four + four would reveal all of it.
 */
export function maskIdNumber(id: string): string {
  const s = id.trim();
  if (s.length <= 8) return '*'.repeat(s.length);
  return s.slice(0, 4) + '*'.repeat(s.length - 8) + s.slice(-4);
}
