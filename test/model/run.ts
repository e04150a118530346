// Runs the model-based test: fast-check generates sequences of commands (./commands.ts) over
// a small world of accounts that share phone numbers, emails and ID numbers, runs each against
// the real stack from a fresh world, checks every step against the model (./world.ts,
// ./invariants.ts), and shrinks a failing sequence to a short one. The seed is printed so a
// failure replays (MODEL_SEED, MODEL_PATH).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { uniqueIdNumber } from '../support/real-name';
import { uniqueEmail, uniquePhone } from '../support/stack';
import { COMMANDS } from './commands';
import { SCENE_COMMANDS } from './scenes';
import { RECOVERY_COMMANDS } from './recovery';
import { RESET_COMMANDS } from './password-reset';
import { SECURITY_COMMANDS } from './security-check';
import { REDACTION_COMMANDS } from './redaction';
import { PROVIDER_COMMANDS } from './provider-commands';
import { faceRowIssued } from './face-providers';
import type { ModelStack } from './stack';
import { System } from './system';
import { FACE_SCENES, LIMITS, PROVIDERS, type AccountModel, type World } from './world';

/** The stack settings the model's LIMITS describe. */
export const MODEL_ENV: Record<string, string> = {
  BIND_FLOW_TTL_SEC: String(LIMITS.flowTtlSec),
  REBIND_FLOW_TTL_SEC: String(LIMITS.flowTtlSec),
  RECOVERY_FLOW_TTL_SEC: String(LIMITS.flowTtlSec),
  SCENE_CODE_FLOW_TTL_SEC: String(LIMITS.flowTtlSec),
  PASSWORD_RESET_FLOW_TTL_SEC: String(LIMITS.flowTtlSec),
  SECURITY_CHECK_FLOW_TTL_SEC: String(LIMITS.flowTtlSec),
  // a pass outlives a sequence: its expiry is the e2e suite's (test/e2e/security-check.test.ts)
  SECURITY_PASS_TTL_SEC: '3600',
  RECOVERY_GRANT_TTL_SEC: String(LIMITS.recoveryGrantTtlSec),
  FACE_TOKEN_TTL_SEC: String(LIMITS.faceTtlSec),
  CODE_MAX_WRONG_PER_FLOW: String(LIMITS.maxWrong),
  FACE_FREE_PER_ACCOUNT: String(LIMITS.freeFace),
  REBIND_NEW_CONTACTS_PER_FLOW: String(LIMITS.newContactsPerRebind),
  REAL_NAME_STARTS_PER_ACCOUNT_PER_DAY: String(LIMITS.realNameStartsPerAccount),
  CONTACT_CHECKS_PER_ACCOUNT_PER_DAY: String(LIMITS.contactChecksPerAccount),
  FACE_COMPLETIONS_PER_CHECK: String(LIMITS.completionsPerCheck),
  NOTICE_SMS_DAILY_LIMIT: String(LIMITS.noticesPerDay.sms),
  NOTICE_MAIL_DAILY_LIMIT: String(LIMITS.noticesPerDay.mail),
  CODE_RESEND_GAP_SEC: '0',
  ID_CHECK_GAP_SEC: '0',
  ID_CHECK_PER_IP_PER_DAY: '1000',
};

export interface ModelOptions {
  runs: number;
  maxCommands: number;
  seed: number;
  /** fast-check's path and the commands' replayPath of a printed failure: replay exactly it */
  path?: string;
  replayPath?: string;
  /** stop generating new sequences after this long (shrinking a failure still completes) */
  timeLimitMs?: number;
  progress?: (line: string) => void;
}

export interface ModelStats {
  seed: number;
  sequences: number;
  steps: number;
  commands: Record<string, number>;
  outcomes: Record<string, number>;
}

/**
 * Five accounts: a0 with phone and email, real-name verified (through the saga, with an ID
 * number of its own) and one purchased face check; a1 with phone and email; a2 with a phone;
 * a3 with an email; a4 with nothing. Then the phone numbers, emails and ID numbers they may
 * fight over (two of each contact free at the start).
 */
async function freshWorld(sys: System): Promise<World> {
  const run = randomUUID().slice(0, 8);
  // every scene back to the configured providers, every sandbox up (a failed sequence may have left them otherwise)
  sys.setOutage(null);
  for (const scene of FACE_SCENES) {
    const r = await sys.call('DELETE', `/v1/face-providers/${scene}`);
    if (r.status !== 200) throw new Error(`face providers of ${scene} not reset: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const counters = (await sys.call('GET', '/v1/counters')).body.counters as { key: string; total: number }[];
  const counterBase = Object.fromEntries(PROVIDERS.map((p) => [p, counters.find((c) => c.key === `api:face:${p}`)?.total ?? 0]));
  const phones = [uniquePhone(), uniquePhone(), uniquePhone(), uniquePhone(), uniquePhone()];
  const emails = [uniqueEmail(), uniqueEmail(), uniqueEmail(), uniqueEmail(), uniqueEmail()];
  const seeded: [string | null, string | null][] = [
    [phones[0]!, emails[0]!],
    [phones[1]!, emails[1]!],
    [phones[2]!, null],
    [null, emails[2]!],
    [null, null],
  ];
  const accounts: AccountModel[] = [];
  for (const [i, [phone, email]] of seeded.entries()) {
    const id = `m-${run}-${i}`;
    await sys.createAccount(id, phone, email, 2);
    accounts.push({
      id,
      phone,
      email,
      verifiedId: null,
      freeUsed: 0,
      purchased: 0,
      flows: {},
      started: new Set(),
      historiesDeleted: new Set(),
      redacted: new Set(),
      identityRedacted: false,
      lastFace: null,
      completions: {},
      sessionsLive: 2,
      contactChecks: 0,
      realNameStarts: 0,
      events: {},
      flagged: false,
      frozen: false,
      cancellationPending: false,
      securityPass: null,
      faceRows: {},
      verdicts: {},
    });
  }
  const a0 = accounts[0]!;
  a0.verifiedId = await sys.verify(a0.id, uniqueIdNumber());
  a0.freeUsed = 1;
  a0.realNameStarts = 1;
  a0.started.add('real-name');
  a0.events['real_name.verified'] = 1;
  // by real-name's configured first provider for an app
  faceRowIssued(a0, 'dcloud', []);
  a0.verdicts.dcloud = 1;
  await sys.buyFaceCheck(a0.id);
  a0.purchased = 1;
  return {
    run,
    accounts,
    phones,
    emails,
    ids: [uniqueIdNumber(), uniqueIdNumber()],
    lookups: {},
    notices: {},
    codesSent: {},
    sms: {},
    mail: {},
    providers: {},
    outage: null,
    counterBase,
    steps: 0,
    outcomes: {},
  };
}

export async function runModel(stack: ModelStack, opts: ModelOptions): Promise<ModelStats> {
  const sys = new System(stack);
  const stats: ModelStats = { seed: opts.seed, sequences: 0, steps: 0, commands: {}, outcomes: {} };
  await fc.assert(
    fc.asyncProperty(fc.commands([...COMMANDS, ...SCENE_COMMANDS, ...RECOVERY_COMMANDS, ...RESET_COMMANDS, ...SECURITY_COMMANDS, ...REDACTION_COMMANDS, ...PROVIDER_COMMANDS], { maxCommands: opts.maxCommands, size: 'max', replayPath: opts.replayPath }), async (cmds) => {
      const world = await freshWorld(sys);
      stats.sequences += 1;
      const t0 = Date.now();
      try {
        await fc.asyncModelRun(() => Promise.resolve({ model: world, real: sys }), cmds);
      } finally {
        stats.steps += world.steps;
        opts.progress?.(`sequence ${stats.sequences}: ${world.steps} steps in ${Math.round((Date.now() - t0) / 1000)} s`);
        for (const [k, n] of Object.entries(world.outcomes)) stats.outcomes[k] = (stats.outcomes[k] ?? 0) + n;
        for (const c of cmds) {
          const name = String(c).replace(/[[(].*$/, '');
          stats.commands[name] = (stats.commands[name] ?? 0) + 1;
        }
      }
    }),
    { numRuns: opts.runs, seed: opts.seed, path: opts.path, interruptAfterTimeLimit: opts.timeLimitMs, endOnFailure: process.env.MODEL_NO_SHRINK === "1" },
  );
  return stats;
}
