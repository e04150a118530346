// The account's sessions as the platform reports them; contact changes end all but
// the session that made the change.
import { Router } from 'express';
import type { Pool } from 'pg';
import { findAccount } from '../../db/accounts';
import { endSession, listSessions, registerSession, viewSession } from '../../db/sessions';
import { AppError } from '../../lib/errors';
import { requireScope } from '../../http/auth';
import { metaOf } from '../../http/request-meta';
import { accountId, registerSessionBody, sessionId } from '../../http/schemas';
import { parse } from '../../http/validation';

export function sessionRoutes(pool: Pool): Router {
  const r = Router();

  async function existing(id: string) {
    if (!(await findAccount(pool, id))) throw new AppError('ACCOUNT_NOT_FOUND');
  }

  r.post('/v1/accounts/:id/sessions', requireScope('accounts:write'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const body = parse(registerSessionBody, req.body);
    await existing(id);
    const { created, row } = await registerSession(pool, id, body.sessionId, metaOf(req, body.client));
    // the id is taken by another account's session
    if (!row) throw new AppError('INVALID_INPUT', { fields: [{ field: 'sessionId', problem: 'already registered for another account' }] });
    res.status(created ? 201 : 200).json({ session: viewSession(row) });
  });

  r.get('/v1/accounts/:id/sessions', requireScope('accounts:read'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    await existing(id);
    res.json({ sessions: (await listSessions(pool, id)).map(viewSession) });
  });

  r.delete('/v1/accounts/:id/sessions/:sessionId', requireScope('accounts:write'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const sid = parse(sessionId, req.params.sessionId);
    const row = await endSession(pool, id, sid, 'signed_out');
    if (!row) throw new AppError('SESSION_NOT_FOUND');
    res.json({ session: viewSession(row) });
  });

  return r;
}
