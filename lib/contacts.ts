// Normalizing, validating and masking of phone numbers and email addresses.
// Pure functions: no I/O, safe to import anywhere (workflows included).

/** Mainland China mobile numbers: 11 digits starting 13–19 (the seed's "国内手机号码段"). */
const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

/** Accepts "13800138000", "+8613800138000", "86 138-0013-8000"; returns 11 digits or null. */
export function normalizePhone(input: string): string | null {
  let s = input.replace(/[\s-]/g, '');
  if (s.startsWith('+86')) s = s.slice(3);
  else if (s.startsWith('0086')) s = s.slice(4);
  else if (s.length === 13 && s.startsWith('86')) s = s.slice(2);
  return MAINLAND_MOBILE.test(s) ? s : null;
}

// Deliberately stricter than RFC 5322: what mail systems in practice deliver to.
const EMAIL = /^[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$/;

export function normalizeEmail(input: string): string | null {
  const s = input.trim().toLowerCase();
  if (s.length > 254 || !EMAIL.test(s) || s.includes('..')) return null;
  return s;
}

/** 13800138000 → 138****8000 */
export function maskPhone(phone: string): string {
  return phone.length >= 7 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}

/** example@test.com → examp*****@test.com (the seed's shape: keep at most 5, hide the rest). */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '*****';
  const local = email.slice(0, at);
  // a one- or two-letter local part would be shown whole, so it is hidden entirely
  const keep = local.length <= 2 ? 0 : Math.min(5, local.length - 2);
  return `${local.slice(0, keep)}*****${email.slice(at)}`;
}
