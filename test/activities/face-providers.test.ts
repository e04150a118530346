// The face check's provider steps directly, over the real Postgres, Redis and each provider's
// sandbox: what a retry (a worker dying mid-step) and a concurrent duplicate must not break —
// one certifyId per check whichever provider issued it, no second provider call, one hold; a
// failover retried asks the first provider again but bills nothing twice; the verdict counted
// once per check and provider; and the log lines of all of it hold no openid, name or ID number.
import pino from 'pino';
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomInt } from 'node:crypto';
import { createFaceActivities } from '../../flows/face-check/activities';
import type { IssueCertifyIdInput } from '../../flows/face-check/activities';
import { NAME, readyAccount, uniqueIdNumber } from '../support/real-name';
import { call, startStack, type Stack } from '../support/stack';

let stack: Stack;
const lines: string[] = [];
let acts: ReturnType<typeof createFaceActivities>;
beforeAll(async () => {
  stack = await startStack({ FACE_PROVIDERS: 'dcloud,aliyun,wechat' });
  acts = createFaceActivities({ ...stack.deps, log: pino({ level: 'trace' }, { write: (l: string) => void lines.push(l) }) });
});
afterAll(async () => {
  await stack?.close();
});

const held = async (faceCheckId: string) => (await stack.deps.pool.query('SELECT source, state FROM face_quota_ledger WHERE key = $1', [faceCheckId])).rows;

async function checkInput(kind: 'app' | 'mini-program'): Promise<{ input: IssueCertifyIdInput; openid: string | null; idNumber: string }> {
  const { id, deviceId } = await readyAccount(stack);
  let device = deviceId;
  let openid: string | null = null;
  if (kind === 'mini-program') {
    openid = `oAct${randomInt(1e9, 1e10)}${randomInt(1e9, 1e10)}`;
    device = `mp-${id}`;
    expect((await call(stack, 'PUT', `/v1/accounts/${id}/devices/${device}`, { openid })).status).toBe(201);
  }
  const idNumber = uniqueIdNumber();
  const faceCheckId = `real-name:${id}/${randomInt(1e11, 1e12).toString(16)}/face`;
  return {
    input: { faceCheckId, ownerFlowId: `real-name:${id}`, accountId: id, scene: 'personal', identity: { realName: NAME, idNumber }, deviceId: device, requestDigest: `digest-${faceCheckId}`, needPicture: false, ttlSec: 60, meta: {} },
    openid,
    idNumber,
  };
}

test('issued twice (a retry) and twice at once: one certifyId, one provider call, one hold — WeChat', async () => {
  const { input } = await checkInput('mini-program');
  const calls = stack.wechat.calls('getverifyid');
  const [a, b] = await Promise.all([acts.issueCertifyId(input), acts.issueCertifyId(input)]);
  const c = await acts.issueCertifyId(input);
  expect(a.provider).toBe('wechat');
  // a concurrent duplicate may reach the provider before the row exists, never hand out a second check
  expect(new Set([a.certifyId, b.certifyId, c.certifyId]).size).toBe(1);
  expect(stack.wechat.calls('getverifyid') - calls).toBeLessThanOrEqual(2);
  expect(await held(input.faceCheckId)).toEqual([{ source: 'none', state: 'held' }]);
  const rows = await stack.deps.pool.query('SELECT count(*)::int AS n FROM face_verifications WHERE face_check_id = $1', [input.faceCheckId]);
  expect(rows.rows[0].n).toBe(1);
});

test('a failover retried: the row keeps the provider that issued it; nothing held twice', async () => {
  const { input } = await checkInput('app');
  stack.face.setFailure('55001');
  try {
    const first = await acts.issueCertifyId(input);
    expect(first.provider).toBe('aliyun');
    const inits = stack.aliyun.requests('InitFaceVerify');
    // DCloud is back, but the check was issued: the retry answers the same, asks no one
    stack.face.setFailure(null);
    expect(await acts.issueCertifyId(input)).toEqual(first);
    expect(stack.aliyun.requests('InitFaceVerify')).toBe(inits);
    expect(await held(input.faceCheckId)).toEqual([{ source: 'none', state: 'held' }]);
    const [row] = (await stack.deps.pool.query('SELECT provider, failover FROM face_verifications WHERE face_check_id = $1', [input.faceCheckId])).rows;
    expect(row).toEqual({ provider: 'aliyun', failover: [{ provider: 'dcloud', code: '55001' }] });
  } finally {
    stack.face.setFailure(null);
  }
});

test('the verdict, asked twice: counted once for its provider; a pending one is not counted', async () => {
  const { input } = await checkInput('mini-program');
  const issued = await acts.issueCertifyId(input);
  const ask = { faceCheckId: input.faceCheckId, ownerFlowId: input.ownerFlowId, accountId: input.accountId, certifyId: issued.certifyId };
  await expect(acts.fetchAuthResult(ask)).rejects.toMatchObject({ type: 'FACE_RESULT_PENDING' });
  stack.wechat.play(issued.certifyId, 10000);
  expect(await acts.fetchAuthResult(ask)).toMatchObject({ authState: 'SUCCESS', provider: 'wechat', data: { verifyRet: 10000 } });
  expect(await acts.fetchAuthResult(ask)).toMatchObject({ authState: 'SUCCESS' });
  const counted = await stack.deps.pool.query('SELECT provider, outcome FROM provider_calls WHERE call_key = $1', [`${input.faceCheckId}/getAuthResult`]);
  expect(counted.rows).toEqual([{ provider: 'wechat', outcome: 'SUCCESS' }]);
});

test('another check’s verify_id is refused by WeChat, not answered', async () => {
  const mine = await checkInput('mini-program');
  const theirs = await checkInput('mini-program');
  await acts.issueCertifyId(mine.input);
  const other = await acts.issueCertifyId(theirs.input);
  stack.wechat.play(other.certifyId, 10000);
  // asked with this check's own out_seq_no, openid and certificate: WeChat will not tell
  await expect(
    acts.fetchAuthResult({ faceCheckId: mine.input.faceCheckId, ownerFlowId: mine.input.ownerFlowId, accountId: mine.input.accountId, certifyId: other.certifyId }),
  ).rejects.toMatchObject({ type: 'FACE_PROVIDER_ERROR' });
});

test('settled (consumed, the verdict, the row closed) twice at once and again: one unit, one count, the row closed once', async () => {
  const { input } = await checkInput('mini-program');
  const issued = await acts.issueCertifyId(input);
  stack.wechat.play(issued.certifyId, 10000);
  const settle = { faceCheckId: input.faceCheckId, ownerFlowId: input.ownerFlowId, accountId: input.accountId, certifyId: issued.certifyId, faceRecordId: issued.faceRecordId, close: true };
  const run = (attempt: number) => new MockActivityEnvironment({ attempt }).run(acts.settleFaceCheck, settle);
  const [a, b] = await Promise.all([run(1), run(1)]);
  const c = await run(2);
  for (const s of [a, b, c]) expect(s).toEqual({ quota: { source: 'free' }, auth: expect.objectContaining({ authState: 'SUCCESS', provider: 'wechat' }) });
  expect(await held(input.faceCheckId)).toEqual([{ source: 'free', state: 'consumed' }]);
  const counted = await stack.deps.pool.query('SELECT count(*)::int AS n FROM provider_calls WHERE call_key = $1', [`${input.faceCheckId}/getAuthResult`]);
  expect(counted.rows[0].n).toBe(1);
  const [row] = (await stack.deps.pool.query('SELECT status, provider_data AS data FROM face_verifications WHERE face_check_id = $1', [input.faceCheckId])).rows;
  expect(row).toMatchObject({ status: 'success', data: { authState: 'SUCCESS', picture: 'off', verdict: { verifyRet: 10000 } } });
});

test('the log lines of all of the above hold no openid, name or ID number', async () => {
  const { input, openid, idNumber } = await checkInput('mini-program');
  stack.wechat.setFailure('busy');
  try {
    await expect(acts.issueCertifyId(input)).rejects.toMatchObject({ type: 'FACE_PROVIDER_ERROR' });
  } finally {
    stack.wechat.setFailure(null);
  }
  const text = lines.join('\n');
  expect(text).toContain('face provider');
  expect(text).not.toContain(openid!);
  expect(text).not.toContain(idNumber);
  expect(text).not.toContain(NAME);
  expect(text).not.toMatch(/oAct\d{20}/);
});
