// After the drill: what the journeys attempted and were told, held against what Postgres
// and the sandboxes' inboxes (what phones and mailboxes really received) say happened.
// Jepsen-style counts per kind of effect: attempted, acknowledged, then
//  - lost: acknowledged (or committed) but missing — an acknowledged change not in the
//    account, a committed change without its event, audit row, notices or session endings,
//    a verdict the user was told that nobody billed, a code the API said it sent that never came;
//  - duplicated: one effect happening more than once — two events or notices for one change,
//    a unit consumed twice for one check, one code delivered twice, a change nobody asked for.
import type { Pool } from 'pg';
import { REBIND_NOTICE_MAIL } from '../../lib/templates';
import type { SmsGateway } from '../../providers/tencent-sms/sandbox';
import type { SmtpSink } from '../../providers/smtp/sandbox';
import type { Journal } from './journeys';

/** the rebind notice's mail subjects (手机号换绑提醒 / 邮箱换绑提醒) */
const isNoticeSubject = (subject: string): boolean => (Object.values(REBIND_NOTICE_MAIL.subject) as string[]).includes(subject);

export const EFFECTS = ['contact changes', 'callback events', 'audit rows', 'session endings', 'notices (sms)', 'notices (mail)', 'codes', 'face checks billed', 'quota units', 'real-name records'] as const;
export type Effect = (typeof EFFECTS)[number];

export interface Count {
  attempted: number;
  acknowledged: number;
  lost: number;
  duplicated: number;
}

export type Table = Record<Effect, Count>;

export interface AuditResult {
  table: Table;
  /** mails delivered again with the Message-ID of one already delivered (at least once over SMTP) */
  redelivered: number;
  /** one line per lost or duplicated effect, naming the account */
  findings: string[];
}

/** Quota each drill account starts with: the free check and five purchased units. */
export const START_QUOTA = { free: 1, purchased: 5 };
export const SESSIONS_PER_ACCOUNT = 3;

export interface AuditSources {
  pool: Pool;
  sms: SmsGateway;
  smtp: SmtpSink;
  noticeTemplate: string;
  /** an account's contacts in the clear */
  contacts(accountId: string): Promise<{ phone: string | null; email: string | null }>;
}

export async function audit(src: AuditSources, journals: Journal[]): Promise<AuditResult> {
  const { pool, sms, smtp, noticeTemplate } = src;
  const table = Object.fromEntries(EFFECTS.map((e) => [e, { attempted: 0, acknowledged: 0, lost: 0, duplicated: 0 }])) as Table;
  const findings: string[] = [];
  let redelivered = 0;
  const tally = (e: Effect, who: string, attempted: number, acknowledged: number, expected: number, actual: number, lostAlso = 0) => {
    const t = table[e];
    t.attempted += attempted;
    t.acknowledged += acknowledged;
    const lost = Math.max(0, expected - actual) + lostAlso;
    const dup = Math.max(0, actual - expected);
    t.lost += lost;
    t.duplicated += dup;
    if (lost) findings.push(`${who}: ${e}: ${lost} lost (expected ${expected}, found ${actual})`);
    if (dup) findings.push(`${who}: ${e}: ${dup} duplicated (expected ${expected}, found ${actual})`);
  };

  for (const j of journals) {
    const who = j.accountId;
    const one = async <T extends Record<string, any>>(sql: string) => (await pool.query<T>(sql, [who])).rows;
    const [acct] = await one<{ contact_version: number; face_free_used: number; face_number: number }>('SELECT contact_version, face_free_used, face_number FROM accounts WHERE id = $1');
    const events = await one<{ type: string; n: number }>('SELECT type, count(*)::int AS n FROM callback_events WHERE account_id = $1 GROUP BY type');
    const audits = await one<{ type: string; n: number }>('SELECT type, count(*)::int AS n FROM audit_events WHERE account_id = $1 GROUP BY type');
    const faces = await one<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM face_verifications WHERE account_id = $1 GROUP BY status');
    const ledger = await one<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM face_quota_ledger WHERE account_id = $1 GROUP BY state');
    const [records] = await one<{ n: number }>('SELECT count(*)::int AS n FROM real_name_records WHERE account_id = $1');
    const [sessionsLive] = await one<{ n: number }>("SELECT count(*)::int AS n FROM sessions WHERE account_id = $1 AND ended_at IS NULL AND id <> $1 || '-s0'");
    const count = (rows: { type?: string; status?: string; state?: string; n: number }[], key: string) => rows.find((r) => (r.type ?? r.status ?? r.state) === key)?.n ?? 0;

    // contact changes: every acknowledged change is in the account, nothing changed that nobody asked for
    const rebinds = j.attempts.filter((a) => a.kind && a.target); // binds too: every contact change
    const acked = rebinds.filter((a) => a.acked);
    const committed = acct!.contact_version - 1;
    const { phone, email } = await src.contacts(who);
    const finalOk = (['phone', 'email'] as const).every((kind) => {
      const mine = rebinds.filter((a) => a.kind === kind);
      const lastAck = mine.map((a) => a.acked).lastIndexOf(true);
      const now = (kind === 'phone' ? phone : email) ?? null;
      const allowed = lastAck < 0 ? [j.initial[kind], ...mine.map((a) => a.target!)] : mine.slice(lastAck).map((a) => a.target!);
      return allowed.includes(now);
    });
    tally('contact changes', who, rebinds.length, acked.length, Math.max(acked.length, Math.min(committed, rebinds.length)), committed, finalOk ? 0 : 1);

    const changeTypes = ['phone.bound', 'email.bound', 'phone.rebound', 'email.rebound'];
    const eventsExpected = committed + (records!.n > 0 ? 1 : 0);
    const eventsFound = changeTypes.reduce((n, t) => n + count(events, t), count(events, 'real_name.verified'));
    tally('callback events', who, rebinds.length + 1, acked.length + (j.verifiedAcked ? 1 : 0), eventsExpected, eventsFound);
    tally('audit rows', who, rebinds.length, acked.length, committed, changeTypes.reduce((n, t) => n + count(audits, t), 0));
    // a committed change ends every session but the one that made it
    const others = SESSIONS_PER_ACCOUNT - 1;
    tally('session endings', who, committed ? others : 0, acked.length ? others : 0, committed ? others : 0, others - sessionsLive!.n);

    // notices: each rebind tells the phone and the email the account had before it, once
    // (a first-time bind tells nobody)
    const bound = j.initial.email === null && email !== null ? 1 : 0;
    const rebound = committed - bound;
    const phones = [j.initial.phone, ...rebinds.filter((a) => a.kind === 'phone').map((a) => a.target!)];
    const emails = [j.initial.email, ...rebinds.filter((a) => a.kind === 'email').map((a) => a.target!)].filter((e): e is string => e !== null);
    const smsNotices = phones.reduce((n, p) => n + sms.forPhone(p).filter((m) => m.templateId === noticeTemplate).length, 0);
    // a mail is one message per Message-ID: SMTP cannot be asked whether an earlier attempt
    // got through, so a repeat keeps the id and is counted apart as a redelivery
    const noticeMails = emails.flatMap((e) => smtp.forRecipient(e).filter((m) => isNoticeSubject(m.subject)));
    const mailNotices = new Set(noticeMails.map((m) => m.messageId ?? m.receivedAt)).size;
    redelivered += noticeMails.length - mailNotices;
    tally('notices (sms)', who, rebound, rebound, rebound, smsNotices);
    tally('notices (mail)', who, rebound, rebound, rebound, mailNotices);

    // codes: one message per code (the same code twice is one send repeated)
    const sent = [
      ...phones.flatMap((p) => sms.forPhone(p).filter((m) => m.templateId !== noticeTemplate).map((m) => ({ key: `${p}:${m.params[0]}`, what: 'an SMS', at: m.receivedAt, id: undefined as string | undefined }))),
      ...emails.flatMap((e) => smtp.forRecipient(e).filter((m) => !isNoticeSubject(m.subject)).map((m) => ({ key: `${e}:${/(\d{6})/.exec(m.text)?.[1]}`, what: 'a mail', at: m.receivedAt, id: m.messageId }))),
    ];
    // the same mail again (same Message-ID) is a redelivery, not a second message
    const mailIds = new Set<string>();
    for (let i = sent.length - 1; i >= 0; i--) {
      const id = sent[i]!.id;
      if (!id) continue;
      if (mailIds.has(id)) {
        sent.splice(i, 1);
        redelivered += 1;
      } else mailIds.add(id);
    }
    const codes = sent.map((m) => m.key);
    const distinct = new Set(codes).size;
    tally('codes', who, j.codesAcked, j.codesAcked, distinct, codes.length, j.codesLost);
    for (const m of sent.filter((x, i) => codes.indexOf(x.key) !== i)) {
      findings.push(`${who}: one code delivered again: ${m.what}, first at ${sent.find((x) => x.key === m.key)!.at}, again at ${m.at}`);
    }

    // face checks: every verdict the user was told is billed once, one unit per billed check
    const billed = count(faces, 'success') + count(faces, 'fail');
    tally('face checks billed', who, j.faceVerdicts, j.faceVerdicts, Math.max(billed, j.faceVerdicts), billed);
    const used = acct!.face_free_used + (START_QUOTA.purchased - acct!.face_number);
    const consumed = count(ledger, 'consumed');
    tally('quota units', who, billed, billed, billed, consumed);
    if (used !== consumed) {
      table['quota units'].lost += 1;
      findings.push(`${who}: quota units: the account's counts say ${used} used, its ledger ${consumed} consumed`);
    }
    tally('real-name records', who, 1, j.verifiedAcked ? 1 : 0, j.verifiedAcked || records!.n > 0 ? 1 : 0, records!.n);
  }
  return { table, redelivered, findings };
}


export function renderTable(r: AuditResult): string {
  const lines = ['| effect | attempted | acknowledged | lost | duplicated |', '|---|---:|---:|---:|---:|'];
  for (const e of EFFECTS) {
    const c = r.table[e];
    lines.push(`| ${e} | ${c.attempted} | ${c.acknowledged} | ${c.lost} | ${c.duplicated} |`);
  }
  return lines.join('\n');
}
