// Flows run again: after a failure, a second time, raced, retried mid-step. Each case is a
// defect found by running flows more than once (issue 8), kept as a fixed regression case;
// the model-based test (test/model) generates such sequences at random.
import { contactAad, contactIndex } from '../../db/accounts';
import { decryptIdentity, findRealNameRecord } from '../../db/real-name';
import { waitFor, waitForAsync } from '../support/wait';
import { seedAccount, type Seeded } from '../support/accounts';
import { complete, metaInfo, quotaOf, readyAccount, sdkOk, startRealName, uniqueIdNumber, uniqueIp } from '../support/real-name';
import { call, startStack, uniqueEmail, uniquePhone, type Stack } from '../support/stack';
import { createActivities } from '../../flows/activities';
import { cancelFlowUpdate, legacyCancelSignal } from '../../flows/shared/contract';
import { contactIndex as blindIndex } from '../../db/accounts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    CODE_RESEND_GAP_SEC: '0',
    REAL_NAME_STARTS_PER_ACCOUNT_PER_DAY: '3',
    CONTACT_CHECKS_PER_ACCOUNT_PER_DAY: '4',
    REBIND_NEW_CONTACTS_PER_FLOW: '2',
  });
});
afterAll(async () => {
  await stack?.close();
});

const smsTo = (phone: string, n: number) => waitFor(() => stack.sms.forPhone(phone)[n - 1]);
const mailTo = (email: string, n: number) => waitFor(() => stack.smtp.forRecipient(email)[n - 1]);
const q = (sql: string, params: unknown[]) => stack.deps.pool.query(sql, params).then((r) => r.rows);

/** A real-name verified account (through the real saga) with `units` purchased face checks. */
async function verified(units: number): Promise<{ id: string; deviceId: string }> {
  const a = await readyAccount(stack);
  const start = await startRealName(stack, a.id, a.deviceId);
  expect((await complete(stack, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, a.deviceId))).body.result.outcome).toBe('verified');
  await q('UPDATE accounts SET face_number = $2 WHERE id = $1', [a.id, units]);
  return a;
}

/** Proof by SMS code → unbind token. */
async function proven(a: Seeded, kind: 'phone' | 'email'): Promise<{ flowId: string; token: string }> {
  const flowId = `rebind-${kind}:${a.id}`;
  const before = stack.sms.forPhone(a.phone!).length;
  expect((await call(stack, 'POST', `/v1/accounts/${a.id}/${kind}/rebind`, { method: 'sms' })).status).toBe(201);
  const code = (await smsTo(a.phone!, before + 1)).params[0]!;
  const proof = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code });
  expect(proof.status).toBe(200);
  return { flowId, token: proof.body.proof.unbindToken };
}

describe('real-name after a failure', () => {
  test('a FAIL face check, then a new attempt from another device: a new certifyId, verified', async () => {
    const { id, deviceId } = await readyAccount(stack, { magic: 'fail' });
    const first = await startRealName(stack, id, deviceId);
    expect((await complete(stack, first.body.flow.clientToken, sdkOk(first.body.flow.certifyId, deviceId))).body.result.outcome).toBe('fail');
    await q('UPDATE accounts SET face_number = 1 WHERE id = $1', [id]);
    const device2 = `${deviceId}-b`;
    expect((await call(stack, 'PUT', `/v1/accounts/${id}/devices/${device2}`, { metaInfo: metaInfo() })).status).toBe(201);
    const calls = stack.face.calls('getCertifyId');
    const second = await startRealName(stack, id, device2, { idNumber: uniqueIdNumber() });
    expect(second.status).toBe(201);
    expect(second.body.flow.cache).toBe(false);
    expect(second.body.flow.certifyId).not.toBe(first.body.flow.certifyId);
    expect(second.body.flow.faceCheckId).not.toBe(first.body.flow.faceCheckId);
    expect(stack.face.calls('getCertifyId')).toBe(calls + 1);
    const done = await complete(stack, second.body.flow.clientToken, sdkOk(second.body.flow.certifyId, device2));
    expect(done.body.result.outcome).toBe('verified');
    // each run billed its own unit: the free one, then the purchased one
    expect(await quotaOf(stack, id)).toEqual({ free: 1, purchased: 0 });
    const rows = await q('SELECT status FROM face_verifications WHERE account_id = $1 ORDER BY id', [id]);
    expect(rows.map((r) => r.status)).toEqual(['fail', 'success']);
    const events = await q('SELECT type FROM callback_events WHERE account_id = $1 ORDER BY id', [id]);
    expect(events.map((r) => r.type)).toEqual(['real_name.failed', 'real_name.verified']);
  });

  test('a completion repeated after its check closed gets its answer again, for that run only', async () => {
    const { id, deviceId } = await readyAccount(stack, { magic: 'fail' });
    const first = (await startRealName(stack, id, deviceId)).body.flow;
    const answer = await complete(stack, first.clientToken, sdkOk(first.certifyId, deviceId));
    expect(answer.body.result.outcome).toBe('fail');
    const calls = stack.face.calls('getAuthResult');
    const again = await complete(stack, first.clientToken, sdkOk(first.certifyId, deviceId));
    expect(again.status).toBe(200);
    expect(again.body.result).toEqual(answer.body.result);
    expect(stack.face.calls('getAuthResult')).toBe(calls); // answered from the closed run, no provider call
    // a second run of the same flow id does not change what the first run's repeat answers
    await q('UPDATE accounts SET face_number = 1 WHERE id = $1', [id]);
    const second = (await startRealName(stack, id, deviceId, { idNumber: uniqueIdNumber() })).body.flow;
    const repeat = await complete(stack, first.clientToken, sdkOk(first.certifyId, deviceId));
    expect(repeat.body.result).toEqual(answer.body.result);
    expect(repeat.body.result.certifyId).not.toBe(second.certifyId);
    expect(await quotaOf(stack, id)).toEqual({ free: 1, purchased: 1 });
  });

  test('the old client token cannot complete the new run', async () => {
    const { id, deviceId } = await readyAccount(stack, { magic: 'fail' });
    const first = await startRealName(stack, id, deviceId);
    await complete(stack, first.body.flow.clientToken, sdkOk(first.body.flow.certifyId, deviceId));
    await q('UPDATE accounts SET face_number = 1 WHERE id = $1', [id]);
    const second = await startRealName(stack, id, deviceId, { idNumber: uniqueIdNumber() });
    const stale = await complete(stack, first.body.flow.clientToken, sdkOk(second.body.flow.certifyId, deviceId));
    expect(stale.status).toBe(403);
    expect(stale.body.error.code).toBe('FACE_TOKEN_INVALID');
  });
});

describe('rebind run again', () => {
  test('a second face rebind runs its own face check: new certifyId, no replay of the first SUCCESS', async () => {
    const a = await verified(2);
    const flowId = `rebind-phone:${a.id}`;
    const runOnce = async () => {
      const start = await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'face', deviceId: a.deviceId });
      expect(start.status).toBe(201);
      return start.body.flow;
    };
    const first = await runOnce();
    expect((await complete(stack, first.clientToken, sdkOk(first.certifyId, a.deviceId))).body.result.outcome).toBe('success');
    expect((await call(stack, 'DELETE', `/v1/flows/${flowId}`)).status).toBe(200);

    const calls = stack.face.calls('getCertifyId');
    const second = await runOnce();
    expect(second.faceCheckId).not.toBe(first.faceCheckId);
    expect(second.certifyId).not.toBe(first.certifyId);
    expect(stack.face.calls('getCertifyId')).toBe(calls + 1);
    // the first check's token and certifyId are dead for the second run
    expect((await complete(stack, first.clientToken, sdkOk(second.certifyId, a.deviceId))).body.error.code).toBe('FACE_TOKEN_INVALID');
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/proof`)).body.error.code).toBe('PROOF_NOT_DONE');
    // and an unregistered device gets no face check at all
    await call(stack, 'DELETE', `/v1/flows/${flowId}`);
    const stranger = await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'face', deviceId: 'never-registered' });
    expect(stranger.body.error.code).toBe('FACE_METAINFO_MISSING');
  });

  test('rebinding the phone twice notifies the old contacts both times; two events, two audit rows', async () => {
    const a = await seedAccount(stack, { email: true });
    const phones = [uniquePhone(), uniquePhone()];
    let old = a.phone!;
    for (const [i, next] of phones.entries()) {
      const { flowId, token } = await proven({ ...a, phone: old }, 'phone');
      await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: next, token });
      const done = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code: (await smsTo(next, 1)).params[0], token });
      expect(done.body.result.outcome).toBe('rebound');
      expect(done.body.result.notices.map((n: { status: string }) => n.status)).toEqual(['sent', 'sent']);
      // the number being replaced got its proof code, then the notice
      const toOld = stack.sms.forPhone(old).length;
      expect((await smsTo(old, toOld)).templateId).toBe('2133448');
      expect(stack.sms.forPhone(old)[toOld - 2]!.templateId).toBe('1646861');
      expect((await mailTo(a.email!, i + 1)).text).toContain('手机号换绑');
      old = next;
    }
    expect(await q("SELECT count(*)::int AS n FROM callback_events WHERE account_id = $1 AND type = 'phone.rebound'", [a.id])).toEqual([{ n: 2 }]);
    expect(await q("SELECT count(*)::int AS n FROM audit_events WHERE account_id = $1 AND type = 'phone.rebound'", [a.id])).toEqual([{ n: 2 }]);
  });

  test('the change, the session endings, the event and the audit row commit together, retried until they do', async () => {
    const a = await seedAccount(stack, { sessions: ['s1', 's2'] });
    const { flowId, token } = await proven(a, 'phone');
    const next = uniquePhone();
    await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: next, token });
    const code = (await smsTo(next, 1)).params[0];
    // the session step fails (a trigger, for this account only): the whole commit rolls back
    const fn = `vsaga_fail_${a.id.replace(/\W/g, '_')}`;
    await q(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.account_id = '${a.id}' THEN RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $$`, []);
    await q(`CREATE TRIGGER ${fn} BEFORE UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION ${fn}()`, []);
    try {
      const submitted = call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code, token });
      await new Promise((r) => setTimeout(r, 3000)); // a few failed attempts
      expect(await q('SELECT contact_version FROM accounts WHERE id = $1', [a.id])).toEqual([{ contact_version: 1 }]);
      expect(await q('SELECT count(*)::int AS n FROM callback_events WHERE account_id = $1', [a.id])).toEqual([{ n: 0 }]);
      expect((await call(stack, 'GET', `/v1/flows/${flowId}`)).body.flow.stage).toBe('applying');
      await q(`DROP TRIGGER ${fn} ON sessions`, []);
      const done = await submitted;
      expect(done.body.result).toMatchObject({ outcome: 'rebound', sessionsEnded: [`${a.id}-s1`, `${a.id}-s2`] });
    } finally {
      await q(`DROP TRIGGER IF EXISTS ${fn} ON sessions`, []);
      await q(`DROP FUNCTION IF EXISTS ${fn}()`, []);
    }
    expect(await q('SELECT count(*)::int AS n FROM sessions WHERE account_id = $1 AND ended_at IS NULL', [a.id])).toEqual([{ n: 0 }]);
    expect(await q("SELECT count(*)::int AS n FROM callback_events WHERE account_id = $1 AND type = 'phone.rebound'", [a.id])).toEqual([{ n: 1 }]);
    expect(await q("SELECT count(*)::int AS n FROM audit_events WHERE account_id = $1 AND type = 'phone.rebound'", [a.id])).toEqual([{ n: 1 }]);
  }, 30_000);

  test('one unbind token reaches at most REBIND_NEW_CONTACTS_PER_FLOW different numbers', async () => {
    const a = await seedAccount(stack);
    const { flowId, token } = await proven(a, 'phone');
    const numbers = [uniquePhone(), uniquePhone(), uniquePhone()];
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: numbers[0], token })).status).toBe(200);
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: numbers[1], token })).status).toBe(200);
    const third = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: numbers[2], token });
    expect(third.status).toBe(429);
    expect(third.body.error).toMatchObject({ code: 'NEW_CONTACT_LIMIT', details: { limit: 2 } });
    expect(stack.sms.forPhone(numbers[2]!)).toHaveLength(0);
    // a resend to a number already tried is still fine
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: numbers[1], token })).status).toBe(200);
  });

  test('a rebind refused at the commit (number taken meanwhile) goes back to asking for a new contact', async () => {
    const a = await seedAccount(stack);
    const { flowId, token } = await proven(a, 'phone');
    const wanted = uniquePhone();
    await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: wanted, token });
    const code = (await smsTo(wanted, 1)).params[0];
    // another account binds the number first
    const b = await seedAccount(stack, { phone: false });
    await call(stack, 'POST', `/v1/accounts/${b.id}/phone/bind`, { phone: wanted });
    await call(stack, 'POST', `/v1/flows/bind-phone:${b.id}/code`, { code: (await smsTo(wanted, 2)).params[0] });
    const lost = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code, token });
    expect(lost.body.error.code).toBe('PHONE_TAKEN');
    const state = (await call(stack, 'GET', `/v1/flows/${flowId}`)).body.flow;
    expect(state).toMatchObject({ stage: 'awaiting_new_contact', outcome: null, newContact: { target: null } });
    // nobody was told of a change that did not happen
    expect(stack.sms.forPhone(a.phone!).filter((m) => m.templateId === '2133448')).toHaveLength(0);
    const other = uniquePhone();
    await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: other, token });
    const done = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code: (await smsTo(other, 1)).params[0], token });
    expect(done.body.result.outcome).toBe('rebound');
  });
});

describe('messages', () => {
  test('a code send retried after the gateway took the message finds it in the delivery reports: one SMS; its code works', async () => {
    const a = await seedAccount(stack, { phone: false });
    const phone = uniquePhone();
    stack.sms.setFailure('deliver-then-timeout');
    const started = call(stack, 'POST', `/v1/accounts/${a.id}/phone/bind`, { phone });
    try {
      await smsTo(phone, 1); // delivered; its answer never comes back (client timeout 3 s)
    } finally {
      stack.sms.setFailure(null);
    }
    // answered once the retry settled the send
    expect((await started).status).toBe(201);
    const sms = stack.sms.forPhone(phone);
    expect(sms).toHaveLength(1);
    const log = await q("SELECT status, provider_ref FROM message_log WHERE account_id = $1 AND kind = 'code'", [a.id]);
    expect(log).toEqual([{ status: 'sent', provider_ref: sms[0]!.serialNo }]);
    const done = await call(stack, 'POST', `/v1/flows/bind-phone:${a.id}/code`, { code: sms[0]!.params[0] });
    expect(done.body.result.outcome).toBe('bound');
    expect(stack.sms.forPhone(phone)).toHaveLength(1);
  }, 30_000);

  test('a queued rebind notice whose first attempt is delivered but unanswered reaches the old phone exactly once', async () => {
    const a = await seedAccount(stack, { email: true });
    const { flowId, token } = await proven(a, 'phone');
    const next = uniquePhone();
    await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: next, token });
    const code = (await smsTo(next, 1)).params[0];
    const notices = () => stack.sms.forPhone(a.phone!).filter((m) => m.templateId === '2133448');

    stack.sms.setFailure('deliver-then-timeout');
    const submitted = call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code, token });
    try {
      await waitFor(() => notices()[0]); // the notice is delivered; its answer never comes back
    } finally {
      stack.sms.setFailure(null);
    }
    const done = await submitted;
    expect(done.body.result.outcome).toBe('rebound');
    expect(done.body.result.notices.map((n: { channel: string; status: string }) => [n.channel, n.status])).toEqual([['sms', 'sent'], ['mail', 'sent']]);
    expect(notices()).toHaveLength(1);
    const log = await q("SELECT channel, status, provider_ref FROM message_log WHERE flow_id = $1 AND kind = 'notice' ORDER BY channel", [flowId]);
    expect(log).toEqual([
      { channel: 'mail', status: 'sent', provider_ref: expect.any(String) },
      { channel: 'sms', status: 'sent', provider_ref: notices()[0]!.serialNo },
    ]);
    expect(stack.smtp.forRecipient(a.email!).filter((m) => m.subject === '手机号换绑提醒')).toHaveLength(1);
  }, 60_000);
});

describe('face quota, one pool for every face scene', () => {
  test('a face rebind needs quota, holds it while it runs, consumes it when billed', async () => {
    const a = await verified(0);
    const none = await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'face', deviceId: a.deviceId });
    expect(none.status).toBe(402);
    expect(none.body.error.code).toBe('FACE_QUOTA_REQUIRED');
    await q('UPDATE accounts SET face_number = 1 WHERE id = $1', [a.id]);
    await q('UPDATE accounts SET email_enc = $2, email_idx = $3 WHERE id = $1', await sealedEmail(a.id));
    const phoneFlow = await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'face', deviceId: a.deviceId });
    expect(phoneFlow.status).toBe(201);
    // the one unit is held by the phone rebind's check: a concurrent email rebind by face waits for none
    const emailFlow = await call(stack, 'POST', `/v1/accounts/${a.id}/email/rebind`, { method: 'face', deviceId: a.deviceId });
    expect(emailFlow.body.error.code).toBe('FACE_QUOTA_REQUIRED');
    // cancelling the phone rebind gives the hold back at once
    expect((await call(stack, 'DELETE', `/v1/flows/rebind-phone:${a.id}`)).status).toBe(200);
    const again = await waitForStatus(() => call(stack, 'POST', `/v1/accounts/${a.id}/email/rebind`, { method: 'face', deviceId: a.deviceId }), 201);
    expect((await complete(stack, again.body.flow.clientToken, sdkOk(again.body.flow.certifyId, a.deviceId))).body.result.outcome).toBe('success');
    expect(await quotaOf(stack, a.id)).toEqual({ free: 1, purchased: 0 });
  }, 30_000);
});

describe('answers that could tell what other accounts hold are rate-limited', () => {
  test('real-name starts per account: the subject limit is no free oracle', async () => {
    const owner = await verified(0);
    const idNumber = await ownersId(owner.id);
    const b = await readyAccount(stack);
    for (let i = 0; i < 3; i++) {
      const r = await startRealName(stack, b.id, b.deviceId, { idNumber, ip: uniqueIp() });
      expect(r.body.error.code).toBe('REAL_NAME_SUBJECT_LIMIT');
    }
    const blocked = await startRealName(stack, b.id, b.deviceId, { idNumber, ip: uniqueIp() });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('REAL_NAME_START_LIMIT');
  });

  test('taken-checks per account: PHONE_TAKEN is no free oracle', async () => {
    const taken = await seedAccount(stack);
    const b = await seedAccount(stack, { phone: false });
    for (let i = 0; i < 4; i++) {
      const r = await call(stack, 'POST', `/v1/accounts/${b.id}/phone/bind`, { phone: taken.phone });
      expect(r.body.error.code).toBe('PHONE_TAKEN');
    }
    const blocked = await call(stack, 'POST', `/v1/accounts/${b.id}/phone/bind`, { phone: uniquePhone() });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('CONTACT_CHECK_LIMIT');
  });
});

/**
 * Holds an account's commit: a trigger refuses the account row's update (the step retries with
 * backoff) until released. `refused()` resolves once a commit was refused: the step is running.
 */
async function holdingCommits<T>(accountId: string, body: (hold: { refused: () => Promise<void>; release: () => Promise<void> }) => Promise<T>): Promise<T> {
  const fn = `vsaga_hold_${accountId.replace(/\W/g, '_')}`;
  // a sequence counts the refusals: nextval() survives the refused transaction's rollback
  await q(`CREATE SEQUENCE ${fn}_n`, []);
  await q(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = '${accountId}' THEN PERFORM nextval('${fn}_n'); RAISE EXCEPTION 'injected'; END IF; RETURN NEW; END $$`, []);
  await q(`CREATE TRIGGER ${fn} BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION ${fn}()`, []);
  const refused = () => waitForAsync(async () => ((await q(`SELECT is_called FROM ${fn}_n`, []))[0]!.is_called ? true : undefined)).then(() => undefined);
  const release = () => q(`DROP TRIGGER ${fn} ON accounts`, []).then(() => undefined);
  try {
    return await body({ refused, release });
  } finally {
    await q(`DROP TRIGGER IF EXISTS ${fn} ON accounts`, []);
    await q(`DROP FUNCTION IF EXISTS ${fn}()`, []);
    await q(`DROP SEQUENCE IF EXISTS ${fn}_n`, []);
  }
}

describe('cancel', () => {
  test('a cancel sent while a step runs waits for it and tells the truth', async () => {
    const a = await seedAccount(stack, { phone: false });
    const phone = uniquePhone();
    const flowId = `bind-phone:${a.id}`;
    await call(stack, 'POST', `/v1/accounts/${a.id}/phone/bind`, { phone });
    const code = (await smsTo(phone, 1)).params[0];
    // the commit is held back (a trigger on this account's row) while the cancel arrives
    const cancel = await holdingCommits(a.id, async ({ refused, release }) => {
      const submitted = call(stack, 'POST', `/v1/flows/${flowId}/code`, { code });
      await refused();
      const cancelled = call(stack, 'DELETE', `/v1/flows/${flowId}`);
      await new Promise((r) => setTimeout(r, 300));
      await release();
      const answer = await submitted;
      expect(answer.status).toBe(200);
      expect(answer.body.result.outcome).toBe('bound');
      return cancelled;
    });
    // the step ended the flow: the cancel says so instead of a 200 that did nothing
    const answer = await cancel;
    expect(answer.status).toBe(410);
    expect(answer.body.error.code).toBe('FLOW_CLOSED');
  }, 30_000);
});

// A short step (a local activity) that committed in a workflow task the history lost: the
// worker died before the task completed, or the server refused the task's completion because
// an event arrived meanwhile. The database knows the change; the replayed flow does not, and a
// cancel or the expiry must not end it as if nothing changed.
describe('a commit the history lost', () => {
  /** The run key of a flow's run, from the key of its first code (`<runKey>/<name>/1`). */
  async function runKeyOf(flowId: string): Promise<string> {
    const [row] = await q('SELECT request_key FROM verification_codes WHERE flow_id = $1 ORDER BY created_at LIMIT 1', [flowId]);
    return (row!.request_key as string).split('/').slice(0, -2).join('/');
  }

  test('bind: the completion of the task that committed is refused (a signal came); the bind is the outcome and the submit answers it', async () => {
    const a = await seedAccount(stack, { phone: false });
    const phone = uniquePhone();
    const flowId = `bind-phone:${a.id}`;
    await call(stack, 'POST', `/v1/accounts/${a.id}/phone/bind`, { phone });
    const code = (await smsTo(phone, 1)).params[0];
    const handle = stack.client.workflow.getHandle(flowId);
    const answer = await holdingCommits(a.id, async ({ refused, release }) => {
      const submitted = call(stack, 'POST', `/v1/flows/${flowId}/code`, { code });
      await refused();
      // an event during the step's task: the server refuses the completion that closes the flow
      await handle.signal(legacyCancelSignal);
      await release();
      return submitted;
    });
    expect(answer.status).toBe(200);
    expect(answer.body.result.outcome).toBe('bound');
    expect((await handle.result()).outcome).toBe('bound');
    const history = (await handle.fetchHistory()).events ?? [];
    expect(history.some((e) => e.workflowTaskFailedEventAttributes)).toBe(true);
    const [row] = await q('SELECT phone_idx FROM accounts WHERE id = $1', [a.id]);
    expect(row!.phone_idx).toEqual(blindIndex(stack.deps.fieldCrypto, 'phone', phone));
    expect(await q("SELECT 1 FROM callback_events WHERE account_id = $1 AND type = 'phone.bound'", [a.id])).toHaveLength(1);
  }, 30_000);

  test('bind: committed while the history lost it, then cancelled: the cancel says closed, the flow ends bound', async () => {
    const a = await seedAccount(stack, { phone: false, sessions: ['s1'] });
    const phone = uniquePhone();
    const flowId = `bind-phone:${a.id}`;
    await call(stack, 'POST', `/v1/accounts/${a.id}/phone/bind`, { phone });
    await smsTo(phone, 1);
    // what the lost task's step did: the same activity, keyed by the same run
    const committed = await createActivities(stack.deps).commitBind({ runKey: await runKeyOf(flowId), flowId, accountId: a.id, kind: 'phone', target: phone, meta: {}, keepSessionId: null });
    const cancel = await call(stack, 'DELETE', `/v1/flows/${flowId}`);
    expect(cancel.status).toBe(410);
    expect(cancel.body.error.code).toBe('FLOW_CLOSED');
    const result = await stack.client.workflow.getHandle(flowId).result();
    expect(result.outcome).toBe('bound');
    expect(result.sessionsEnded).toEqual(committed.sessionsEnded);
    expect(committed.sessionsEnded).toEqual([`${a.id}-s1`]);
  }, 30_000);

  test('rebind: committed while the history lost it, then cancelled: the flow ends rebound and the queued notices go out', async () => {
    const a = await seedAccount(stack, { email: true });
    const { flowId, token } = await proven(a, 'phone');
    const phone = uniquePhone();
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone, token })).status).toBe(200);
    await smsTo(phone, 1);
    const runKey = await runKeyOf(flowId);
    const oldIdx = blindIndex(stack.deps.fieldCrypto, 'phone', a.phone!).toString('hex');
    await createActivities(stack.deps).commitRebind({
      runKey, flowId, accountId: a.id, kind: 'phone', method: 'sms', target: phone, targetMasked: 'masked', expectedContactIdx: oldIdx, meta: {}, keepSessionId: null,
    });
    const handle = stack.client.workflow.getHandle(flowId);
    await handle.executeUpdate(cancelFlowUpdate).then(
      () => { throw new Error('the cancel of a committed rebind was accepted'); },
      (err) => expect(String(err.cause?.type ?? err)).toContain('FLOW_CLOSED'),
    );
    const result = await handle.result();
    expect(result.outcome).toBe('rebound');
    // the notices the commit queued went out: to the old phone and the email
    await smsTo(a.phone!, 2);
    await mailTo(a.email!, 1);
  }, 30_000);
});

async function sealedEmail(id: string): Promise<[string, string, Buffer]> {
  const email = uniqueEmail();
  const fc = stack.deps.fieldCrypto;
  return [id, fc.encrypt(email, contactAad('email', id)), contactIndex(fc, 'email', email)];
}

async function ownersId(id: string): Promise<string> {
  return decryptIdentity(stack.deps.fieldCrypto, (await findRealNameRecord(stack.deps.pool, id))!)!.idNumber;
}

async function waitForStatus(send: () => Promise<{ status: number; body: any }>, status: number) {
  for (let i = 0; ; i++) {
    const r = await send();
    if (r.status === status || i > 40) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}
