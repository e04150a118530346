// Operators redact face checks (docs/rules.md#redaction-and-retention): one check of an
// account, or all of them. Scope pii:redact. The same code as the retention sweep
// (./redact.ts); a repeat answers the same and records no second event.
import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../../http/deps';
import { requireScope } from '../../http/auth';
import { accountId } from '../../http/schemas';
import { parse } from '../../http/validation';
import { findAccount } from '../../db/accounts';
import { accountVerifications, findVerification, viewRedaction } from '../../db/redaction';
import { AppError } from '../../lib/errors';
import { closedRunsOf, redactVerification, type RedactDeps, type Run } from './redact';

export const attemptId = z.string().regex(/^[0-9]{1,18}$/, 'a face attempt id (digits), as GET /v1/accounts/:id/face-attempts lists it');

/** Mounted after the API-key middleware. */
export function redactionRoutes(d: ApiDeps): Router {
  const r = Router();
  const deps: RedactDeps = { pool: d.pool, fieldCrypto: d.fieldCrypto, temporal: d.client, cfg: d.cfg, log: d.log };

  r.post('/v1/accounts/:id/face-attempts/redact', requireScope('pii:redact'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    if (!(await findAccount(d.pool, id))) throw new AppError('ACCOUNT_NOT_FOUND');
    const rows = await accountVerifications(d.pool, id);
    // all or nothing: a check whose flow still runs refuses the whole request before any change
    const running: string[] = [];
    const runs: Run[][] = [];
    for (const row of rows) {
      runs.push(
        await closedRunsOf(d.client, row).catch((err: unknown) => {
          if (!(err instanceof AppError && err.code === 'REDACTION_FLOW_RUNNING')) throw err;
          running.push(...((err.details?.flows as string[]) ?? []));
          return [];
        }),
      );
    }
    if (running.length) throw new AppError('REDACTION_FLOW_RUNNING', { flows: [...new Set(running)] });
    const out = [];
    for (const [i, row] of rows.entries()) out.push(viewRedaction((await redactVerification(deps, row, 'all', 'operator', runs[i])).row));
    res.json({ redactions: out });
  });

  r.post('/v1/accounts/:id/face-attempts/:attemptId/redact', requireScope('pii:redact'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const row = await findVerification(d.pool, id, parse(attemptId, req.params.attemptId));
    if (!row) throw new AppError('FACE_VERIFICATION_NOT_FOUND');
    res.json({ redaction: viewRedaction((await redactVerification(deps, row, 'all', 'operator')).row) });
  });

  return r;
}
