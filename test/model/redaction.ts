// Redaction's command of the model-based test (flows/retention/, docs/rules.md#redaction-and-retention):
// an operator redacts every face check of an account, between any other steps, again and again.
// The model says when it is refused (a flow that owns a face check still runs: all or nothing),
// that each check is redacted once (one face_verification.redacted event, however often asked),
// and what a redacted identity refuses afterwards (every face method: REAL_NAME_REQUIRED).
// Redaction deletes the checks' histories, so a request to a flow whose run owned one may find
// it closed or gone (the server deletes asynchronously): commands.ts#expectNoFlow accepts both.
import fc from 'fast-check';
import { Compose, expectAnswer, Step } from './commands';
import { eventually, type System } from './system';
import { event, ModelError, type AccountModel, type FlowName, type World } from './world';

/** The flows of the account that own a face check and still run. */
function runningFaceOwners(a: AccountModel): FlowName[] {
  return (Object.entries(a.flows) as [FlowName, NonNullable<AccountModel['flows'][FlowName]>][])
    .filter(([, f]) => f.type === 'real-name' || (f.type === 'scene' && f.face !== null) || (f.type === 'rebind' && f.method === 'face') || (f.type === 'recovery' && f.method === 'face'))
    .map(([name]) => name);
}

/** Flow names whose newest run may have owned a face check (their histories may be deleted). */
const FACE_OWNERS: FlowName[] = ['real-name', 'rebind-phone', 'rebind-email', 'reset-security', 'unfreeze', 'cancellation', 'recovery'];

class RedactAccount extends Step {
  constructor(readonly acct: number) {
    super();
  }
  toString() {
    return `RedactAccount(a${this.acct})`;
  }
  async act(w: World, sys: System) {
    const a = w.accounts[this.acct]!;
    const what = this.toString();
    const redact = () => sys.call('POST', `/v1/accounts/${a.id}/face-attempts/redact`, {});
    const running = runningFaceOwners(a);
    if (running.length > 0) {
      const r = await redact();
      expectAnswer(r, 409, 'REDACTION_FLOW_RUNNING', what);
      const named = (r.body.error.details?.flows ?? []) as string[];
      if (!running.every((name) => named.includes(`${name}:${a.id}`))) throw new ModelError(`${what}: named ${JSON.stringify(named)}, running ${running}`);
      return;
    }
    // a flow the model has closed may still be closing its face check (a cancel, an expiry):
    // refused meanwhile, with nothing changed; asked again until it has closed
    let r = await redact();
    await eventually(async () => {
      if (r.status === 409 && r.body.error.code === 'REDACTION_FLOW_RUNNING') r = await redact();
      return r.status !== 409;
    }, 'the closed flows closed their face checks', 15_000);
    expectAnswer(r, 200, null, what);
    const rows = r.body.redactions as { id: string; accountId: string; redactedAt: string | null; redactedBy: string }[];
    if (rows.some((x) => x.accountId !== a.id || x.redactedAt === null)) throw new ModelError(`${what}: ${JSON.stringify(rows)}`);
    // each check is redacted once: its event once, whoever asks again
    for (const row of rows) {
      if (a.redacted.has(row.id)) continue;
      a.redacted.add(row.id);
      event(a, 'face_verification.redacted');
    }
    if (a.verifiedId) a.identityRedacted = true;
    for (const name of FACE_OWNERS) if (a.started.has(name)) a.historiesDeleted.add(name);
    a.lastFace = null;
  }
}

const acct = fc.integer({ min: 0, max: 4 });

export const REDACTION_COMMANDS: fc.Arbitrary<fc.AsyncCommand<World, System>>[] = [
  acct.map((a) => new RedactAccount(a)),
  // asked twice in a row (a retried operator call): the same answer, no second event
  acct.map((a) => new Compose('RedactTwice', [new RedactAccount(a), new RedactAccount(a)])),
];
