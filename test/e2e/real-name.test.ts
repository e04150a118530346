// Real-name verification over HTTP, end to end: API → Temporal (the saga, its face check in its own run) →
// worker → Postgres/Redis → ID two-factor gateway and DCloud face function sandboxes (real
// signed wire protocols) → back; the app's completion reaches the workflow as a signal.
import { WorkflowNotFoundError } from '@temporalio/client';
import { FLOW_KIND, FLOW_OUTCOME, ACCOUNT_ID } from '../../lib/search-attributes';
import { IDCARD_MAGIC } from '../../providers/idcard-market/sandbox';
import { call, READ_ONLY_KEY, startStack, uniqueAccountId, type Stack } from '../support/stack';
import { complete, counters, faceCheckAt, NAME, quotaOf, readyAccount, sdkOk, startRealName, uniqueIdNumber, uniqueIp } from '../support/real-name';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});
afterEach(() => {
  stack.idcard.setFailure(null);
  stack.face.setFailure(null);
});

/** Answered provider calls of an account, by counter key (the counters' source rows). */
async function callsOf(id: string): Promise<Record<string, number>> {
  const { rows } = await stack.deps.pool.query('SELECT api, count(*)::int AS n FROM provider_calls WHERE account_id = $1 GROUP BY api', [id]);
  return Object.fromEntries(rows.map((r) => [r.api, r.n]));
}

async function notStarted(id: string): Promise<boolean> {
  return stack.client.workflow
    .getHandle(`real-name:${id}`)
    .describe()
    .then(
      () => false,
      () => true,
    );
}

describe('real-name verification over HTTP', () => {
  test('happy path: start, repeat (cached), app completion signal, verified; records, callback, counters, masked identity', async () => {
    const { id, deviceId } = await readyAccount(stack);
    const idNumber = uniqueIdNumber();
    const before = await counters(stack);
    const idCalls = stack.idcard.calls();
    const ip = uniqueIp();

    const start = await startRealName(stack, id, deviceId, { idNumber, ip });
    expect(start.status).toBe(201);
    const flow = start.body.flow;
    // the face check is this run's own: its id carries the run's nonce
    expect(flow).toMatchObject({ flowId: `real-name:${id}`, cache: false, message: '身份证核验成功' });
    expect(flow.faceCheckId).toMatch(new RegExp(`^real-name:${id}/[0-9a-f]{12}/face$`));
    expect(flow.certifyId).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.parse(flow.expiresAt) - Date.now()).toBeGreaterThan(1700_000);
    expect(flow.clientToken).toMatch(/^ft1\./);
    expect(JSON.stringify(flow)).not.toContain(idNumber);
    expect(stack.idcard.calls() - idCalls).toBe(1);
    expect(stack.face.calls('getCertifyId')).toBeGreaterThan(0);
    const certifyCalls = stack.face.calls('getCertifyId');

    const state = await call(stack, 'GET', `/v1/accounts/${id}/real-name/flow`);
    expect(state.body.flow).toMatchObject({ stage: 'awaiting_face', certifyId: flow.certifyId, outcome: null });

    // the same device with the same name, ID and scene while the flow is live: same certifyId, no second paid call
    const again = await startRealName(stack, id, deviceId, { idNumber, ip });
    expect(again.status).toBe(200);
    expect(again.body.flow).toMatchObject({ certifyId: flow.certifyId, cache: true });
    expect(stack.face.calls('getCertifyId')).toBe(certifyCalls);
    expect(stack.idcard.calls() - idCalls).toBe(1);
    // another ID (or another device) while it is live: refused
    const other = await startRealName(stack, id, deviceId, { idNumber: uniqueIdNumber(), ip });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('FLOW_IN_PROGRESS');

    // the app posts the SDK's completion with its client token
    const done = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
    expect(done.status).toBe(200);
    expect(done.body.result).toMatchObject({ outcome: 'verified', message: '刷脸成功:账户实名认证成功', certifyId: flow.certifyId, error: null });
    expect(done.body.result.faceRecordId).toBe(flow.faceRecordId);

    const acct = await call(stack, 'GET', `/v1/accounts/${id}`);
    expect(acct.body.account).toMatchObject({ realNameStatus: 'verified', faceQuota: { freeUsed: 1, purchased: 0 } });
    const masked = await call(stack, 'GET', `/v1/accounts/${id}/real-name`);
    expect(masked.body.identity).toMatchObject({ status: 'verified', realName: '张*', idNumber: `${idNumber.slice(0, 4)}**********${idNumber.slice(-4)}`, masked: true });
    const whole = await call(stack, 'GET', `/v1/accounts/${id}/real-name?unmasked=true`);
    expect(whole.body.identity).toMatchObject({ realName: NAME, idNumber, masked: false });
    const denied = await call(stack, 'GET', `/v1/accounts/${id}/real-name?unmasked=true`, undefined, { key: READ_ONLY_KEY });
    expect(denied.status).toBe(403);

    const face = await stack.deps.pool.query(
      'SELECT status, certify_id, scene, provider_data, picture_enc, ip, fingerprint, agreement_id, agreement_version, agreement_accepted_at FROM face_verifications WHERE account_id = $1',
      [id],
    );
    expect(face.rows).toHaveLength(1);
    expect(face.rows[0]).toMatchObject({ status: 'success', certify_id: flow.certifyId, scene: 'personal', picture_enc: null });
    // the agreement the user accepted, kept with the face row and the request it came with
    expect(face.rows[0]).toMatchObject({ ip, fingerprint: deviceId, agreement_id: 'real', agreement_version: '1' });
    expect(Date.now() - face.rows[0].agreement_accepted_at.getTime()).toBeLessThan(60_000);
    expect(face.rows[0].provider_data).toMatchObject({ authState: 'SUCCESS', picture: 'off' });
    const rec = await stack.deps.pool.query('SELECT flow_id, face_record_id::text AS f, ip, fingerprint FROM real_name_records WHERE account_id = $1', [id]);
    expect(rec.rows).toEqual([{ flow_id: `real-name:${id}`, f: flow.faceRecordId, ip, fingerprint: deviceId }]);
    const events = await stack.deps.pool.query('SELECT type, payload FROM callback_events WHERE account_id = $1', [id]);
    expect(events.rows.map((r) => r.type)).toEqual(['real_name.verified']);
    expect(events.rows[0].payload).toMatchObject({ type: 'personal', id: flow.faceRecordId, table_name: 'face_verifications' });

    // counted once each for this flow (other suites count in parallel: the API figures only grow)
    expect(await callsOf(id)).toEqual({ 'api:face': 1, 'api:idcard_verification': 1 });
    const after = await counters(stack);
    expect(after['api:idcard_verification']!.today - before['api:idcard_verification']!.today).toBeGreaterThanOrEqual(1);
    expect(after['api:face']!.today - before['api:face']!.today).toBeGreaterThanOrEqual(1);
    expect(after['api:face']!.total - before['api:face']!.total).toBeGreaterThanOrEqual(1);

    // operators filter on typed search attributes; none holds personal data
    const desc = await stack.client.workflow.getHandle(`real-name:${id}`).describe();
    expect(desc.typedSearchAttributes.get(FLOW_KIND)).toBe('real-name');
    expect(desc.typedSearchAttributes.get(FLOW_OUTCOME)).toBe('verified');
    expect(desc.typedSearchAttributes.get(ACCOUNT_ID)).toBe(id);
    // the face check ran in the flow's own run (hosted-face): no workflow of its own, its state in the run
    const check = await faceCheckAt(stack, flow.faceCheckId);
    expect(check.hosted).toBe(true);
    expect(check.handle.workflowId).toBe(`real-name:${id}`);
    expect(await check.state()).toMatchObject({ faceCheckId: flow.faceCheckId, stage: 'closed', outcome: 'success' });
    await expect(stack.client.workflow.getHandle(flow.faceCheckId).describe()).rejects.toThrow(WorkflowNotFoundError);

    // a verified account never changes its real name
    const twice = await startRealName(stack, id, deviceId, {});
    expect(twice.status).toBe(409);
    expect(twice.body.error).toEqual({ code: 'REAL_NAME_ALREADY_VERIFIED', message: '认证失败:当前账户已完成实名' });
  });

  test('pre-checks answer in their order (docs/rules.md#pre-checks) with their own code and the seed message, before any paid call', async () => {
    const idCalls = stack.idcard.calls();
    const faceCalls = stack.face.calls();
    const expectError = async (r: { status: number; body: any }, status: number, code: string, message: string) => {
      expect({ status: r.status, error: r.body.error }).toMatchObject({ status, error: { code, message } });
    };

    // the agreement first: the seed's page refuses to submit without it ticked, in its current version
    const seedAgreement = '请查阅并勾选页面相关协议';
    const first = await readyAccount(stack);
    for (const agreement of [null, { id: 'real', version: '0' }, { id: 'other', version: '1' }]) {
      const r = await startRealName(stack, first.id, first.deviceId, { agreement });
      await expectError(r, 400, 'REAL_NAME_AGREEMENT_REQUIRED', seedAgreement);
      expect(r.body.error.details).toEqual({ agreement: { id: 'real', version: '1' } });
    }
    expect(await notStarted(first.id)).toBe(true);
    // account exists (the caller acts for a signed-in user)
    const ghost = uniqueAccountId('ghost');
    const ghostStart = await startRealName(stack, ghost, 'dev-x');
    await expectError(ghostStart, 404, 'REAL_NAME_LOGIN_REQUIRED', '认证失败:请登录后再操作');
    // the seed's jump hints (4/24, 4/30): where the app sends the user next
    expect(ghostStart.body.error.jump).toBe('login');
    // phone bound — comes before a bad name, a bad ID and a missing device
    const noPhone = await readyAccount(stack, { phone: false, device: false });
    const phoneFirst = await startRealName(stack, noPhone.id, noPhone.deviceId, { realName: 'Zhang San', idNumber: '123' });
    await expectError(phoneFirst, 409, 'REAL_NAME_PHONE_REQUIRED', '认证失败:请先绑定手机号');
    expect(phoneFirst.body.error.jump).toBe('phone');
    // environment flagged safe by the caller
    const a = await readyAccount(stack, { device: false });
    const unsafe = await startRealName(stack, a.id, a.deviceId, { environmentSafe: false, realName: 'x' });
    await expectError(unsafe, 403, 'REAL_NAME_UNSAFE_ENVIRONMENT', '认证失败:当前环境存在异常');
    expect(unsafe.body.error.jump).toBe('security');
    // the request comes from the app: metaInfo registered for this device
    await expectError(await startRealName(stack, a.id, a.deviceId, { realName: 'x' }), 409, 'FACE_METAINFO_MISSING', '认证失败:当前环境不支持人脸识别,请在APP内操作');
    // name, then ID number
    const b = await readyAccount(stack);
    await expectError(await startRealName(stack, b.id, b.deviceId, { realName: 'Zhang San', idNumber: '1' }), 400, 'REAL_NAME_INVALID_NAME', '输入错误:姓名必须为中文');
    await expectError(await startRealName(stack, b.id, b.deviceId, { realName: '张三丰九十一二三四' }), 400, 'REAL_NAME_INVALID_NAME', '输入错误:姓名必须为中文');
    const badSum = `${IDCARD_MAGIC.matchMale.slice(0, 17)}${IDCARD_MAGIC.matchMale[17] === '1' ? '2' : '1'}`;
    const sum = await startRealName(stack, b.id, b.deviceId, { idNumber: badSum });
    await expectError(sum, 400, 'REAL_NAME_INVALID_ID', '输入错误:身份证号码核验失败');
    expect(sum.body.error.details).toEqual({ reason: 'checksum' });
    const feb30 = '11010119900230' + '001';
    const { idCheckChar } = await import('../../lib/idcard');
    const birth = await startRealName(stack, b.id, b.deviceId, { idNumber: feb30 + idCheckChar(feb30) });
    expect(birth.body.error).toMatchObject({ code: 'REAL_NAME_INVALID_ID', details: { reason: 'birth_date' } });
    // quota: the free check used up and nothing purchased → payment required
    await stack.deps.pool.query('UPDATE accounts SET face_free_used = 1, face_number = 0 WHERE id = $1', [b.id]);
    const pay = await startRealName(stack, b.id, b.deviceId);
    await expectError(pay, 402, 'FACE_QUOTA_REQUIRED', '人脸识别额度不足,需要进行订单支付');
    expect(pay.body.error.details).toEqual({ freePerAccount: 1, priceCny: 1 });

    // none of them reached a provider or started a flow
    expect(stack.idcard.calls()).toBe(idCalls);
    expect(stack.face.calls()).toBe(faceCalls);
    for (const id of [ghost, noPhone.id, a.id, b.id]) expect(await notStarted(id)).toBe(true);
    // a minority name with the middle dot passes the name check
    const c = await readyAccount(stack);
    const dot = await startRealName(stack, c.id, c.deviceId, { realName: '买买提•艾力' });
    expect(dot.status).toBe(201);
  });

  test('ID subject limit: an ID that verified one account refuses another (message names the limit)', async () => {
    const idNumber = uniqueIdNumber();
    const first = await readyAccount(stack);
    const s1 = await startRealName(stack, first.id, first.deviceId, { idNumber });
    expect((await complete(stack, s1.body.flow.clientToken, sdkOk(s1.body.flow.certifyId, first.deviceId))).body.result.outcome).toBe('verified');
    const second = await readyAccount(stack);
    const r = await startRealName(stack, second.id, second.deviceId, { idNumber });
    expect(r.status).toBe(409);
    expect(r.body.error).toEqual({ code: 'REAL_NAME_SUBJECT_LIMIT', message: '认证失败:身份主体最多认证 1 个账户', details: { limit: 1 } });
  });

  test('ID check: mismatch and no record end the flow, are counted, and keep the rate-limit slot', async () => {
    const ip = uniqueIp();
    const a = await readyAccount(stack);
    const mismatch = await startRealName(stack, a.id, a.deviceId, { idNumber: IDCARD_MAGIC.mismatch, ip });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error).toEqual({ code: 'ID_MISMATCH', message: '核验失败:身份证信息不匹配' });
    const result = await stack.client.workflow.getHandle(`real-name:${a.id}`).result();
    expect(result).toMatchObject({ outcome: 'rejected', error: { code: 'ID_MISMATCH' } });

    const b = await readyAccount(stack);
    const none = await startRealName(stack, b.id, b.deviceId, { idNumber: IDCARD_MAGIC.noRecord });
    expect(none.status).toBe(422);
    expect(none.body.error.code).toBe('ID_NO_RECORD');
    expect(await callsOf(a.id)).toEqual({ 'api:idcard_verification': 1 });
    expect(await callsOf(b.id)).toEqual({ 'api:idcard_verification': 1 });

    // the answered check kept its slot: the same IP must wait the 60 s gap
    const c = await readyAccount(stack);
    const soon = await startRealName(stack, c.id, c.deviceId, { ip });
    expect(soon.status).toBe(429);
    expect(soon.body.error.code).toBe('ID_CHECK_TOO_SOON');
    expect(soon.body.error.details.retryAfterSec).toBeGreaterThan(50);
  });

  test('ID provider fault: retried, answered 503, slot given back, not counted; then the same IP succeeds', async () => {
    const ip = uniqueIp();
    const a = await readyAccount(stack);
    stack.idcard.setFailure('maintenance');
    const calls = stack.idcard.calls();
    const r = await startRealName(stack, a.id, a.deviceId, { ip });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe('ID_CHECK_UNAVAILABLE');
    expect(stack.idcard.calls() - calls).toBe(3);
    stack.idcard.setFailure('reset');
    const b = await readyAccount(stack);
    expect((await startRealName(stack, b.id, b.deviceId, { ip })).body.error.code).toBe('ID_CHECK_UNAVAILABLE');
    expect(await callsOf(a.id)).toEqual({});
    expect(await callsOf(b.id)).toEqual({});

    stack.idcard.setFailure(null);
    const ok = await startRealName(stack, a.id, a.deviceId, { ip });
    expect(ok.status).toBe(201);
  }, 30_000);

  test('completion signal: bad token, wrong device, wrong certifyId, SDK cancel are refused with their reason; the flow keeps waiting', async () => {
    const { id, deviceId } = await readyAccount(stack);
    const { flow } = (await startRealName(stack, id, deviceId)).body;
    const tampered = flow.clientToken.slice(0, -2) + (flow.clientToken.endsWith('AA') ? 'BB' : 'AA');
    expect((await complete(stack, tampered, sdkOk(flow.certifyId, deviceId))).body.error.code).toBe('FACE_TOKEN_INVALID');
    const noToken = await call(stack, 'POST', '/v1/face/completion', sdkOk(flow.certifyId, deviceId), { key: null });
    expect(noToken.status).toBe(403);

    const wrongDevice = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, 'someone-elses-phone'));
    expect(wrongDevice.status).toBe(403);
    expect(wrongDevice.body.error.code).toBe('FACE_DEVICE_MISMATCH');
    const wrongCertify = await complete(stack, flow.clientToken, sdkOk('0'.repeat(32), deviceId));
    expect(wrongCertify.status).toBe(409);
    expect(wrongCertify.body.error).toEqual({ code: 'FACE_CERTIFY_MISMATCH', message: '处理失败:certifyId对比异常!' });
    const cancel = await complete(stack, flow.clientToken, {
      deviceId,
      certifyId: flow.certifyId,
      errSubject: 'uni-facialRecognitionVerify',
      errCode: 10011,
      errMsg: '用户中断',
      cause: { code: 1006, message: '用户取消' },
    });
    expect(cancel.status).toBe(422);
    expect(cancel.body.error).toMatchObject({ code: 'FACE_SDK_ERROR', details: { errCode: 10011, errMsg: '用户中断', causeCode: 1006 } });

    // the wrong device is refused at the API (the token names the device), so it never enters the
    // check's history; the others are recorded in the face check with their reason; nothing billed
    const fc = await (await faceCheckAt(stack, flow.faceCheckId)).state();
    expect(fc.stage).toBe('awaiting_completion');
    expect(fc.completions.map((c) => c.error?.code)).toEqual(['FACE_CERTIFY_MISMATCH', 'FACE_SDK_ERROR']);
    expect(await quotaOf(stack, id)).toEqual({ free: 0, purchased: 0 });
    expect(stack.face.calls('getAuthResult')).toBeGreaterThanOrEqual(0);

    // the user tries again in the app: accepted now
    const ok = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
    expect(ok.body.result.outcome).toBe('verified');
    // the same completion again (its first answer lost): the same answer, nothing billed twice
    const again = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
    expect(again.status).toBe(200);
    expect(again.body.result).toEqual(ok.body.result);
    expect(await quotaOf(stack, id)).toEqual({ free: 1, purchased: 0 });
  });

  test('FAIL face: billed, recorded as fail, real_name.failed fired, account not verified', async () => {
    const { id, deviceId } = await readyAccount(stack, { magic: 'fail' });
    const { flow } = (await startRealName(stack, id, deviceId)).body;
    const r = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
    expect(r.status).toBe(200);
    expect(r.body.result).toMatchObject({ outcome: 'fail', message: '刷脸失败:人证信息比对不一致', faceRecordId: flow.faceRecordId, error: { code: 'FACE_FAILED' } });
    expect((await call(stack, 'GET', `/v1/accounts/${id}`)).body.account.realNameStatus).toBe('none');
    expect(await quotaOf(stack, id)).toEqual({ free: 1, purchased: 0 });
    const face = await stack.deps.pool.query('SELECT status FROM face_verifications WHERE account_id = $1', [id]);
    expect(face.rows).toEqual([{ status: 'fail' }]);
    const events = await stack.deps.pool.query('SELECT type, payload FROM callback_events WHERE account_id = $1', [id]);
    expect(events.rows.map((e) => e.type)).toEqual(['real_name.failed']);
    expect(events.rows[0].payload).toMatchObject({ reason: 'fail', id: flow.faceRecordId });
    expect(await callsOf(id)).toEqual({ 'api:face': 1, 'api:idcard_verification': 1 });
    expect((await call(stack, 'GET', `/v1/accounts/${id}/real-name/flow`)).body.flow).toMatchObject({ outcome: 'fail' });
    expect((await call(stack, 'GET', `/v1/accounts/${id}/real-name`)).body.identity.status).toBe('none');
  });

  test('cancel: DELETE /v1/flows/:flowId ends a flow waiting for the face, gives the hold back; a repeat or a late completion is refused; then a new flow runs', async () => {
    const { id, deviceId } = await readyAccount(stack);
    const { flow } = (await startRealName(stack, id, deviceId)).body;
    const flowId = `real-name:${id}`;
    // the shared read serves real-name too (one `state` query for every kind)
    expect((await call(stack, 'GET', `/v1/flows/${flowId}`)).body.flow).toMatchObject({ flowId, stage: 'awaiting_face', certifyId: flow.certifyId, outcome: null });
    const cancelled = await call(stack, 'DELETE', `/v1/flows/${flowId}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.flow).toMatchObject({ flowId, stage: 'cancelled', outcome: 'cancelled', error: { code: 'FLOW_CANCELLED' } });
    expect((await call(stack, 'DELETE', `/v1/flows/${flowId}`)).body.error.code).toBe('FLOW_CLOSED');
    // the face check closed its row as expired (owner closed): nothing billed, the hold is free
    const face = await stack.deps.pool.query('SELECT status FROM face_verifications WHERE account_id = $1', [id]);
    expect(face.rows).toEqual([{ status: 'expired' }]);
    expect(await quotaOf(stack, id)).toEqual({ free: 0, purchased: 0 });
    expect(await (await faceCheckAt(stack, flow.faceCheckId)).state()).toMatchObject({ stage: 'closed', outcome: 'expired' });
    const late = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
    expect(late.body.error.code).toBe('FACE_TOKEN_INVALID');
    const events = await stack.deps.pool.query('SELECT type FROM callback_events WHERE account_id = $1', [id]);
    expect(events.rows).toEqual([]);
    // a face check is read and cancelled through its owner, never on its own
    expect((await call(stack, 'DELETE', `/v1/flows/${encodeURIComponent(flow.faceCheckId)}`)).body.error.code).toBe('FLOW_NOT_FOUND');
    const again = (await startRealName(stack, id, deviceId)).body.flow;
    expect(again.certifyId).not.toBe(flow.certifyId);
    expect((await complete(stack, again.clientToken, sdkOk(again.certifyId, deviceId))).body.result.outcome).toBe('verified');
    // a flow that ended by itself: the cancel says so, the state stays
    expect((await call(stack, 'DELETE', `/v1/flows/${flowId}`)).body.error.code).toBe('FLOW_CLOSED');
    expect((await call(stack, 'GET', `/v1/flows/${flowId}`)).body.flow).toMatchObject({ outcome: 'verified' });
    // no code routes on a real-name flow
    expect((await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: '123456' })).body.error.code).toBe('FLOW_NOT_FOUND');
  });

  test('quota: free count first, then purchased face_number; exhausted → payment required', async () => {
    const { id, deviceId } = await readyAccount(stack);
    await stack.deps.pool.query('UPDATE accounts SET face_free_used = 1, face_number = 2 WHERE id = $1', [id]);
    const { flow } = (await startRealName(stack, id, deviceId)).body;
    expect((await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId))).body.result.outcome).toBe('verified');
    expect(await quotaOf(stack, id)).toEqual({ free: 1, purchased: 1 });
    const ledger = await stack.deps.pool.query('SELECT source, refunded_at FROM face_quota_ledger WHERE account_id = $1', [id]);
    expect(ledger.rows).toEqual([{ source: 'purchased', refunded_at: null }]);
  });

  test('no result from the provider after billing: quota given back (compensation), row closed as error', async () => {
    const { id, deviceId } = await readyAccount(stack, { magic: 'processing' });
    const { flow } = (await startRealName(stack, id, deviceId)).body;
    const r = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
    expect(r.body.result).toMatchObject({ outcome: 'rejected', error: { code: 'FACE_RESULT_PENDING' } });
    expect(await quotaOf(stack, id)).toEqual({ free: 0, purchased: 0 });
    const ledger = await stack.deps.pool.query('SELECT source, refunded_at FROM face_quota_ledger WHERE account_id = $1', [id]);
    expect(ledger.rows).toHaveLength(1);
    expect(ledger.rows[0].source).toBe('free');
    expect(ledger.rows[0].refunded_at).not.toBeNull();
    const face = await stack.deps.pool.query('SELECT status FROM face_verifications WHERE account_id = $1', [id]);
    expect(face.rows).toEqual([{ status: 'error' }]);
  }, 30_000);

  test('picture collection off: not asked for, nothing stored', async () => {
    const { id, deviceId } = await readyAccount(stack);
    const { flow } = (await startRealName(stack, id, deviceId)).body;
    expect(stack.face.certifyIds().find((c) => c.certifyId === flow.certifyId)!.needPicture).toBe(false);
    await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
    const face = await stack.deps.pool.query('SELECT picture_enc, picture_error FROM face_verifications WHERE account_id = $1', [id]);
    expect(face.rows).toEqual([{ picture_enc: null, picture_error: null }]);
  });
});
