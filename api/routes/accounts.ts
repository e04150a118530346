import { Router } from 'express';
import type { Pool } from 'pg';
import { findAccount, insertAccount, viewAccount } from '../../db/accounts';
import { AppError } from '../../lib/errors';
import type { FieldCrypto } from '../../lib/field-crypto';
import { hasScope, requireScope } from '../../http/auth';
import { accountId, createAccountBody } from '../../http/schemas';
import { parse } from '../../http/validation';

export function accountRoutes(pool: Pool, crypto: FieldCrypto): Router {
  const r = Router();

  // Idempotent: creating an existing account answers 200 with it, a new one 201.
  r.post('/v1/accounts', requireScope('accounts:write'), async (req, res) => {
    const { id } = parse(createAccountBody, req.body);
    const { created, row } = await insertAccount(pool, id);
    res.status(created ? 201 : 200).json({ account: viewAccount(crypto, row, false) });
  });

  r.get('/v1/accounts/:id', requireScope('accounts:read'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const row = await findAccount(pool, id);
    if (!row) throw new AppError('ACCOUNT_NOT_FOUND');
    const whole = req.query.unmasked === 'true';
    if (whole && !hasScope(req.apiKey?.scopes, 'pii:read')) throw new AppError('FORBIDDEN', { scope: 'pii:read' });
    res.json({ account: viewAccount(crypto, row, whole) });
  });

  return r;
}
