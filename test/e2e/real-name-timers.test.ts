// Real-name with a short face-token TTL (durable timer), picture collection on (download,
// naming, failure recorded) and a tight per-IP daily cap on ID checks.
import fs from 'node:fs';
import path from 'node:path';
import { faceAad, recordAad } from '../../db/real-name';
import { call, startStack, type Stack } from '../support/stack';
import { createActivities } from '../../flows/activities';
import { complete, faceCheckAt, quotaOf, readyAccount, sdkOk, startRealName, uniqueIp } from '../support/real-name';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ FACE_TOKEN_TTL_SEC: '3', FACE_COLLECT_PICTURE: 'true', ID_CHECK_GAP_SEC: '0', ID_CHECK_PER_IP_PER_DAY: '2' });
});
afterAll(async () => {
  await stack?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the face token expires by timer: row expired, nothing billed, a late completion refused', async () => {
  const { id, deviceId } = await readyAccount(stack);
  const { flow } = (await startRealName(stack, id, deviceId)).body;
  const result = await stack.client.workflow.getHandle(`real-name:${id}`).result();
  expect(result).toMatchObject({ outcome: 'expired', error: { code: 'FACE_EXPIRED', message: '处理失败:令牌无效或已过期' } });
  const face = await stack.deps.pool.query('SELECT status FROM face_verifications WHERE account_id = $1', [id]);
  expect(face.rows).toEqual([{ status: 'expired' }]);
  expect(await quotaOf(stack, id)).toEqual({ free: 0, purchased: 0 });
  const history = await (await faceCheckAt(stack, flow.faceCheckId)).handle.fetchHistory();
  expect(history.events!.some((e) => e.timerFiredEventAttributes)).toBe(true);
  const late = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
  expect(late.status).toBe(403);
  expect(late.body.error.code).toBe('FACE_TOKEN_INVALID');
  const state = await call(stack, 'GET', `/v1/accounts/${id}/real-name/flow`);
  expect(state.body.flow.outcome).toBe('expired');
  // the expiry is its own event
  const events = await stack.deps.pool.query('SELECT type, payload FROM callback_events WHERE account_id = $1', [id]);
  expect(events.rows).toEqual([{ type: 'real_name.expired', payload: expect.objectContaining({ reason: 'expired', code: 'FACE_EXPIRED' }) }]);
  // a new run starts afterwards with its own face check, and can succeed
  const again = await startRealName(stack, id, deviceId);
  expect(again.status).toBe(201);
  expect(again.body.flow.certifyId).not.toBe(flow.certifyId);
  expect(again.body.flow.faceCheckId).not.toBe(flow.faceCheckId);
  expect((await complete(stack, again.body.flow.clientToken, sdkOk(again.body.flow.certifyId, deviceId))).body.result.outcome).toBe('verified');
}, 20_000);

// A completion accepted in a workflow task the history lost (the worker died, or the server
// refused the task's completion because the token's timer fired meanwhile) billed the check:
// the user completed in time and paid, so the token's expiry must not end it expired.
test("the token expires after a lost task had billed the check: it finishes on the provider's verdict, billed once", async () => {
  const { id, deviceId } = await readyAccount(stack);
  const { flow } = (await startRealName(stack, id, deviceId)).body;
  // what the lost task's first step did: the same activity, keyed by the same check
  await createActivities(stack.deps).consumeFaceQuota({ faceCheckId: flow.faceCheckId, accountId: id });
  const result = await stack.client.workflow.getHandle(`real-name:${id}`).result();
  expect(result).toMatchObject({ outcome: 'verified' });
  const face = await stack.deps.pool.query('SELECT status FROM face_verifications WHERE account_id = $1', [id]);
  expect(face.rows).toEqual([{ status: 'success' }]);
  // one free unit used, once, and not refunded
  expect(await quotaOf(stack, id)).toEqual({ free: 1, purchased: 0 });
  const ledger = await stack.deps.pool.query('SELECT state FROM face_quota_ledger WHERE key = $1', [flow.faceCheckId]);
  expect(ledger.rows).toEqual([{ state: 'consumed' }]);
  const history = await (await faceCheckAt(stack, flow.faceCheckId)).handle.fetchHistory();
  expect(history.events!.some((e) => e.timerFiredEventAttributes)).toBe(true);
}, 20_000);

test('picture on: downloaded into FACE_PICTURE_DIR as <unixtime>_<unique>.jpg, its path sealed', async () => {
  const { id, deviceId } = await readyAccount(stack);
  const { flow } = (await startRealName(stack, id, deviceId)).body;
  expect(stack.face.certifyIds().find((c) => c.certifyId === flow.certifyId)!.needPicture).toBe(true);
  const before = new Set(fs.readdirSync(stack.cfg.realName.pictureDir));
  const t0 = Math.floor(Date.now() / 1000);
  const r = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
  expect(r.body.result.outcome).toBe('verified');
  const added = fs.readdirSync(stack.cfg.realName.pictureDir).filter((f) => !before.has(f));
  expect(added).toHaveLength(1);
  const m = /^(\d{10})_[0-9a-f]{16}\.jpg$/.exec(added[0]!);
  expect(m).not.toBeNull();
  expect(Number(m![1])).toBeGreaterThanOrEqual(t0 - 1);
  const file = path.join(stack.cfg.realName.pictureDir, added[0]!);
  expect(fs.readFileSync(file).subarray(0, 2).toString('hex')).toBe('ffd8');
  const face = await stack.deps.pool.query('SELECT face_check_id, picture_enc, provider_data FROM face_verifications WHERE account_id = $1', [id]);
  expect(face.rows[0].picture_enc).not.toContain(added[0]);
  expect(stack.deps.fieldCrypto.decrypt(face.rows[0].picture_enc, faceAad('picture', face.rows[0].face_check_id))).toBe(file);
  expect(face.rows[0].provider_data.picture).toBe('stored');
  const rec = await stack.deps.pool.query('SELECT picture_enc FROM real_name_records WHERE account_id = $1', [id]);
  expect(stack.deps.fieldCrypto.decrypt(rec.rows[0].picture_enc, recordAad('picture', id))).toBe(file);
});

test('picture download failure is recorded; the verification stands', async () => {
  const { id, deviceId } = await readyAccount(stack, { magic: 'picture_error' });
  const { flow } = (await startRealName(stack, id, deviceId)).body;
  const before = fs.readdirSync(stack.cfg.realName.pictureDir).length;
  const r = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
  expect(r.body.result.outcome).toBe('verified');
  expect(fs.readdirSync(stack.cfg.realName.pictureDir).length).toBe(before);
  const face = await stack.deps.pool.query('SELECT status, picture_enc, picture_error, provider_data FROM face_verifications WHERE account_id = $1', [id]);
  expect(face.rows[0]).toMatchObject({ status: 'success', picture_enc: null, picture_error: 'HTTP 500' });
  expect(face.rows[0].provider_data.picture).toBe('failed');
}, 20_000);

test('ID checks per client IP per day: the cap refuses the next one', async () => {
  const ip = uniqueIp();
  for (let i = 0; i < 2; i++) {
    const a = await readyAccount(stack);
    expect((await startRealName(stack, a.id, a.deviceId, { ip })).status).toBe(201);
  }
  const c = await readyAccount(stack);
  const r = await startRealName(stack, c.id, c.deviceId, { ip });
  expect(r.status).toBe(429);
  expect(r.body.error).toMatchObject({ code: 'ID_CHECK_DAILY_LIMIT', message: '今日身份核验次数已达上限', details: { perDay: 2 } });
  await sleep(0);
});
