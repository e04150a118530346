import { Router } from 'express';
import type { Pool } from 'pg';
import { findAccount } from '../../db/accounts';
import { normalizeEmail, normalizePhone } from '../../lib/contacts';
import { AppError } from '../../lib/errors';
import { metaOf } from '../request-meta';
import { requireScope } from '../auth';
import type { BindFlows } from '../bind-flows';
import { accountId, bindEmailBody, bindPhoneBody, submitCodeBody } from '../schemas';
import { parse } from '../validation';

export function bindRoutes(pool: Pool, flows: BindFlows): Router {
  const r = Router();

  async function existing(id: string) {
    const row = await findAccount(pool, id);
    if (!row) throw new AppError('ACCOUNT_NOT_FOUND');
    return row;
  }

  r.post('/v1/accounts/:id/phone/bind', requireScope('flows:write'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const body = parse(bindPhoneBody, req.body);
    const phone = normalizePhone(body.phone);
    if (!phone) throw new AppError('INVALID_PHONE');
    const account = await existing(id);
    if (account.phone_idx) throw new AppError('PHONE_ALREADY_BOUND');
    res.status(201).json({ flow: await flows.start('phone', id, phone, metaOf(req, body.client), body.sessionId) });
  });

  r.post('/v1/accounts/:id/email/bind', requireScope('flows:write'), async (req, res) => {
    const id = parse(accountId, req.params.id);
    const body = parse(bindEmailBody, req.body);
    const email = normalizeEmail(body.email);
    if (!email) throw new AppError('INVALID_EMAIL');
    const account = await existing(id);
    if (account.email_idx) throw new AppError('EMAIL_ALREADY_BOUND');
    res.status(201).json({ flow: await flows.start('email', id, email, metaOf(req, body.client), body.sessionId) });
  });

  r.post('/v1/flows/:flowId/code/resend', requireScope('flows:write'), async (req, res) => {
    res.json({ flow: await flows.resend(req.params.flowId as string) });
  });

  r.post('/v1/flows/:flowId/code', requireScope('flows:write'), async (req, res) => {
    const { code } = parse(submitCodeBody, req.body);
    res.json({ result: await flows.submit(req.params.flowId as string, code) });
  });

  r.get('/v1/flows/:flowId', requireScope('flows:read'), async (req, res) => {
    res.json({ flow: await flows.state(req.params.flowId as string) });
  });

  r.delete('/v1/flows/:flowId', requireScope('flows:write'), async (req, res) => {
    res.json({ flow: await flows.cancel(req.params.flowId as string) });
  });

  return r;
}
