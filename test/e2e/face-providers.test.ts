// Face providers behind one interface (issue 13) over HTTP against the real stack, each
// provider's sandbox speaking its wire protocol to its real client (Alibaba's official SDK):
// every provider in real-name, the face scenes and the rebind; FAIL billed and never failed
// over; failover when the first is unavailable, recorded on the row, nothing billed twice;
// all unavailable → the last provider's own error, the hold released; a device no provider of
// the scene serves; the operator's per-scene choice; Alibaba's callback waking the check, a
// forged one refused; LR_FR against the kept portrait; no openid, name or ID in rows or histories.
import http from 'node:http';
import { randomInt } from 'node:crypto';
import type { FaceProviderName } from '../../lib/face-providers';
import { createFaceActivities } from '../../flows/face-check/activities';
import { complete, faceCheckAt, metaInfo, NAME, quotaOf, readyAccount, sdkOk, startRealName, uniqueIdNumber } from '../support/real-name';
import { waitFor, waitForAsync } from '../support/wait';
import { call, startStack, uniquePhone, type Answer, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ CODE_RESEND_GAP_SEC: '0', FACE_COLLECT_PICTURE: 'true', FACE_PROVIDERS: 'dcloud,wechat' });
});
afterAll(async () => {
  await stack?.close();
});

const q = async (s: Stack, sql: string, params: unknown[]) => (await s.deps.pool.query(sql, params)).rows;
const choose = async (s: Stack, scene: string, providers: FaceProviderName[] | null) => {
  const r = providers ? await call(s, 'PUT', `/v1/face-providers/${scene}`, { providers }) : await call(s, 'DELETE', `/v1/face-providers/${scene}`);
  expect(r.status).toBe(200);
  return r.body.scene;
};
const uniqueOpenid = (play?: number) => `oSbx${randomInt(1e9, 1e10)}${randomInt(1e9, 1e10)}${play ? `_sbx_${play}` : ''}`;

/** A mini-program device (an openid, no metaInfo) of the account. */
async function miniProgram(s: Stack, id: string, openid = uniqueOpenid()): Promise<{ deviceId: string; openid: string }> {
  const deviceId = `mp-${id}`;
  const r = await call(s, 'PUT', `/v1/accounts/${id}/devices/${deviceId}`, { openid, platform: 'mp-weixin' });
  expect(r.status).toBe(201);
  expect(r.body.device).toMatchObject({ registered: true, clients: ['mini-program'] });
  return { deviceId, openid };
}

/** The app side of each provider: the scan, then the completion the app posts. */
async function playAndComplete(s: Stack, flow: { provider: string; certifyId: string; clientToken: string }, deviceId: string, outcome: 'pass' | 'fail' = 'pass'): Promise<Answer> {
  if (flow.provider === 'wechat') s.wechat.play(flow.certifyId, outcome === 'pass' ? 10000 : 10004);
  if (flow.provider === 'aliyun' && outcome === 'fail') throw new Error('an Alibaba FAIL is chosen by the metaInfo magic at issue');
  return complete(s, flow.clientToken, { ...sdkOk(flow.certifyId, deviceId), ...(flow.provider === 'wechat' && { errSubject: 'requestFacialVerify', errMsg: 'requestFacialVerify:ok' }) });
}

const row = async (s: Stack, faceCheckId: string) =>
  (await q(s, 'SELECT provider, failover, status, provider_data, openid_enc, name_enc FROM face_verifications WHERE face_check_id = $1', [faceCheckId]))[0];
const verdictCalls = async (s: Stack, faceCheckId: string) => q(s, "SELECT provider, outcome FROM provider_calls WHERE call_key = $1 AND api = 'api:face'", [`${faceCheckId}/getAuthResult`]);

/** The decoded history of a workflow, as text (the payload codec's view: what an operator could see). */
async function historyText(s: Stack, workflowId: string): Promise<string> {
  const history = await s.client.workflow.getHandle(workflowId).fetchHistory();
  return JSON.stringify(history, (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
}

describe('real-name through each provider', () => {
  test.each<FaceProviderName>(['dcloud', 'aliyun', 'wechat'])('%s: started with its credential, verified by its server-side verdict, counted for it', async (provider) => {
    // one account per provider; the scene's chain is the operator's: only this provider
    await choose(stack, 'personal', [provider]);
    const { id, deviceId: appDevice } = await readyAccount(stack);
    const device = provider === 'wechat' ? await miniProgram(stack, id) : { deviceId: appDevice, openid: null };
    const idNumber = uniqueIdNumber();
    const start = await startRealName(stack, id, device.deviceId, { idNumber });
    expect(start.status).toBe(201);
    expect(start.body.flow.provider).toBe(provider);
    const done = await playAndComplete(stack, start.body.flow, device.deviceId);
    expect(done.status).toBe(200);
    expect(done.body.result.outcome).toBe('verified');

    const r = await row(stack, start.body.flow.faceCheckId);
    expect(r).toMatchObject({ provider, failover: null, status: 'success' });
    expect(await verdictCalls(stack, start.body.flow.faceCheckId)).toEqual([{ provider, outcome: 'SUCCESS' }]);
    if (provider === 'wechat') {
      // the openid is sealed on the row and the device, and in no history
      expect(r.openid_enc).toEqual(expect.any(String));
      expect(r.openid_enc).not.toContain(device.openid!);
      const [dev] = await q(stack, 'SELECT openid_enc, meta_info FROM face_devices WHERE account_id = $1 AND device_id = $2', [id, device.deviceId]);
      expect(dev.meta_info).toBeNull();
      expect(dev.openid_enc).not.toContain(device.openid!);
    } else {
      expect(r.openid_enc).toBeNull();
    }
    if (provider === 'aliyun') expect(r.provider_data).toMatchObject({ productCode: 'ID_PRO', verdict: { subCode: '200' } });
    // the histories that hold the check: the flow's run, which hosts it (hosted-face)
    expect((await faceCheckAt(stack, start.body.flow.faceCheckId)).hosted).toBe(true);
    for (const wf of [start.body.flow.flowId]) {
      const text = await historyText(stack, wf);
      expect(text).not.toContain(idNumber);
      expect(text).not.toContain(NAME);
      if (device.openid) expect(text).not.toContain(device.openid);
    }
    await choose(stack, 'personal', null);
  });

  test('the counters count each provider apart', async () => {
    const counters = (await call(stack, 'GET', '/v1/counters')).body.counters as { key: string; total: number }[];
    const total = (key: string) => counters.find((c) => c.key === key)?.total;
    const perProvider = ['dcloud', 'aliyun', 'wechat'].map((p) => total(`api:face:${p}`)!);
    for (const n of perProvider) expect(n).toBeGreaterThanOrEqual(1);
    const [{ n }] = await q(stack, "SELECT count(*)::int AS n FROM provider_calls WHERE api = 'api:face' AND provider = 'wechat'", []);
    expect(perProvider[2]).toBe(n);
  });
});

describe('FAIL is a verdict: billed, never failed over', () => {
  test.each<['aliyun' | 'wechat', string]>([
    ['aliyun', '204'],
    ['wechat', 'played 10004'],
  ])('%s (%s)', async (provider) => {
    await choose(stack, 'personal', [provider, 'dcloud']);
    const { id, deviceId: appDevice } = await readyAccount(stack, { magic: provider === 'aliyun' ? '204' : undefined });
    const device = provider === 'wechat' ? (await miniProgram(stack, id)).deviceId : appDevice;
    const before = await quotaOf(stack, id);
    const start = await startRealName(stack, id, device);
    expect(start.body.flow.provider).toBe(provider);
    const done = await playAndComplete(stack, start.body.flow, device, provider === 'wechat' ? 'fail' : 'pass');
    expect(done.body.result).toMatchObject({ outcome: 'fail', error: { code: 'FACE_FAILED' } });
    expect(await row(stack, start.body.flow.faceCheckId)).toMatchObject({ provider, failover: null, status: 'fail' });
    // the free unit is spent on a FAIL, as with DCloud
    expect((await quotaOf(stack, id)).free).toBe(before.free + 1);
    expect(await verdictCalls(stack, start.body.flow.faceCheckId)).toEqual([{ provider, outcome: 'FAIL' }]);
    await choose(stack, 'personal', null);
  });
});

describe('failover', () => {
  afterEach(async () => {
    stack.face.setFailure(null);
    stack.aliyun.setFailure(null);
    stack.wechat.setFailure(null);
    await choose(stack, 'personal', null);
  });

  test('DCloud unavailable (55001): Alibaba issues the check, the row says why, one unit billed', async () => {
    await choose(stack, 'personal', ['dcloud', 'aliyun']);
    const { id, deviceId } = await readyAccount(stack);
    stack.face.setFailure('55001');
    const start = await startRealName(stack, id, deviceId);
    expect(start.status).toBe(201);
    expect(start.body.flow.provider).toBe('aliyun');
    stack.face.setFailure(null);
    const done = await playAndComplete(stack, start.body.flow, deviceId);
    expect(done.body.result.outcome).toBe('verified');
    expect(await row(stack, start.body.flow.faceCheckId)).toMatchObject({ provider: 'aliyun', failover: [{ provider: 'dcloud', code: '55001' }], status: 'success' });
    // one unit, billed once: the DCloud attempt held nothing of its own
    expect(await q(stack, 'SELECT source, refunded_at FROM face_quota_ledger WHERE account_id = $1', [id])).toEqual([{ source: 'free', refunded_at: null }]);
  });

  test('Alibaba unavailable (HTTP 503): DCloud issues it', async () => {
    await choose(stack, 'personal', ['aliyun', 'dcloud']);
    const { id, deviceId } = await readyAccount(stack);
    stack.aliyun.setFailure('unavailable');
    const start = await startRealName(stack, id, deviceId);
    expect(start.body.flow.provider).toBe('dcloud');
    const r = await row(stack, start.body.flow.faceCheckId);
    expect(r.failover).toEqual([{ provider: 'aliyun', code: 'ServiceUnavailable' }]);
    expect((await playAndComplete(stack, start.body.flow, deviceId)).body.result.outcome).toBe('verified');
  });

  test('every provider unavailable: the last one’s own error (如实返回), no row, the unit not held', async () => {
    await choose(stack, 'personal', ['dcloud', 'aliyun']);
    const { id, deviceId } = await readyAccount(stack);
    const before = await quotaOf(stack, id);
    stack.face.setFailure('60000');
    stack.aliyun.setFailure('500');
    const start = await startRealName(stack, id, deviceId);
    expect(start.status).toBe(502);
    expect(start.body.error).toMatchObject({ code: 'FACE_PROVIDER_ERROR', details: { errCode: '500', provider: 'aliyun' } });
    expect(start.body.error.message).toMatch(/^Api调用失败【500】:/);
    expect(await q(stack, 'SELECT 1 FROM face_verifications WHERE account_id = $1', [id])).toEqual([]);
    expect(await quotaOf(stack, id)).toEqual(before);
  });

  test('a user-caused refusal at issue never fails over (Alibaba 418: too many failures today)', async () => {
    await choose(stack, 'personal', ['aliyun', 'dcloud']);
    const { id, deviceId } = await readyAccount(stack, { magic: '418' });
    const start = await startRealName(stack, id, deviceId);
    expect(start.status).toBe(502);
    expect(start.body.error.details).toMatchObject({ errCode: '418', provider: 'aliyun' });
    // this account's rows, not the table's: other suites issue DCloud checks meanwhile
    expect(await q(stack, "SELECT 1 FROM face_verifications WHERE account_id = $1 AND provider = 'dcloud'", [id])).toEqual([]);
  });

  test('WeChat busy with no other provider for a mini-program: its error, errcode -1', async () => {
    const { id } = await readyAccount(stack);
    const mp = await miniProgram(stack, id);
    stack.wechat.setFailure('busy');
    const start = await startRealName(stack, id, mp.deviceId);
    expect(start.status).toBe(502);
    expect(start.body.error.details).toMatchObject({ errCode: -1, provider: 'wechat' });
  });

  test('a device no provider of the scene serves: FACE_CLIENT_UNSUPPORTED, nothing held', async () => {
    await choose(stack, 'personal', ['aliyun']);
    const { id } = await readyAccount(stack);
    const mp = await miniProgram(stack, id);
    const before = await quotaOf(stack, id);
    const idChecks = stack.idcard.calls();
    const start = await startRealName(stack, id, mp.deviceId);
    expect(start.status).toBe(409);
    expect(start.body.error).toMatchObject({ code: 'FACE_CLIENT_UNSUPPORTED', details: { providers: 'aliyun' } });
    expect(await quotaOf(stack, id)).toEqual(before);
    // refused before the paid ID check
    expect(stack.idcard.calls()).toBe(idChecks);
  });
});

describe('the operator’s choice per scene', () => {
  test('GET shows config and choice; PUT refuses an unknown provider or scene; DELETE goes back to config', async () => {
    const view = await call(stack, 'GET', '/v1/face-providers');
    expect(view.status).toBe(200);
    expect(view.body.scenes.find((s: { scene: string }) => s.scene === 'unfreeze')).toMatchObject({ providers: ['dcloud', 'wechat'], source: 'config' });
    expect(view.body.available).toEqual(['dcloud', 'aliyun', 'wechat']);
    expect((await call(stack, 'PUT', '/v1/face-providers/unfreeze', { providers: ['tencent'] })).status).toBe(400);
    expect((await call(stack, 'PUT', '/v1/face-providers/unfreeze', { providers: ['aliyun', 'aliyun'] })).status).toBe(400);
    expect((await call(stack, 'PUT', '/v1/face-providers/nowhere', { providers: ['aliyun'] })).status).toBe(400);
    expect(await choose(stack, 'unfreeze', ['aliyun', 'dcloud'])).toMatchObject({ scene: 'unfreeze', providers: ['aliyun', 'dcloud'], source: 'operator' });
    expect(await choose(stack, 'unfreeze', null)).toMatchObject({ providers: ['dcloud', 'wechat'], source: 'config', updatedAt: null });
    const readOnly = await call(stack, 'PUT', '/v1/face-providers/unfreeze', { providers: ['aliyun'] }, { key: 'test-key-read-only' });
    expect(readOnly.status).toBe(403);
  });
});

/** A real-name verified account (through DCloud, picture kept) with three purchased units and a session. */
async function verifiedAccount(): Promise<{ id: string; deviceId: string }> {
  const { id, deviceId } = await readyAccount(stack);
  const start = await startRealName(stack, id, deviceId);
  expect(start.body.flow.provider).toBe('dcloud');
  expect((await complete(stack, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, deviceId))).body.result.outcome).toBe('verified');
  expect((await q(stack, 'SELECT picture_enc FROM real_name_records WHERE account_id = $1', [id]))[0].picture_enc).toEqual(expect.any(String));
  await q(stack, 'UPDATE accounts SET face_number = 3 WHERE id = $1', [id]);
  expect((await call(stack, 'POST', `/v1/accounts/${id}/sessions`, { sessionId: `${id}-s1` })).status).toBe(201);
  return { id, deviceId };
}

describe.each<'aliyun' | 'wechat'>(['aliyun', 'wechat'])('the other scenes through %s', (provider) => {
  test.each(['reset_security', 'unfreeze', 'cancellation'])('%s', async (scene) => {
    const a = await verifiedAccount();
    if (scene === 'unfreeze') expect((await call(stack, 'POST', `/v1/accounts/${a.id}/freeze`, { reason: '风控冻结' })).status).toBe(200);
    if (scene === 'reset_security') expect((await call(stack, 'PUT', `/v1/accounts/${a.id}/security-flags`, { flags: ['remote_login'], reason: '异地登录提醒' })).status).toBe(200);
    const device = provider === 'wechat' ? (await miniProgram(stack, a.id)).deviceId : a.deviceId;
    await choose(stack, scene, [provider]);
    try {
      const start = await call(stack, 'POST', `/v1/accounts/${a.id}/face-scenes/${scene}`, { deviceId: device, sessionId: `${a.id}-s1` });
      expect(start.status).toBe(201);
      expect(start.body.flow.provider).toBe(provider);
      const done = await playAndComplete(stack, start.body.flow, device);
      expect(done.body.result).toMatchObject({ scene, outcome: 'success' });
      const r = await row(stack, start.body.flow.faceCheckId);
      expect(r).toMatchObject({ provider, status: 'success' });
      // Alibaba compares the scan with the portrait kept at real-name (the seed's FVBioOnly)
      if (provider === 'aliyun') {
        expect(r.provider_data.productCode).toBe('LR_FR');
        expect(stack.aliyun.certifications().find((c) => c.certifyId === start.body.flow.certifyId)?.productCode).toBe('LR_FR');
      }
    } finally {
      await choose(stack, scene, null);
    }
  });

  test('phone rebind by face', async () => {
    const a = await verifiedAccount();
    const device = provider === 'wechat' ? (await miniProgram(stack, a.id)).deviceId : a.deviceId;
    await choose(stack, 'rebind_phone', [provider]);
    try {
      const flowId = `rebind-phone:${a.id}`;
      const start = await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'face', deviceId: device });
      expect(start.status).toBe(201);
      expect(start.body.flow.provider).toBe(provider);
      const face = await playAndComplete(stack, start.body.flow, device);
      expect(face.body.result.outcome).toBe('success');
      const proof = await waitForAsync(async () => {
        const p = await call(stack, 'POST', `/v1/flows/${flowId}/proof`);
        return p.status === 200 ? p : undefined;
      });
      const next = uniquePhone();
      await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: next, token: proof.body.proof.unbindToken });
      const code = (await waitFor(() => stack.sms.forPhone(next)[0])).params[0];
      const done = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code, token: proof.body.proof.unbindToken });
      expect(done.body.result.outcome).toBe('rebound');
      expect((await row(stack, start.body.flow.faceCheckId)).provider).toBe(provider);
    } finally {
      await choose(stack, 'rebind_phone', null);
    }
  });
});

describe.each<'aliyun' | 'wechat'>(['aliyun', 'wechat'])('account recovery through %s', (provider) => {
  test('a ticket from the ID number, the face check, the grant', async () => {
    const idNumber = uniqueIdNumber();
    const { id, deviceId } = await readyAccount(stack);
    const rn = await startRealName(stack, id, deviceId, { idNumber });
    expect((await complete(stack, rn.body.flow.clientToken, sdkOk(rn.body.flow.certifyId, deviceId))).body.result.outcome).toBe('verified');
    await q(stack, 'UPDATE accounts SET face_number = 1 WHERE id = $1', [id]);
    const found = await call(stack, 'POST', '/v1/recovery/lookup', { idNumber, client: { ip: '203.0.113.7' } });
    const ticket = found.body.recovery.matches[0].ticket;
    // the recovery start registers the device it runs on: nobody is logged in to do it
    const device = provider === 'wechat' ? { deviceId: `mp-rec-${id}`, openid: uniqueOpenid() } : { deviceId: `app-rec-${id}`, metaInfo: metaInfo() };
    await choose(stack, 'recovery', [provider]);
    try {
      const started = await call(stack, 'POST', '/v1/recovery/flows', { ticket, method: 'face', ...device, client: { ip: '203.0.113.7' } });
      expect(started.status).toBe(201);
      const { face, clientToken } = started.body.flow;
      expect(face.provider).toBe(provider);
      const done = await playAndComplete(stack, { ...face, clientToken }, device.deviceId);
      expect(done.body.result.outcome).toBe('success');
      const grant = await call(stack, 'POST', `/v1/flows/recovery:${id}/grant`);
      expect(grant.status).toBe(200);
      expect((await row(stack, face.faceCheckId)).provider).toBe(provider);
    } finally {
      await choose(stack, 'recovery', null);
    }
  });
});

test('picture collection switched off: no kept portrait is used, Alibaba compares with the authority photo (ID_PRO)', async () => {
  const a = await verifiedAccount();
  // the same worker code with FACE_COLLECT_PICTURE off, over the same database and sandboxes
  const acts = createFaceActivities({ ...stack.deps, cfg: { ...stack.cfg, realName: { ...stack.cfg.realName, collectPicture: false } } });
  await choose(stack, 'rebind_phone', ['aliyun']);
  try {
    const faceCheckId = `rebind-phone:${a.id}/${randomInt(1e11, 1e12).toString(16)}/face`;
    const issued = await acts.issueCertifyId({
      faceCheckId, ownerFlowId: `rebind-phone:${a.id}`, accountId: a.id, scene: 'rebind_phone', identity: { ofAccount: true },
      deviceId: a.deviceId, requestDigest: `digest-${faceCheckId}`, needPicture: false, ttlSec: 60, meta: {},
    });
    expect(issued.provider).toBe('aliyun');
    expect((await row(stack, faceCheckId)).provider_data.productCode).toBe('ID_PRO');
    expect(stack.aliyun.certifications().find((c) => c.certifyId === issued.certifyId)?.productCode).toBe('ID_PRO');
  } finally {
    await choose(stack, 'rebind_phone', null);
  }
});

describe('Alibaba’s callback', () => {
  let cb: Stack;
  let forward: http.Server;
  beforeAll(async () => {
    // Alibaba calls the URL InitFaceVerify names; the API's port is known only once it runs
    let target = '';
    forward = http.createServer((req, res) => {
      const out = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      out.on('error', () => res.writeHead(502).end());
      req.pipe(out);
    });
    await new Promise<void>((r) => forward.listen(0, '127.0.0.1', () => r()));
    const port = (forward.address() as { port: number }).port;
    cb = await startStack({ FACE_PROVIDERS: 'aliyun', ALIYUN_FACE_CALLBACK_URL: `http://127.0.0.1:${port}/v1/face/aliyun/callback` });
    target = cb.baseUrl;
  });
  afterAll(async () => {
    await cb?.close();
    await new Promise((r) => forward?.close(r));
  });

  test('the scan finishes, Alibaba calls back: the check completes without the app, on DescribeFaceVerify’s word', async () => {
    const { id, deviceId } = await readyAccount(cb, { magic: 'pending' });
    const start = await startRealName(cb, id, deviceId);
    expect(start.body.flow.provider).toBe('aliyun');
    const callback = await cb.aliyun.finish(start.body.flow.certifyId);
    expect(callback?.outcome).toBe(200);
    const flow = await waitForAsync(async () => {
      const f = (await call(cb, 'GET', `/v1/accounts/${id}/real-name/flow`)).body.flow;
      return f.outcome ? f : undefined;
    });
    expect(flow.outcome).toBe('verified');
    // the app's completion, arriving after, is answered with that outcome
    const late = await complete(cb, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, deviceId));
    expect(late.body.result.outcome).toBe('verified');
  });

  test('a callback with a forged token, or about another check, changes nothing', async () => {
    const { id, deviceId } = await readyAccount(cb, { magic: 'pending' });
    const start = await startRealName(cb, id, deviceId);
    const certifyId = start.body.flow.certifyId;
    const [{ provider_data: issued }] = await q(cb, 'SELECT provider_data FROM face_verifications WHERE face_check_id = $1', [start.body.flow.faceCheckId]);
    const ref = issued.outerOrderNo;
    const forged = await call(cb, 'GET', `/v1/face/aliyun/callback?ref=${ref}&certifyId=${certifyId}&passed=T&subcode=200&callbackToken=forged`, undefined, { key: null });
    expect(forged.body).toMatchObject({ outcome: 'refused' });
    const unknown = await call(cb, 'GET', `/v1/face/aliyun/callback?ref=${ref}&certifyId=sha0000&passed=T&callbackToken=x`, undefined, { key: null });
    expect(unknown.body).toMatchObject({ outcome: 'unknown' });
    const malformed = await call(cb, 'GET', '/v1/face/aliyun/callback?passed=T', undefined, { key: null });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_INPUT');
    await new Promise((r) => setTimeout(r, 500));
    expect((await row(cb, start.body.flow.faceCheckId)).status).toBe('wait');
    expect((await call(cb, 'GET', `/v1/accounts/${id}/real-name/flow`)).body.flow.outcome).toBeNull();
  });
});

test('a device registration needs metaInfo or an openid; an openid of the wrong shape is refused', async () => {
  const { id } = await readyAccount(stack, { device: false });
  expect((await call(stack, 'PUT', `/v1/accounts/${id}/devices/d1`, { platform: 'ios' })).status).toBe(400);
  expect((await call(stack, 'PUT', `/v1/accounts/${id}/devices/d1`, { openid: 'has space' })).status).toBe(400);
  const both = await call(stack, 'PUT', `/v1/accounts/${id}/devices/d1`, { openid: uniqueOpenid(), metaInfo: metaInfo() });
  expect(both.body.device.clients).toEqual(['app', 'mini-program']);
});
