// Account recovery over HTTP (找回账户, docs/flows/recovery.md), for a user without a login: the
// platform's backend calls these with its API key on the user's behalf.
//   POST /v1/recovery/lookup               phone | email | idNumber → the matching accounts,
//                                          masked, each with a ticket; the same neutral answer
//                                          when none matches; rate-limited per identifier and IP
//   POST /v1/recovery/flows                ticket + method (sms | mail | face) → the code's
//                                          answer, or the certifyId and the app's client token
//   POST /v1/flows/:flowId/code[/resend]   the code routes every code flow shares (api/routes/flows.ts)
//   POST /v1/flows/:flowId/grant           face: waits for the check's verdict → the grant
//   POST /v1/recovery-grants/:grant/redeem the platform redeems the grant, once
import { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../../http/deps';
import type { AbuseLimits } from '../../http/abuse-limits';
import { requireScope } from '../../http/auth';
import { metaOf } from '../../http/request-meta';
import { clientMeta, text } from '../../http/schemas';
import { parse } from '../../http/validation';
import { parseFlowId } from '../../http/flow-ids';
import { upsertDevice, idNumberIndex } from '../../db/real-name';
import { accountsByIdentifier, type IdentifierKind, type RecoveryCandidate } from '../../db/recovery';
import { contactIndex, decryptContact, findAccount } from '../../db/accounts';
import { CONTACT } from '../../lib/contact-kinds';
import { AppError } from '../../lib/errors';
import { maskIdNumber, validateIdNumber } from '../../lib/idcard';
import { signTicket, verifyTicket } from '../../lib/recovery-grant';
import { redeemGrant } from '../../http/grant-redeem';
import { deviceId, registerDeviceBody } from '../face-check/routes';
import { assertAccountFaceReady } from '../face-check/account-face';
import { FLOW_KINDS } from '../registry';
import { RECOVERED_MESSAGE, RECOVERY_METHODS, recoveryFlowIdOf, type RecoveryMethod } from './contract';
import type { RecoveryFlows } from './start';

/** The answer to a lookup, matching or not (the platform shows it as it is). */
export const LOOKUP_MESSAGE = '如果信息匹配,可通过下方方式找回账户';

export const lookupBody = z
  .object({
    phone: text({ max: 32 }).optional(),
    email: text({ max: 254 }).optional(),
    idNumber: text({ max: 32 }).optional(),
    client: clientMeta,
  })
  .strict()
  .refine((b) => [b.phone, b.email, b.idNumber].filter((v) => v !== undefined).length === 1, { message: 'exactly one of phone, email, idNumber' });

export const startRecoveryBody = z
  .object({
    ticket: text({ min: 1, max: 512 }),
    method: z.enum(RECOVERY_METHODS as [RecoveryMethod, ...RecoveryMethod[]]),
    deviceId,
    /** face: the face SDK's metaInfo of this device (no login registered it) */
    metaInfo: registerDeviceBody.shape.metaInfo.optional(),
    /** face from a mini-program (WeChat): the user's openid there */
    openid: registerDeviceBody.shape.openid.optional(),
    platform: registerDeviceBody.shape.platform,
    client: clientMeta,
  })
  .strict();

/** The ways this account can be recovered now, in the seed's order (phone, email, then face). */
function methodsOf(d: ApiDeps, a: RecoveryCandidate): RecoveryMethod[] {
  const m: RecoveryMethod[] = [];
  if (a.phone_enc) m.push('sms');
  if (a.email_enc) m.push('mail');
  if (a.real_name_status === 'verified' && !a.identity_redacted && d.cfg.realName.faceEnabled) m.push('face');
  return m;
}

/** Only a recovery flow's id: the code routes and the grant route refuse any other. */
export function recoveryFlowId(flowId: string): string {
  if (FLOW_KINDS[parseFlowId(flowId).kind].family !== 'recovery') throw new AppError('FLOW_NOT_FOUND');
  return flowId;
}

/** Mounted after the API-key middleware. */
export function recoveryRoutes(d: ApiDeps, flows: RecoveryFlows, limits: AbuseLimits): Router {
  const r = Router();

  r.post('/v1/recovery/lookup', requireScope('flows:write'), async (req, res) => {
    const body = parse(lookupBody, req.body);
    // an identifier that is not well formed is refused as such, before a slot is taken
    let kind: IdentifierKind;
    let idx: Buffer | null = null;
    let idMasked: string | null = null;
    if (body.idNumber !== undefined) {
      kind = 'idNumber';
      const id = validateIdNumber(body.idNumber);
      if (id.ok) {
        idx = idNumberIndex(d.fieldCrypto, id.normalized);
        idMasked = maskIdNumber(id.normalized);
      }
    } else {
      kind = body.phone !== undefined ? 'phone' : 'email';
      const normalized = CONTACT[kind].normalize((body.phone ?? body.email)!);
      if (normalized) idx = contactIndex(d.fieldCrypto, kind, normalized);
    }
    if (idx === null) throw new AppError(kind === 'phone' ? 'INVALID_PHONE' : kind === 'email' ? 'INVALID_EMAIL' : 'REAL_NAME_INVALID_ID');
    // the end user's address as the caller relays it (the caller's own would lump every user together)
    await limits.recoveryLookup(idx.toString('hex'), body.client?.ip);
    const exp = Math.floor(Date.now() / 1000) + d.cfg.recovery.ticketTtlSec;
    const matches = (await accountsByIdentifier(d.pool, kind, idx)).map((a) => {
      const phone = decryptContact(d.fieldCrypto, a, 'phone');
      const email = decryptContact(d.fieldCrypto, a, 'email');
      return {
        accountId: a.id,
        phone: phone && CONTACT.phone.mask(phone),
        email: email && CONTACT.email.mask(email),
        idNumber: idMasked,
        realName: a.real_name_status === 'verified',
        frozen: a.frozen_at !== null,
        methods: methodsOf(d, a),
        ticket: signTicket(d.cfg.recovery.key, { accountId: a.id, exp }),
        ticketExpiresAt: new Date(exp * 1000).toISOString(),
      };
    });
    res.json({ recovery: { matches, message: LOOKUP_MESSAGE } });
  });

  r.post('/v1/recovery/flows', requireScope('flows:write'), async (req, res) => {
    const body = parse(startRecoveryBody, req.body);
    const claims = verifyTicket(d.cfg.recovery.key, body.ticket);
    if (!claims) throw new AppError('RECOVERY_TICKET_INVALID');
    const account = await findAccount(d.pool, claims.accountId);
    if (!account) throw new AppError('RECOVERY_TICKET_INVALID');
    const meta = metaOf(req, body.client);
    if (body.method === 'face') {
      if (!d.cfg.realName.faceEnabled) throw new AppError('FACE_DISABLED');
      if (account.real_name_status !== 'verified') throw new AppError('RECOVERY_METHOD_UNAVAILABLE');
      if (body.metaInfo || body.openid) {
        const device = { accountId: account.id, deviceId: body.deviceId, metaInfo: body.metaInfo ?? null, openid: body.openid ?? null };
        await upsertDevice(d.pool, d.fieldCrypto, { ...device, platform: body.platform, ip: meta.ip, userAgent: meta.userAgent });
      }
      await assertAccountFaceReady(d.pool, d.cfg, account, body.deviceId, recoveryFlowIdOf(account.id));
    } else if (!(body.method === 'sms' ? account.phone_enc : account.email_enc)) {
      throw new AppError('RECOVERY_METHOD_UNAVAILABLE');
    }
    const flow = await flows.start({ accountId: account.id, method: body.method, deviceId: body.deviceId, meta });
    res.status(flow.cache ? 200 : 201).json({ flow });
  });

  r.post('/v1/flows/:flowId/grant', requireScope('flows:write'), async (req, res) => {
    res.json({ grant: await flows.collect(recoveryFlowId(req.params.flowId as string)) });
  });

  r.post('/v1/recovery-grants/:grant/redeem', requireScope('flows:write'), redeemGrant(d.pool, flows, 'recovery', RECOVERED_MESSAGE));

  return r;
}
