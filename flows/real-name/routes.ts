// Real-name verification over HTTP: start (name + ID + device), the flow's state, the
// account's identity (masked; whole with pii:read). The app's face completion and device
// registration are the face check's (flows/face-check/routes.ts); the counters, which count
// every provider and channel, are the API's (api/routes/counters.ts).
import { Router } from 'express';
import type { ApiDeps } from '../../http/deps';
import type { AbuseLimits } from '../../http/abuse-limits';
import { authenticate, hasScope, requireScope } from '../../http/auth';
import { localizedFor } from '../../http/errors';
import { metaOf } from '../../http/request-meta';
import { RealNameFlows } from './start';
import { accountId } from '../../http/schemas';
import { parse } from '../../http/validation';
import { findAccount } from '../../db/accounts';
import { findRealNameRecord, viewIdentity } from '../../db/real-name';
import { AppError } from '../../lib/errors';
import { DEFAULT_REAL_NAME_AGREEMENT } from '../../lib/config';
import { startRealNameBody } from './request';
import { ID_CHECKED_MESSAGE } from './contract';
import { refuseFrozen } from '../../http/frozen-account';
import { requestAccount } from '../../http/request-account';

/** Mounted before the API-key middleware: each route authenticates itself. */
export function realNameRoutes(d: ApiDeps, limits: AbuseLimits): Router {
  const r = Router();
  const auth = authenticate(d.cfg.api.keys);
  const flows = new RealNameFlows(d.client, d.cfg, d.pool, d.fieldCrypto, limits);

  r.post('/v1/accounts/:id/real-name', auth, requireScope('flows:write'), refuseFrozen(d), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const { agreement, ...body } = parse(startRealNameBody, req.body);
    // the seed's page refuses a submit without the agreement ticked (4/24): before any check
    const current = { id: DEFAULT_REAL_NAME_AGREEMENT.id, version: d.cfg.realName.agreementVersion };
    if (agreement?.id !== current.id || agreement.version !== current.version) throw new AppError('REAL_NAME_AGREEMENT_REQUIRED', { agreement: current });
    const meta = { ...metaOf(req, body.client), agreement: { ...current, acceptedAt: new Date().toISOString() } };
    const flow = await flows.start(id, body, meta, { relayedIp: body.client?.ip, readAccount: () => requestAccount(d.pool, req, id) });
    res.status(flow.cache ? 200 : 201).json({ flow: { ...flow, message: ID_CHECKED_MESSAGE } });
  });

  r.get('/v1/accounts/:id/real-name/flow', auth, requireScope('flows:read'), async (req, res) => {
    res.json({ flow: localizedFor(req, await flows.state(parse(accountId, req.params.id))) });
  });

  r.get('/v1/accounts/:id/real-name', auth, requireScope('accounts:read'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const whole = req.query.unmasked === 'true';
    if (whole && !hasScope(req.apiKey?.scopes, 'pii:read')) throw new AppError('FORBIDDEN', { scope: 'pii:read' });
    if (!(await findAccount(d.pool, id))) throw new AppError('ACCOUNT_NOT_FOUND');
    res.json({ identity: viewIdentity(d.fieldCrypto, await findRealNameRecord(d.pool, id), whole) });
  });

  return r;
}
