// The reference model of the product's rules (docs/rules.md) the model-based test checks the real stack against:
// who holds which contact, who is verified with which ID number, face quota, the live flows
// and their codes, which callback events and notices are due, how many codes each address
// got (daily caps), and the per-day slots the abuse limits count. Small on purpose: it says
// what must be true, never how the product does it.

export class ModelError extends Error {
  override name = 'ModelError';
}

export type Kind = 'phone' | 'email';
export type Method = 'sms' | 'email' | 'face';
/**
 * The devices every account registers: app devices (metaInfo with a sandbox magic word) and
 * mini-program users (an openid); what each provider answers for each is in ./face-providers.ts.
 */
export type FaceDevice = 'ok' | 'fail' | 'upstream' | 'processing' | 'pending' | 'a204' | 'a500' | 'mp-ok' | 'mp-fail' | 'mp-wait' | 'mp-play';
export const FACE_DEVICES: readonly FaceDevice[] = ['ok', 'fail', 'upstream', 'processing', 'pending', 'a204', 'a500', 'mp-ok', 'mp-fail', 'mp-wait', 'mp-play'];
export const PROVIDERS = ['dcloud', 'aliyun', 'wechat'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
/** The scenes a face check runs in (each has its own provider chain). */
export const FACE_SCENES = ['personal', 'rebind_phone', 'rebind_email', 'recovery', 'reset_security', 'unfreeze', 'cancellation'] as const;
export type FaceScene = (typeof FACE_SCENES)[number];
/** What the provider that issued a check will say once the app finished: pending = no verdict before the retries run out. */
export type Verdict = 'success' | 'fail' | 'pending';

/** The limits the model stack runs with (test/model/run.ts sets the same in its env). */
export const LIMITS = {
  flowTtlSec: 24,
  faceTtlSec: 24,
  maxWrong: 5,
  freeFace: 1,
  newContactsPerRebind: 3,
  realNameStartsPerAccount: 6,
  completionsPerCheck: 10,
  contactChecksPerAccount: 10,
  perDay: { bind_phone: 6, bind_email: 5, unbind_phone: 5, unbind_email: 5, recover_account: 5, unfreeze_account: 5, cancel_account: 5, update_password: 6, security_check: 5 } as Record<string, number>,
  lookupsPerIdentifier: 5,
  recoveryGrantTtlSec: 24,
  /** security notices per account, scene and day (NOTICE_*_DAILY_LIMIT; low, so runs reach them) */
  noticesPerDay: { sms: 2, mail: 3 },
};

export interface CodeChallengeModel {
  /** the address the codes go to */
  to: string;
  scene: string;
  channel: 'sms' | 'mail';
  /** the newest code sent in this challenge (null: none went out) */
  code: string | null;
  sent: number;
  attempts: number;
}

export interface BindFlow {
  type: 'bind';
  kind: Kind;
  deadline: number;
  /** wrong codes of the flow (5 lock it) */
  wrong: number;
  target: string;
  challenge: CodeChallengeModel;
}

export interface RebindFlow {
  type: 'rebind';
  kind: Kind;
  method: Method;
  deadline: number;
  /** wrong codes of the flow, across the proof and the new contact's code */
  wrong: number;
  proof: CodeChallengeModel | null;
  face: FaceCheckModel | null;
  token: string | null;
  collects: number;
  /** the new contacts tried in this flow (the cap counts them) */
  targets: string[];
  fresh: (CodeChallengeModel & { target: string }) | null;
}

export interface RealNameFlow {
  type: 'real-name';
  deadline: number;
  idNumber: string;
  device: FaceDevice;
  digestKey: string;
  face: FaceCheckModel;
  repeats: number;
  /** the security pass this run spent (an unsafe environment proven by SMS) */
  pass?: string;
}

export interface FaceCheckModel {
  device: FaceDevice;
  certifyId: string;
  clientToken: string;
  faceCheckId: string;
  deadline: number;
  /** the provider that issued it (the start answered it), and what that provider will decide */
  provider: ProviderName;
  verdict: Verdict;
  /** the mini-program's side was played for it (once: WeChat refuses a second verdict) */
  played?: boolean;
  /** the outcome a completion of this check was answered with (a repeat gets it again) */
  answer?: string;
}

/** A face scene (flows/face-scene/): one face check, then the scene's effect. */
export type SceneName = 'reset_security' | 'unfreeze' | 'cancellation';
export type SceneFlowName = 'reset-security' | 'unfreeze' | 'cancellation';
export const SCENE_FLOW: Record<SceneName, SceneFlowName> = { reset_security: 'reset-security', unfreeze: 'unfreeze', cancellation: 'cancellation' };
export const SCENE_EVENT: Record<SceneName, string> = { reset_security: 'account.security_reset', unfreeze: 'account.unfrozen', cancellation: 'account.cancellation_requested' };

export interface SceneFlow {
  type: 'scene';
  scene: SceneName;
  deadline: number;
  /** null: the code method (unfreeze, cancellation), which holds no face unit */
  face: FaceCheckModel | null;
  code: CodeChallengeModel | null;
  wrong: number;
  repeats: number;
}

/** Account recovery (flows/recovery/) by a code or a face check; deadline: the proof's, then the grant's. */
export interface RecoveryFlow {
  type: 'recovery';
  method: 'sms' | 'mail' | 'face';
  deadline: number;
  wrong: number;
  /** by code: its challenge; by face: its check (null once completed) */
  challenge: CodeChallengeModel | null;
  face: FaceCheckModel | null;
  /** by face: the check passed, so a grant was issued (collected or not) */
  verified: boolean;
  grant: string | null;
  repeats: number;
  collects: number;
  sentTo: string;
}

/** Password reset by a code (flows/password-reset/); keep: the session that asked (sms). */
export interface ResetFlow {
  type: 'reset';
  method: 'sms' | 'mail';
  /** repeats of the start answered with the live run's answer (a double click) */
  repeats: number;
  sentTo: string;
  deadline: number;
  wrong: number;
  challenge: CodeChallengeModel;
  grant: string | null;
  keep: string | null;
}

/** The security check (flows/security-check/): a code to the bound phone; the run ends with its pass. */
export interface SecurityFlow {
  type: 'security';
  deadline: number;
  wrong: number;
  challenge: CodeChallengeModel;
  repeats: number;
  device: FaceDevice;
}

/** A security pass handed out: for the device the check named; spent by the real-name run that took it. */
export interface SecurityPassModel {
  pass: string;
  device: FaceDevice;
  spent: boolean;
}

export type Flow = BindFlow | RebindFlow | RealNameFlow | SceneFlow | RecoveryFlow | ResetFlow | SecurityFlow;
export type FlowName = 'bind-phone' | 'bind-email' | 'rebind-phone' | 'rebind-email' | 'real-name' | SceneFlowName | 'recovery' | 'password-reset' | 'security-check';

export interface AccountModel {
  id: string;
  phone: string | null;
  email: string | null;
  verifiedId: string | null;
  freeUsed: number;
  purchased: number;
  flows: Partial<Record<FlowName, Flow>>;
  /** flow ids that ever had a run (a closed one answers FLOW_CLOSED, an unknown one FLOW_NOT_FOUND) */
  started: Set<FlowName>;
  /** flow names whose newest closed run's history a redaction may have deleted */
  historiesDeleted: Set<FlowName>;
  /** face checks redacted (their ids), and whether the real-name identity is gone */
  redacted: Set<string>;
  identityRedacted: boolean;
  /** the newest real-name face check, to replay its client token after it closed */
  lastFace: FaceCheckModel | null;
  /** completions the API relayed per face check id (it relays at most FACE_COMPLETIONS_PER_CHECK) */
  completions: Record<string, number>;
  sessionsLive: number;
  contactChecks: number;
  realNameStarts: number;
  /** callback events due, by type */
  events: Record<string, number>;
  /** the account state the platform sets and the face scenes clear */
  flagged: boolean;
  frozen: boolean;
  cancellationPending: boolean;
  /** the newest security pass (an older one is never used again by the model) */
  securityPass: SecurityPassModel | null;
  /** face rows issued, by provider and the providers failed over from (./face-providers.ts#faceRowKey) */
  faceRows: Record<string, number>;
  /** verdicts each provider answered for the account's checks (api:face:<provider>) */
  verdicts: Partial<Record<ProviderName, number>>;
}

export interface World {
  run: string;
  accounts: AccountModel[];
  phones: string[];
  emails: string[];
  ids: string[];
  /** account lookups today per identifier (RECOVERY_LOOKUPS_PER_IDENTIFIER_PER_DAY) */
  lookups: Record<string, number>;
  /** security notices owed today per `${account}:${scene}:${channel}` (sent or capped) */
  notices: Record<string, number>;
  /** codes sent today per `${scene}:${address}` (the per-address daily caps) */
  codesSent: Record<string, number>;
  /** messages each address must have received: codes and notices */
  sms: Record<string, number>;
  mail: Record<string, number>;
  /** the operator's chain per scene (PUT /v1/face-providers/:scene); absent: the configured one */
  providers: Partial<Record<FaceScene, ProviderName[]>>;
  /** the provider whose sandbox is down for every device while the current start runs */
  outage: ProviderName | null;
  /** api:face:<provider> totals (GET /v1/counters) when the sequence began: the database is the model stack's own */
  counterBase: Record<string, number>;
  /** how many commands ran, and which outcomes they reached, for the print */
  steps: number;
  outcomes: Record<string, number>;
}

/** Counts an outcome a step reached (to show which paths the sequences really exercised). */
export function note(w: World, outcome: string): void {
  w.outcomes[outcome] = (w.outcomes[outcome] ?? 0) + 1;
}

export const flowKey = (type: 'bind' | 'rebind', kind: Kind) => `${type}-${kind}` as const;

export function ownerOf(w: World, kind: Kind, address: string): AccountModel | null {
  return w.accounts.find((a) => a[kind] === address) ?? null;
}

export function subjectHolder(w: World, idNumber: string): AccountModel | null {
  return w.accounts.find((a) => a.verifiedId === idNumber) ?? null;
}

/** Live face checks hold a unit each (real-name awaiting the app, face rebinds awaiting it). */
export function held(a: AccountModel): number {
  let n = 0;
  for (const f of Object.values(a.flows)) {
    if (f?.type === 'real-name' || (f?.type === 'scene' && f.face) || (f?.type === 'recovery' && f.face)) n += 1;
    if (f?.type === 'rebind' && f.face && f.token === null) n += 1;
  }
  return n;
}

export const freeLeft = (a: AccountModel) => Math.max(0, LIMITS.freeFace - a.freeUsed);

export type QuotaSource = 'free' | 'purchased' | 'none';

/** One unit consumed: the free count first, then a purchased one. */
export function consume(a: AccountModel): QuotaSource {
  if (freeLeft(a) > 0) {
    a.freeUsed += 1;
    return 'free';
  }
  if (a.purchased > 0) {
    a.purchased -= 1;
    return 'purchased';
  }
  return 'none';
}

/** The unit a check consumed goes back where it came from. */
export function refund(a: AccountModel, source: QuotaSource): void {
  if (source === 'free') a.freeUsed -= 1;
  if (source === 'purchased') a.purchased += 1;
}

export function countMessage(w: World, channel: 'sms' | 'mail', to: string): void {
  const box = channel === 'sms' ? w.sms : w.mail;
  box[to] = (box[to] ?? 0) + 1;
}

/**
 * The notices a committed change owes each contact the account had: sent while the day's cap
 * for the account, the notice's scene and the channel allows, capped after. Answers what the
 * result's notices list must say, in its order (sms, then mail).
 */
export function noticesOwed(w: World, a: { id: string; phone: string | null; email: string | null }, scene: string): string[] {
  const owed: string[] = [];
  for (const [channel, to] of [['sms', a.phone], ['mail', a.email]] as const) {
    if (!to) continue;
    const key = `${a.id}:${scene}:${channel}`;
    const n = (w.notices[key] ?? 0) + 1;
    w.notices[key] = n;
    if (n > LIMITS.noticesPerDay[channel]) {
      owed.push(`${channel}:capped`);
    } else {
      owed.push(`${channel}:sent`);
      countMessage(w, channel, to);
    }
  }
  return owed;
}

/** The result's notices as noticesOwed words them. */
export const noticeStatuses = (notices: { channel: string; status: string }[]) => notices.map((n) => `${n.channel}:${n.status}`);

export function codeSent(w: World, c: CodeChallengeModel, code: string): void {
  const key = `${c.scene}:${c.to}`;
  w.codesSent[key] = (w.codesSent[key] ?? 0) + 1;
  c.code = code;
  c.sent += 1;
  countMessage(w, c.channel, c.to);
}

/** Whether a send in this challenge is refused before anything goes out (a daily cap). */
export function dailyCapReached(w: World, c: CodeChallengeModel): boolean {
  const perDay = LIMITS.perDay[c.scene]!;
  return c.sent >= perDay || c.attempts >= 2 * perDay || (w.codesSent[`${c.scene}:${c.to}`] ?? 0) >= perDay;
}

export function event(a: AccountModel, type: string): void {
  a.events[type] = (a.events[type] ?? 0) + 1;
}

/** A contact changed: every session of the account ends (none is named as kept here). */
export function contactChanged(a: AccountModel, kind: Kind, to: string, type: 'bound' | 'rebound'): void {
  a[kind] = to;
  a.sessionsLive = 0;
  event(a, `${kind}.${type}`);
}

