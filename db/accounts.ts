// Reading and writing accounts. Contacts are sealed per column and account (the AAD),
// looked up by blind index; callers only ever see plaintext through decrypt here.
import type { Pool, PoolClient } from 'pg';
import type { FieldCrypto } from '../lib/field-crypto';
import { CONTACT, type ContactKind } from '../lib/contact-kinds';
import { maskEmail, maskPhone } from '../lib/contacts';
import { AppError } from '../lib/errors';

export interface AccountRow {
  id: string;
  phone_enc: string | null;
  phone_idx: Buffer | null;
  email_enc: string | null;
  email_idx: Buffer | null;
  contact_version: number;
  real_name_status: 'none' | 'verified';
  real_name_verified_at: Date | null;
  face_free_used: number;
  face_number: number;
  /** the state the face scenes act on (db/account-security.ts) */
  security_flags: string[];
  frozen_at: Date | null;
  cancellation_requested_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface AccountView {
  id: string;
  phone: string | null;
  email: string | null;
  realNameStatus: 'none' | 'verified';
  realNameVerifiedAt: string | null;
  faceQuota: { freeUsed: number; purchased: number };
  createdAt: string;
  updatedAt: string;
}

export const contactAad = (kind: ContactKind, accountId: string) => `accounts.${kind}:${accountId}`;

export function contactIndex(crypto: FieldCrypto, kind: ContactKind, normalized: string): Buffer {
  return crypto.blindIndex(kind, normalized);
}

/** The blind index of the account's bound contact of this kind, or null (none bound). */
export function boundIndex(row: AccountRow, kind: ContactKind): Buffer | null {
  return row[CONTACT[kind].columns.idx];
}

export async function insertAccount(pool: Pool, id: string): Promise<{ created: boolean; row: AccountRow }> {
  const ins = await pool.query<AccountRow>('INSERT INTO accounts (id) VALUES ($1) ON CONFLICT (id) DO NOTHING RETURNING *', [id]);
  if (ins.rows[0]) return { created: true, row: ins.rows[0] };
  const row = await findAccount(pool, id);
  if (!row) throw new AppError('ACCOUNT_NOT_FOUND');
  return { created: false, row };
}

export async function findAccount(db: Pool | PoolClient, id: string, forUpdate = false): Promise<AccountRow | null> {
  const { rows } = await db.query<AccountRow>(`SELECT * FROM accounts WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ?? null;
}

export async function accountIdByContact(db: Pool | PoolClient, kind: ContactKind, idx: Buffer): Promise<string | null> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM accounts WHERE ${CONTACT[kind].columns.idx} = $1`, [idx]);
  return rows[0]?.id ?? null;
}

/** Sets a contact (sealed, with its blind index) and counts the change: the new contact version. */
export async function setContact(db: Pool | PoolClient, crypto: FieldCrypto, accountId: string, kind: ContactKind, normalized: string): Promise<number> {
  const { rows } = await db.query<{ contact_version: number }>(
    `UPDATE accounts SET ${kind}_enc = $2, ${kind}_idx = $3, contact_version = contact_version + 1, updated_at = now()
     WHERE id = $1 RETURNING contact_version`,
    [accountId, crypto.encrypt(normalized, contactAad(kind, accountId)), contactIndex(crypto, kind, normalized)],
  );
  return rows[0]!.contact_version;
}

export function decryptContact(crypto: FieldCrypto, row: Pick<AccountRow, 'id' | 'phone_enc' | 'email_enc'>, kind: ContactKind): string | null {
  const sealed = row[CONTACT[kind].columns.enc];
  return sealed ? crypto.decrypt(sealed, contactAad(kind, row.id)) : null;
}

/** Masked unless the caller may read personal data whole (operators). */
export function viewAccount(crypto: FieldCrypto, row: AccountRow, whole: boolean): AccountView {
  const phone = decryptContact(crypto, row, 'phone');
  const email = decryptContact(crypto, row, 'email');
  return {
    id: row.id,
    phone: phone && (whole ? phone : maskPhone(phone)),
    email: email && (whole ? email : maskEmail(email)),
    realNameStatus: row.real_name_status,
    realNameVerifiedAt: row.real_name_verified_at?.toISOString() ?? null,
    faceQuota: { freeUsed: row.face_free_used, purchased: row.face_number },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
