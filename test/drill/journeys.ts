// The drill's workload: one journey per account, as a user and the app would drive it
// through faults. Real-name verification with a FAIL first and a retry that passes, then
// rebinds of the phone or the email by SMS code, mail code or face, one after another.
// A journey that loses an answer does what a user would: ask again, read the flow's
// state, or cancel and start over. The journal keeps what was attempted and what the
// service acknowledged, for the audit (./audit.ts) to hold against what really happened.
import { REBIND_NOTICE_MAIL } from '../../lib/templates';
import type { SmsGateway } from '../../providers/tencent-sms/sandbox';
import type { SmtpSink } from '../../providers/smtp/sandbox';
import { uniqueIdNumber, uniqueIp } from '../support/real-name';
import { uniqueEmail, uniquePhone } from '../support/stack';
import type { Answer } from '../support/stack';
import { GaveUp, sleep, type DrillClient } from './client';
import { DEFAULT_REAL_NAME_AGREEMENT } from '../../lib/config';

/** the rebind notice's mail subjects (手机号换绑提醒 / 邮箱换绑提醒) */
const isNoticeSubject = (subject: string): boolean => (Object.values(REBIND_NOTICE_MAIL.subject) as string[]).includes(subject);

export type Kind = 'phone' | 'email';
export type Method = 'sms' | 'email' | 'face';

export interface Attempt {
  what: string;
  kind?: Kind;
  /** the new contact this attempt asked for (once it got that far) */
  target?: string;
  acked: boolean;
  /** how it ended as the journey saw it */
  outcome: string;
}

export interface Journal {
  accountId: string;
  /** accounts without an email bind one first */
  initial: { phone: string; email: string | null };
  attempts: Attempt[];
  verifiedAcked: boolean;
  /** face checks the journey completed with a verdict it was told (billed checks) */
  faceVerdicts: number;
  /** sends of a code the API answered as done, and those whose message never came */
  codesAcked: number;
  codesLost: number;
}

export interface JourneyEnv {
  api: DrillClient;
  sms: SmsGateway;
  smtp: SmtpSink;
  noticeTemplate: string;
  /** how long one step may take before the journey gives it up */
  stepMs: number;
  deviceId(accountId: string, device: 'ok' | 'fail'): string;
}

const NAME = '张三';
const REBINDS: [Kind, Method][] = [
  ['phone', 'sms'],
  ['phone', 'face'],
  ['email', 'sms'],
  ['email', 'email'],
  ['email', 'face'],
];

export function planRebinds(rand: () => number, count: number): [Kind, Method][] {
  return Array.from({ length: count }, () => REBINDS[Math.floor(rand() * REBINDS.length)]!);
}

export async function runJourney(env: JourneyEnv, j: Journal, rebinds: [Kind, Method][]): Promise<void> {
  if (!j.initial.email) await bindEmail(env, j);
  await realName(env, j);
  for (const [kind, method] of rebinds) await rebind(env, j, kind, method);
}

// ---------------------------------------------------------------------------------------
// First-time bind of an email: its code, then the bind

async function bindEmail(env: JourneyEnv, j: Journal): Promise<void> {
  const flowId = `bind-email:${j.accountId}`;
  await upToThreeAttempts(env, j, flowId, 'bound', () => ({ what: 'bind-email', kind: 'email', target: uniqueEmail() }), (a) => bindOnce(env, j, flowId, a.target!));
}

/**
 * A flow tried up to three times, each attempt in the journal; one that does not reach
 * `success` is cancelled before the next, as a user would end what is left of it.
 */
async function upToThreeAttempts(env: JourneyEnv, j: Journal, flowId: string, success: string, make: () => Pick<Attempt, 'what' | 'kind' | 'target'>, once: (a: Attempt) => Promise<string>): Promise<void> {
  for (let round = 0; round < 3; round++) {
    const a: Attempt = { ...make(), acked: false, outcome: 'unfinished' };
    j.attempts.push(a);
    try {
      a.outcome = await once(a);
      if (a.outcome === success) {
        a.acked = true;
        return;
      }
    } catch (err) {
      if (!(err instanceof GaveUp)) throw err;
      a.outcome = `gave up: ${err.message}`;
    }
    await env.api.call('DELETE', `/v1/flows/${flowId}`, undefined, Date.now() + env.stepMs).catch(() => undefined);
  }
}

async function bindOnce(env: JourneyEnv, j: Journal, flowId: string, target: string): Promise<string> {
  const until = Date.now() + env.stepMs;
  const start = await env.api.call('POST', `/v1/accounts/${j.accountId}/email/bind`, { email: target }, until);
  if (start.status === 409 && start.body.error.code === 'EMAIL_ALREADY_BOUND') {
    // an earlier attempt bound it and its answer was lost
    const contacts = await env.api.call('GET', `/v1/accounts/${j.accountId}?unmasked=true`, undefined, until);
    return contacts.body.account.email === target ? 'bound' : 'bound by an earlier attempt';
  }
  if (start.status !== 201) return `start ${start.status} ${start.body?.error?.code}`;
  j.codesAcked += 1;
  for (let tries = 0; tries < 3; tries++) {
    const code = await latestCode(env, j, target, 0, until);
    const s = await env.api.call('POST', `/v1/flows/${flowId}/code`, { code }, until);
    if (s.status === 200) return outcomeOf(s);
    if (s.status === 422 && s.body.error.code === 'CODE_WRONG') continue;
    if (s.status === 410) {
      const state = await env.api.call('GET', `/v1/flows/${flowId}`, undefined, until);
      return state.body?.flow?.outcome ?? `closed ${state.body?.flow?.error?.code}`;
    }
    return `code ${s.status} ${s.body?.error?.code}`;
  }
  return 'code: wrong three times';
}

// ---------------------------------------------------------------------------------------
// Real-name: a FAIL, then the retry that passes (a new ID number after a typo, say)

async function realName(env: JourneyEnv, j: Journal): Promise<void> {
  for (const device of ['fail', 'ok'] as const) {
    const a: Attempt = { what: `real-name(${device})`, acked: false, outcome: 'unfinished' };
    j.attempts.push(a);
    try {
      a.outcome = await faceVerification(env, j, device);
      if (device === 'ok' && a.outcome === 'verified') {
        a.acked = true;
        j.verifiedAcked = true;
      }
      if (device === 'fail' && a.outcome === 'fail') a.acked = true;
    } catch (err) {
      if (!(err instanceof GaveUp)) throw err;
      a.outcome = `gave up: ${err.message}`;
    }
  }
}

async function faceVerification(env: JourneyEnv, j: Journal, device: 'ok' | 'fail'): Promise<string> {
  const until = Date.now() + env.stepMs;
  const deviceId = env.deviceId(j.accountId, device);
  const body = { realName: NAME, idNumber: uniqueIdNumber(), deviceId, environmentSafe: true, agreement: DEFAULT_REAL_NAME_AGREEMENT, client: { ip: uniqueIp(), userAgent: 'GongLunApp/4.0.8 (Android 14)', fingerprint: deviceId } };
  for (;;) {
    const start = await env.api.call('POST', `/v1/accounts/${j.accountId}/real-name`, body, until);
    if (start.status === 409 && start.body.error.code === 'FLOW_IN_PROGRESS') {
      // the previous attempt's flow is still closing (its completion answer was lost)
      await sleep(1_000);
      continue;
    }
    if (start.status === 409 && start.body.error.code === 'REAL_NAME_ALREADY_VERIFIED') return 'verified';
    if (start.status !== 201 && start.status !== 200) return `start ${start.status} ${start.body?.error?.code}`;
    const { certifyId, clientToken } = start.body.flow;
    const done = await env.api.call('POST', '/v1/face/completion', sdkOk(certifyId, deviceId), until, { key: null, headers: { 'x-face-token': clientToken } });
    if (done.status === 200) {
      j.faceVerdicts += 1;
      // accepted, and the outcome was not there within the API's wait (a worker died
      // meanwhile): the app asks the flow, as it would
      return done.body?.result?.outcome ?? (await realNameOutcome(env, j, until));
    }
    // the completion's first answer was lost and the flow has closed: the account says how it ended
    const identity = await env.api.call('GET', `/v1/accounts/${j.accountId}/real-name`, undefined, until);
    if (identity.body?.identity?.status === 'verified') return 'verified';
    return `completion ${done.status} ${done.body?.error?.code}`;
  }
}

function sdkOk(certifyId: string, deviceId: string) {
  return { deviceId, certifyId, errSubject: 'uni-facialRecognitionVerify', errCode: 0, errMsg: 'startFacialRecognitionVerify:ok', cause: { code: 1000 } };
}

// ---------------------------------------------------------------------------------------
// Rebind: proof (code to the old contact, or face) → unbind token → new contact → its code

async function rebind(env: JourneyEnv, j: Journal, kind: Kind, method: Method): Promise<void> {
  const flowId = `rebind-${kind}:${j.accountId}`;
  await upToThreeAttempts(env, j, flowId, 'rebound', () => ({ what: `rebind-${kind}(${method})`, kind }), (a) => rebindOnce(env, j, kind, method, flowId, a));
}

async function rebindOnce(env: JourneyEnv, j: Journal, kind: Kind, method: Method, flowId: string, a: Attempt): Promise<string> {
  const until = Date.now() + env.stepMs;
  const contacts = await env.api.call('GET', `/v1/accounts/${j.accountId}?unmasked=true`, undefined, until);
  const { phone, email } = contacts.body.account as { phone: string; email: string };
  const proofTo = method === 'sms' ? phone : email;
  const proofBefore = method === 'face' ? 0 : messages(env, proofTo).length;
  const deviceId = env.deviceId(j.accountId, 'ok');
  const start = await env.api.call('POST', `/v1/accounts/${j.accountId}/${kind}/rebind`, { method, ...(method === 'face' ? { deviceId } : {}), sessionId: `${j.accountId}-s0` }, until);
  if (start.status === 409 && start.body.error.code === 'FLOW_IN_PROGRESS') return 'start: a flow was still open';
  if (start.status !== 201) return `start ${start.status} ${start.body?.error?.code}`;
  if (method !== 'face') j.codesAcked += 1;

  let token: string;
  if (method === 'face') {
    const { certifyId, clientToken } = start.body.flow;
    const done = await env.api.call('POST', '/v1/face/completion', sdkOk(certifyId, deviceId), until, { key: null, headers: { 'x-face-token': clientToken } });
    if (done.status !== 200) return `face completion ${done.status} ${done.body?.error?.code}`;
    j.faceVerdicts += 1;
    // no outcome yet (accepted, the worker was slow to finish): the proof below waits for it
    const outcome = done.body?.result?.outcome;
    if (outcome != null && outcome !== 'success') return `face ${outcomeOf(done)}`;
    for (;;) {
      const p = await env.api.call('POST', `/v1/flows/${flowId}/proof`, undefined, until);
      if (p.status === 200) {
        token = p.body.proof.unbindToken;
        break;
      }
      if (p.status !== 409) return `proof ${p.status} ${p.body?.error?.code}`;
      await sleep(300); // the flow has not taken the verdict in yet
    }
  } else {
    const code = await latestCode(env, j, proofTo, proofBefore, until);
    const p = await env.api.call('POST', `/v1/flows/${flowId}/code`, { code }, until);
    // 409: the token went out in an answer that was lost; a new attempt is the way on
    if (p.status !== 200) return `proof ${p.status} ${p.body?.error?.code}`;
    token = p.body.proof.unbindToken;
  }

  const target = kind === 'phone' ? uniquePhone() : uniqueEmail();
  a.target = target;
  const before = messages(env, target).length;
  const n = await env.api.call('POST', `/v1/flows/${flowId}/new-contact`, { [kind]: target, token }, until);
  if (n.status !== 200 && n.status !== 201) return `new contact ${n.status} ${n.body?.error?.code}`;
  j.codesAcked += 1;
  for (let tries = 0; tries < 3; tries++) {
    const code = await latestCode(env, j, target, before, until);
    const s = await env.api.call('POST', `/v1/flows/${flowId}/new-contact/code`, { code, token }, until);
    if (s.status === 200) return outcomeOf(s);
    if (s.status === 422 && s.body.error.code === 'CODE_WRONG') continue; // a resend of a repeated call superseded it
    if (s.status === 410) {
      // the first submission committed and its answer was lost: the flow's state tells
      const state = await env.api.call('GET', `/v1/flows/${flowId}`, undefined, until);
      return state.body?.flow?.outcome ?? `closed ${state.body?.flow?.error?.code}`;
    }
    return `new code ${s.status} ${s.body?.error?.code}`;
  }
  return 'new code: wrong three times';
}

async function realNameOutcome(env: JourneyEnv, j: Journal, until: number): Promise<string> {
  for (;;) {
    const s = await env.api.call('GET', `/v1/accounts/${j.accountId}/real-name/flow`, undefined, until);
    const outcome = s.body?.flow?.outcome;
    if (typeof outcome === 'string') return outcome;
    if (Date.now() > until) throw new GaveUp('the real-name flow never told its outcome');
    await sleep(500);
  }
}

/** A 200's outcome; an answer without one is written down whole (it is a finding to read). */
function outcomeOf(r: Answer): string {
  const outcome = r.body?.result?.outcome;
  return typeof outcome === 'string' ? outcome : `200 without an outcome: ${JSON.stringify(r.body).slice(0, 300)}`;
}

/** Messages to an address that carry a code (notices carry none). */
function messages(env: JourneyEnv, to: string): string[] {
  if (to.includes('@')) return env.smtp.forRecipient(to).filter((m) => !isNoticeSubject(m.subject)).map((m) => /(\d{6})/.exec(m.text)?.[1] ?? '');
  return env.sms.forPhone(to).filter((m) => m.templateId !== env.noticeTemplate).map((m) => m.params[0] ?? '');
}

/** The newest code to an address once more than `before` arrived: a resend supersedes older ones. */
async function latestCode(env: JourneyEnv, j: Journal, to: string, before: number, until: number): Promise<string> {
  for (;;) {
    const all = messages(env, to);
    if (all.length > before) return all[all.length - 1]!;
    if (Date.now() > until) {
      j.codesLost += 1; // the API said it was sent
      throw new GaveUp(`no code reached ${to.includes('@') ? 'the mailbox' : 'the phone'}`);
    }
    await sleep(100);
  }
}
