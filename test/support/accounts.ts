// Accounts with contacts already bound, written the way applyBind writes them (sealed
// value + blind index), so rebind suites start from a bound account in one query.
import { contactAad, contactIndex } from '../../db/accounts';
import type { Stack } from './stack';
import { uniqueAccountId, uniqueEmail, uniquePhone } from './stack';

export interface Seeded {
  id: string;
  phone: string | null;
  email: string | null;
}

export async function seedAccount(stack: Stack, opts: { phone?: boolean | string; email?: boolean | string; sessions?: string[] } = {}): Promise<Seeded> {
  const id = uniqueAccountId('rb');
  const phone = opts.phone === false ? null : typeof opts.phone === 'string' ? opts.phone : uniquePhone();
  const email = opts.email === false || opts.email === undefined ? null : typeof opts.email === 'string' ? opts.email : uniqueEmail();
  const c = stack.deps.fieldCrypto;
  await stack.deps.pool.query(
    `INSERT INTO accounts (id, phone_enc, phone_idx, email_enc, email_idx, contact_version) VALUES ($1, $2, $3, $4, $5, 1)`,
    [
      id,
      phone && c.encrypt(phone, contactAad('phone', id)),
      phone && contactIndex(c, 'phone', phone),
      email && c.encrypt(email, contactAad('email', id)),
      email && contactIndex(c, 'email', email),
    ],
  );
  for (const s of opts.sessions ?? []) {
    await stack.deps.pool.query('INSERT INTO sessions (id, account_id) VALUES ($1, $2)', [`${id}-${s}`, id]);
  }
  return { id, phone, email };
}
