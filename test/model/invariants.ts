// After every step: the model and the real system agree on who holds which contact, who is
// verified, face quota (units used, purchased, held), callback events and audit rows, live
// sessions, the security state the face scenes act on (flags, freeze, cancellation request), and every message each phone and mailbox received (codes and notices; a lost or
// a duplicated message shows here). The face providers: each scene's chain as the operator set it
// (or the configured one), which provider issued each face row and which it failed over from,
// the verdicts each provider answered (api:face:<provider>, per account and in GET /v1/counters).
import { contactAad } from '../../db/accounts';
import { chainOf, faceRowKey } from './face-providers';
import type { System } from './system';
import { FACE_SCENES, held, ModelError, PROVIDERS, type World } from './world';

const AUDITED = ['phone.bound', 'email.bound', 'phone.rebound', 'email.rebound', 'real_name.verified', 'account.security_reset', 'account.unfrozen', 'account.cancellation_requested'];

export async function verify(w: World, sys: System, after: string): Promise<void> {
  const ids = w.accounts.map((a) => a.id);
  const fc = sys.stack.deps.fieldCrypto;
  const problems: string[] = [];
  const differ = (what: string, model: unknown, real: unknown) => {
    if (JSON.stringify(model) !== JSON.stringify(real)) problems.push(`${what}: model ${JSON.stringify(model)}, real ${JSON.stringify(real)}`);
  };

  const rows = await sys.q(
    `SELECT id, phone_enc, email_enc, real_name_status, face_free_used, face_number,
            cardinality(security_flags) > 0 AS flagged, frozen_at IS NOT NULL AS frozen, cancellation_requested_at IS NOT NULL AS cancellation
     FROM accounts WHERE id = ANY($1)`,
    [ids],
  );
  const events = await sys.q<{ account_id: string; type: string; n: number }>(
    'SELECT account_id, type, count(*)::int AS n FROM callback_events WHERE account_id = ANY($1) GROUP BY 1, 2',
    [ids],
  );
  const audits = await sys.q<{ account_id: string; type: string; n: number }>(
    'SELECT account_id, type, count(*)::int AS n FROM audit_events WHERE account_id = ANY($1) AND type = ANY($2) GROUP BY 1, 2',
    [ids, AUDITED],
  );
  const sessions = await sys.q<{ account_id: string; n: number }>(
    'SELECT account_id, count(*)::int AS n FROM sessions WHERE account_id = ANY($1) AND ended_at IS NULL GROUP BY 1',
    [ids],
  );
  const records = await sys.q<{ account_id: string; n: number }>('SELECT account_id, count(*)::int AS n FROM real_name_records WHERE account_id = ANY($1) GROUP BY 1', [ids]);
  const holds = await sys.q<{ account_id: string; n: number }>(
    "SELECT account_id, count(*)::int AS n FROM face_quota_ledger WHERE account_id = ANY($1) AND state = 'held' AND hold_until > now() GROUP BY 1",
    [ids],
  );
  // every purchased unit came from a paid order: what the orders have left is what the account has
  const ordersLeft = await sys.q<{ account_id: string; n: number }>(
    "SELECT account_id, sum(units - units_used)::int AS n FROM face_quota_orders WHERE account_id = ANY($1) AND state = 'paid' GROUP BY 1",
    [ids],
  );
  const faceRows = await sys.q<{ account_id: string; provider: string; failover: { provider: string; code: string }[] | null }>(
    'SELECT account_id, provider, failover FROM face_verifications WHERE account_id = ANY($1)',
    [ids],
  );
  const verdicts = await sys.q<{ account_id: string; provider: string; n: number }>(
    "SELECT account_id, provider, count(*)::int AS n FROM provider_calls WHERE api = 'api:face' AND account_id = ANY($1) GROUP BY 1, 2",
    [ids],
  );
  const byAccount = <T extends { account_id: string }>(list: T[], id: string) => list.filter((r) => r.account_id === id);

  for (const a of w.accounts) {
    const row = rows.find((r) => r.id === a.id);
    const who = `${a.id}`;
    differ(`${who} phone`, a.phone, row.phone_enc ? fc.decrypt(row.phone_enc, contactAad('phone', a.id)) : null);
    differ(`${who} email`, a.email, row.email_enc ? fc.decrypt(row.email_enc, contactAad('email', a.id)) : null);
    differ(`${who} real-name status`, a.verifiedId ? 'verified' : 'none', row.real_name_status);
    differ(`${who} real-name records`, a.verifiedId ? 1 : 0, byAccount(records, a.id)[0]?.n ?? 0);
    differ(`${who} face quota (free used, purchased)`, [a.freeUsed, a.purchased], [row.face_free_used, row.face_number]);
    differ(`${who} face quota held`, held(a), byAccount(holds, a.id)[0]?.n ?? 0);
    differ(`${who} purchased units left in paid orders`, a.purchased, byAccount(ordersLeft, a.id)[0]?.n ?? 0);
    differ(`${who} live sessions`, a.sessionsLive, byAccount(sessions, a.id)[0]?.n ?? 0);
    differ(`${who} security (flagged, frozen, cancellation pending)`, [a.flagged, a.frozen, a.cancellationPending], [row.flagged, row.frozen, row.cancellation]);
    const realEvents = Object.fromEntries(byAccount(events, a.id).map((e) => [e.type, e.n]));
    differ(`${who} callback events`, sorted(a.events), sorted(realEvents));
    const modelAudits = Object.fromEntries(Object.entries(a.events).filter(([t]) => AUDITED.includes(t)));
    differ(`${who} audit rows`, sorted(modelAudits), sorted(Object.fromEntries(byAccount(audits, a.id).map((e) => [e.type, e.n]))));
    const rowsIssued: Record<string, number> = {};
    for (const r of byAccount(faceRows, a.id)) rowsIssued[faceRowKey(r.provider, r.failover)] = (rowsIssued[faceRowKey(r.provider, r.failover)] ?? 0) + 1;
    differ(`${who} face rows (provider after the ones failed over from)`, sorted(a.faceRows), sorted(rowsIssued));
    differ(`${who} face verdicts per provider (api:face)`, sorted(a.verdicts as Record<string, number>), sorted(Object.fromEntries(byAccount(verdicts, a.id).map((v) => [v.provider, v.n]))));
  }

  // the scenes' chains as the operator's API shows them, and the counters it reads (the model
  // stack's database holds the model's checks only: exact since the sequence began)
  const chosen = await sys.call('GET', '/v1/face-providers');
  for (const scene of FACE_SCENES) {
    const view = (chosen.body.scenes as { scene: string; providers: string[]; source: string }[]).find((v) => v.scene === scene);
    differ(`${scene} providers (source)`, [chainOf(w, scene), w.providers[scene] ? 'operator' : 'config'], [view?.providers, view?.source]);
  }
  const counters = await sys.call('GET', '/v1/counters');
  const total = (key: string) => (counters.body.counters as { key: string; total: number }[]).find((c) => c.key === key)?.total ?? 0;
  for (const p of PROVIDERS) {
    const model = w.accounts.reduce((n, a) => n + (a.verdicts[p] ?? 0), 0);
    differ(`api:face:${p} counted since the sequence began`, model, total(`api:face:${p}`) - (w.counterBase[p] ?? 0));
  }
  for (const p of new Set([...w.phones, ...Object.keys(w.sms)])) differ(`SMS to ${p}`, w.sms[p] ?? 0, sys.messages('sms', p));
  for (const m of new Set([...w.emails, ...Object.keys(w.mail)])) differ(`mail to ${m}`, w.mail[m] ?? 0, sys.messages('mail', m));

  if (problems.length) throw new ModelError(`after ${after}:\n  ${problems.join('\n  ')}`);
}

function sorted(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).filter(([, n]) => n > 0).sort(([x], [y]) => x.localeCompare(y)));
}
