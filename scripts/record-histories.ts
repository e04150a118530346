// Records histories of real flows for the replay test (test/histories/). Run against a
// running `npm start` stack started with short lifetimes, so the expiry paths end quickly:
//
//   WEBHOOK_DISPATCHER_IDLE_SEC=3 WEBHOOK_DISPATCHER_MAX_PER_RUN=1 BIND_FLOW_TTL_SEC=6 \
//   FACE_TOKEN_TTL_SEC=6 WEBHOOK_SWEEP_INTERVAL_SEC=5 RECOVERY_GRANT_TTL_SEC=4 \
//   SECURITY_CHECK_FLOW_TTL_SEC=6 RETENTION_SWEEP_INTERVAL_SEC=5 npm start
//   npm run record-histories -- <folder> [name-prefix…]
//
// It drives every path over the HTTP API like a caller would and saves each workflow's history
// into test/histories/<folder>/. Record into a new folder when workflow code changes on purpose
// and keep the old folders: replaying them is what proves a change is compatible (patched()).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { loadConfig } from '../lib/config';
import { connectClient } from '../lib/temporal';
import { idCheckChar } from '../lib/idcard';
import { DEFAULT_REAL_NAME_AGREEMENT } from '../lib/config';

const cfg = loadConfig();
const API = `http://${cfg.api.host}:${cfg.api.port}`;
const INBOX = `http://${cfg.sandbox.host}:${cfg.sandbox.httpPort}`;
const headers = { authorization: `Bearer ${cfg.api.keys[0]!.secret}`, 'content-type': 'application/json' };
const [folder, ...only] = process.argv.slice(2);
if (!folder) {
  console.error('usage: npm run record-histories -- <folder under test/histories> [name-prefix…]');
  process.exit(2);
}
const OUT = path.join(__dirname, '..', 'test', 'histories', folder);
const stamp = Date.now().toString(36);
let serial = 0;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON answers, read by field
async function send(method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(`${API}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return res.json();
}
const post = (p: string, body?: unknown) => send('POST', p, body);

const unique = () => `${stamp}${++serial}`;
const phone = (prefix: string) => `${prefix}${String((Date.now() + ++serial) % 1e8).padStart(8, '0')}`;

/** A valid resident ID number (GB 11643 check character), not one of the sandbox's magic ones. */
function randomIdNumber(): string {
  const first17 = `110105${1960 + Math.floor(Math.random() * 40)}0${1 + Math.floor(Math.random() * 9)}1${Math.floor(Math.random() * 9)}${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
  return first17 + idCheckChar(first17)!;
}

async function latestCode(kind: 'sms' | 'mail', to: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${INBOX}/api/${kind}/latest-code?${kind === 'sms' ? 'phone' : 'to'}=${encodeURIComponent(to)}`);
    if (res.ok) return ((await res.json()) as { code: string }).code;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${kind} code for ${to}`);
}

async function account(withPhone?: string): Promise<string> {
  const id = `rec-${unique()}`;
  await post('/v1/accounts', { id });
  if (withPhone) {
    await post(`/v1/accounts/${id}/phone/bind`, { phone: withPhone });
    await post(`/v1/flows/bind-phone:${id}/code`, { code: await latestCode('sms', withPhone) });
  }
  return id;
}

async function device(id: string, magic: string | null): Promise<string> {
  const deviceId = `${id}-${magic ?? 'ok'}`;
  await send('PUT', `/v1/accounts/${id}/devices/${deviceId}`, { metaInfo: JSON.stringify({ apdidToken: 'rec', ...(magic ? { sandbox: magic } : {}) }) });
  return deviceId;
}

const ip = () => `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;

/** Starts real-name; completes the face check unless `complete` is false. Returns the face check id. */
async function realName(id: string, magic: string | null, complete = true): Promise<string> {
  const deviceId = await device(id, magic);
  const started = await post(`/v1/accounts/${id}/real-name`, { realName: '张三', idNumber: randomIdNumber(), deviceId, environmentSafe: true, agreement: DEFAULT_REAL_NAME_AGREEMENT, client: { ip: ip() } });
  if (!started.flow) throw new Error(`real-name start failed: ${JSON.stringify(started)}`);
  if (complete) await faceCompletion(deviceId, started.flow);
  return started.flow.faceCheckId;
}

async function faceCompletion(deviceId: string, flow: { clientToken: string; certifyId: string }): Promise<void> {
  const res = await fetch(`${API}/v1/face/completion`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-face-token': flow.clientToken },
    body: JSON.stringify({ deviceId, certifyId: flow.certifyId, errCode: 0, errMsg: 'ok' }),
  });
  if (!res.ok) throw new Error(`face completion failed: ${await res.text()}`);
}

/** Proves control by an SMS code and binds a new contact; returns nothing, the flow is done. */
async function rebindBySms(id: string, kind: 'phone' | 'email', currentPhone: string): Promise<string> {
  await post(`/v1/accounts/${id}/${kind}/rebind`, { method: 'sms' });
  const token = (await post(`/v1/flows/rebind-${kind}:${id}/code`, { code: await latestCode('sms', currentPhone) })).proof.unbindToken;
  const next = kind === 'phone' ? phone('133') : `rec-${unique()}@example.com`;
  await post(`/v1/flows/rebind-${kind}:${id}/new-contact`, { [kind]: next, token });
  await post(`/v1/flows/rebind-${kind}:${id}/new-contact/code`, { code: await latestCode(kind === 'phone' ? 'sms' : 'mail', next), token });
  return next;
}

/** name → the workflow ids (a run of each) it records; a scenario drives its flows to their end. */
type Scenario = () => Promise<[string, string][]>;

const scenarios: Record<string, Scenario> = {
  async 'bind-phone'() {
    const p = phone('135');
    const id = await account();
    await post(`/v1/accounts/${id}/phone/bind`, { phone: p });
    const code = await latestCode('sms', p);
    await post(`/v1/flows/bind-phone:${id}/code`, { code: code === '000000' ? '111111' : '000000' });
    await post(`/v1/flows/bind-phone:${id}/code`, { code });
    const email = `rec-${unique()}@example.com`;
    await post(`/v1/accounts/${id}/email/bind`, { email });
    await post(`/v1/flows/bind-email:${id}/code`, { code: await latestCode('mail', email) });
    return [
      [`bind-phone:${id}`, 'bind-phone-wrong-then-bound'],
      [`bind-email:${id}`, 'bind-email-bound'],
    ];
  },
  async 'bind-ended'() {
    const cancelled = await account();
    await post(`/v1/accounts/${cancelled}/phone/bind`, { phone: phone('137') });
    await send('DELETE', `/v1/flows/bind-phone:${cancelled}`);
    const locked = await account();
    await post(`/v1/accounts/${locked}/phone/bind`, { phone: phone('138') });
    for (let i = 0; i < 5; i++) await post(`/v1/flows/bind-phone:${locked}/code`, { code: String(100000 + i) });
    const expired = await account();
    await post(`/v1/accounts/${expired}/phone/bind`, { phone: phone('139') });
    return [
      [`bind-phone:${cancelled}`, 'bind-phone-cancelled'],
      [`bind-phone:${locked}`, 'bind-phone-locked'],
      [`bind-phone:${expired}`, 'bind-phone-expired'],
    ];
  },
  async 'bind-lost-commit'() {
    // the commit's task is refused (a signal arrives while a trigger holds the commit back): the
    // retried task finds the run's commit in the database and the flow ends bound
    const p = phone('136');
    const id = await account();
    await post(`/v1/accounts/${id}/phone/bind`, { phone: p });
    const code = await latestCode('sms', p);
    const pg = new PgClient({ connectionString: cfg.databaseUrl });
    await pg.connect();
    const fn = `rec_hold_${id.replace(/\W/g, '_')}`;
    await pg.query(`CREATE SEQUENCE ${fn}_n`);
    await pg.query(`CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = '${id}' THEN PERFORM nextval('${fn}_n'); RAISE EXCEPTION 'held'; END IF; RETURN NEW; END $$`);
    await pg.query(`CREATE TRIGGER ${fn} BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION ${fn}()`);
    try {
      const submitted = post(`/v1/flows/bind-phone:${id}/code`, { code });
      while (!(await pg.query(`SELECT is_called FROM ${fn}_n`)).rows[0].is_called) await new Promise((r) => setTimeout(r, 25));
      const client = await connectClient(cfg);
      await client.workflow.getHandle(`bind-phone:${id}`).signal('cancel');
      await client.connection.close();
      await pg.query(`DROP TRIGGER ${fn} ON accounts`);
      await submitted;
    } finally {
      await pg.query(`DROP TRIGGER IF EXISTS ${fn} ON accounts`);
      await pg.query(`DROP FUNCTION IF EXISTS ${fn}()`);
      await pg.query(`DROP SEQUENCE IF EXISTS ${fn}_n`);
      await pg.end();
    }
    return [[`bind-phone:${id}`, 'bind-phone-lost-commit']];
  },
  async rebind() {
    const p = phone('134');
    const id = await account(p);
    const email = `rec-${unique()}@example.com`;
    await post(`/v1/accounts/${id}/email/bind`, { email });
    await post(`/v1/flows/bind-email:${id}/code`, { code: await latestCode('mail', email) });
    const p2 = await rebindBySms(id, 'phone', p);
    await rebindBySms(id, 'email', p2);
    return [
      [`rebind-phone:${id}`, 'rebind-phone-sms'],
      [`rebind-email:${id}`, 'rebind-email-sms'],
    ];
  },
  async 'rebind-face'() {
    const id = await account(phone('131'));
    await realName(id, null);
    await creditFaceQuota(id);
    // a face rebind to its end, then one cancelled while its face check waits for the app
    const deviceId = await device(id, null);
    const started = await post(`/v1/accounts/${id}/phone/rebind`, { method: 'face', deviceId });
    await faceCompletion(deviceId, started.flow);
    let token: string | undefined;
    for (let i = 0; i < 50 && !token; i++) {
      token = (await post(`/v1/flows/rebind-phone:${id}/proof`)).proof?.unbindToken;
      if (!token) await new Promise((r) => setTimeout(r, 100));
    }
    if (!token) throw new Error('no unbind token after the face check');
    const next = phone('130');
    await post(`/v1/flows/rebind-phone:${id}/new-contact`, { phone: next, token });
    await post(`/v1/flows/rebind-phone:${id}/new-contact/code`, { code: await latestCode('sms', next), token });
    const faceRun: [string, string][] = [[`rebind-phone:${id}`, 'rebind-phone-face'], [started.flow.faceCheckId, 'face-check-rebind']];
    const second = await account(phone('132'));
    await realName(second, null);
    await creditFaceQuota(second);
    const cancelled = await post(`/v1/accounts/${second}/phone/rebind`, { method: 'face', deviceId: await device(second, null) });
    await send('DELETE', `/v1/flows/rebind-phone:${second}`);
    return [...faceRun, [`rebind-phone:${second}`, 'rebind-phone-face-cancelled'], [cancelled.flow.faceCheckId, 'face-check-owner-closed']];
  },
  async 'real-name'() {
    const verified = await account(phone('136'));
    await realName(verified, null);
    const failed = await account(phone('136'));
    await realName(failed, 'fail');
    const expired = await account(phone('136'));
    await realName(expired, null, false);
    // each run hosts its face check (hosted-face): the run's history holds it
    return [
      [`real-name:${verified}`, 'real-name-verified'],
      [`real-name:${failed}`, 'real-name-face-fail'],
      [`real-name:${expired}`, 'real-name-expired'],
    ];
  },
  async 'real-name-lost-billing'() {
    // a completion accepted in a task the history lost had billed the check (what that task's
    // consumeFaceQuota left in the ledger); the token then expires: the check finishes on the verdict
    const id = await account(phone('131'));
    const faceCheckId = await realName(id, null, false);
    const pg = new PgClient({ connectionString: cfg.databaseUrl });
    await pg.connect();
    await pg.query("UPDATE face_quota_ledger SET state = 'consumed', hold_until = NULL WHERE key = $1", [faceCheckId]);
    await pg.query('UPDATE accounts SET face_free_used = face_free_used + 1 WHERE id = $1', [id]);
    await pg.end();
    return [[`real-name:${id}`, 'real-name-lost-billing']];
  },
  async 'real-name-cancelled'() {
    // cancelled while the face check waits for the app: the check closes and gives its hold back
    const id = await account(phone('133'));
    const deviceId = await device(id, null);
    const started = await post(`/v1/accounts/${id}/real-name`, { realName: '张三', idNumber: randomIdNumber(), deviceId, environmentSafe: true, agreement: DEFAULT_REAL_NAME_AGREEMENT, client: { ip: ip() } });
    await send('DELETE', `/v1/flows/real-name:${id}`);
    if (!started.flow) throw new Error(`real-name start failed: ${JSON.stringify(started)}`);
    return [[`real-name:${id}`, 'real-name-cancelled']];
  },
  async 'face-scenes'() {
    // each scene to its end on an account verified by real-name, then the ways a scene ends
    // without its effect: FAIL, the token running out (FACE_TOKEN_TTL_SEC), a cancel
    const out: [string, string][] = [];
    const scene = async (name: 'reset_security' | 'unfreeze' | 'cancellation', magic: string | null, finish: 'complete' | 'expire' | 'cancel') => {
      const id = await account(phone('135'));
      await realName(id, null);
      await creditFaceQuota(id);
      if (name === 'reset_security') await send('PUT', `/v1/accounts/${id}/security-flags`, { flags: ['remote_login'], reason: 'record-histories' });
      if (name === 'unfreeze') await post(`/v1/accounts/${id}/freeze`, { reason: 'record-histories' });
      const deviceId = await device(id, magic);
      const started = await post(`/v1/accounts/${id}/face-scenes/${name}`, { deviceId });
      if (!started.flow) throw new Error(`${name} start failed: ${JSON.stringify(started)}`);
      if (finish === 'complete') await faceCompletion(deviceId, started.flow);
      if (finish === 'cancel') await send('DELETE', `/v1/flows/${started.flow.flowId}`);
      return { flowId: started.flow.flowId as string, faceCheckId: started.flow.faceCheckId as string };
    };
    for (const name of ['reset_security', 'unfreeze', 'cancellation'] as const) {
      const run = await scene(name, null, 'complete');
      out.push([run.flowId, `face-scene-${name.replace('_', '-')}`]);
      if (name === 'reset_security') out.push([run.faceCheckId, 'face-check-scene-success']);
    }
    const failed = await scene('unfreeze', 'fail', 'complete');
    const expired = await scene('cancellation', null, 'expire');
    const cancelled = await scene('reset_security', null, 'cancel');
    return [
      ...out,
      [failed.flowId, 'face-scene-fail'],
      [expired.flowId, 'face-scene-expired'],
      [cancelled.flowId, 'face-scene-cancelled'],
      [cancelled.faceCheckId, 'face-check-scene-owner-cancelled'],
    ];
  },
  async 'scene-codes'() {
    // unfreeze and cancellation proven by an SMS code: success, a lock (five wrong), a cancel
    const run = async (name: 'unfreeze' | 'cancellation', finish: 'right' | 'lock' | 'cancel') => {
      const p = phone('139');
      const id = await account(p);
      if (name === 'unfreeze') await post(`/v1/accounts/${id}/freeze`, { reason: 'record-histories' });
      const started = await post(`/v1/accounts/${id}/face-scenes/${name}`, { deviceId: 'rec-app', method: 'sms' });
      if (!started.flow) throw new Error(`${name} by code failed to start: ${JSON.stringify(started)}`);
      const code = await latestCode('sms', p);
      const flowId = started.flow.flowId as string;
      if (finish === 'right') {
        await post(`/v1/flows/${flowId}/code`, { code: code === '000000' ? '111111' : '000000' });
        await post(`/v1/flows/${flowId}/code`, { code });
      }
      if (finish === 'lock') for (let i = 0; i < 5; i++) await post(`/v1/flows/${flowId}/code`, { code: code === '000000' ? '111111' : '000000' });
      if (finish === 'cancel') await send('DELETE', `/v1/flows/${flowId}`);
      return flowId;
    };
    return [
      [await run('unfreeze', 'right'), 'scene-code-unfreeze'],
      [await run('cancellation', 'right'), 'scene-code-cancellation'],
      [await run('cancellation', 'lock'), 'scene-code-locked'],
      [await run('unfreeze', 'cancel'), 'scene-code-cancelled'],
    ];
  },
  async 'password-reset'() {
    // by SMS from a session, confirmed; by mail (the account's own email), its grant left to expire
    const bySms = phone('134');
    const smsId = await account(bySms);
    await post(`/v1/accounts/${smsId}/sessions`, { sessionId: `${smsId}-s1` });
    await post(`/v1/accounts/${smsId}/sessions`, { sessionId: `${smsId}-s2` });
    await post(`/v1/accounts/${smsId}/password-reset`, { method: 'sms', sessionId: `${smsId}-s1` });
    const code = await latestCode('sms', bySms);
    await post(`/v1/flows/password-reset:${smsId}/code`, { code: code === '000000' ? '111111' : '000000' });
    const grant = (await post(`/v1/flows/password-reset:${smsId}/code`, { code })).grant.grant;
    await post(`/v1/password-reset-grants/${grant}/confirm`, {});

    const mailId = await account(phone('134'));
    const email = `rec-${unique()}@example.com`;
    await post(`/v1/accounts/${mailId}/email/bind`, { email });
    await post(`/v1/flows/bind-email:${mailId}/code`, { code: await latestCode('mail', email) });
    await post(`/v1/accounts/${mailId}/password-reset`, { method: 'mail', email });
    await post(`/v1/flows/password-reset:${mailId}/code`, { code: await latestCode('mail', email) });
    return [
      [`password-reset:${smsId}`, 'password-reset-sms-confirmed'],
      [`password-reset:${mailId}`, 'password-reset-mail-grant-expired'],
    ];
  },
  async 'face-providers'() {
    // the face check through each provider: real-name through WeChat (a mini-program device,
    // the sandbox playing the pass for its openid), through Alibaba after DCloud answered 55001
    // (failover, before anything was billed), and a phone rebind by face through WeChat, where
    // the check issues the verify_id itself and tells its owner which provider it is
    const client = await connectClient(cfg);
    const miniProgram = async (id: string) => {
      const deviceId = `${id}-mp`;
      await send('PUT', `/v1/accounts/${id}/devices/${deviceId}`, { openid: `oRec${unique()}_sbx_10000`, platform: 'mp-weixin' });
      return deviceId;
    };
    const start = async (id: string, deviceId: string) => {
      const started = await post(`/v1/accounts/${id}/real-name`, { realName: '张三', idNumber: randomIdNumber(), deviceId, environmentSafe: true, agreement: DEFAULT_REAL_NAME_AGREEMENT, client: { ip: ip() } });
      if (!started.flow) throw new Error(`real-name start failed: ${JSON.stringify(started)}`);
      await faceCompletion(deviceId, started.flow);
      await client.workflow.getHandle(`real-name:${id}`).result();
      return started.flow as { faceCheckId: string; provider: string };
    };
    const wechatId = await account(phone('134'));
    const wechatDevice = await miniProgram(wechatId);
    const byWechat = await start(wechatId, wechatDevice);
    await send('PUT', '/v1/face-providers/personal', { providers: ['dcloud', 'aliyun'] });
    const failoverId = await account(phone('134'));
    const byAliyun = await start(failoverId, await device(failoverId, 'upstream')).finally(() => send('DELETE', '/v1/face-providers/personal'));
    if (byWechat.provider !== 'wechat' || byAliyun.provider !== 'aliyun') throw new Error(`providers: ${byWechat.provider}, ${byAliyun.provider}`);
    const pg = new PgClient({ connectionString: cfg.databaseUrl });
    await pg.connect();
    await pg.query('UPDATE accounts SET face_number = 1 WHERE id = $1', [wechatId]); // a purchased unit for the rebind's check
    await pg.end();
    const rebind = await post(`/v1/accounts/${wechatId}/phone/rebind`, { method: 'face', deviceId: wechatDevice });
    if (rebind.flow?.provider !== 'wechat') throw new Error(`rebind start: ${JSON.stringify(rebind)}`);
    await faceCompletion(wechatDevice, rebind.flow);
    await client.workflow.getHandle(rebind.flow.faceCheckId).result();
    await send('DELETE', `/v1/flows/rebind-phone:${wechatId}`);
    await client.connection.close();
    return [
      [`real-name:${wechatId}`, 'real-name-wechat'],
      [`real-name:${failoverId}`, 'real-name-failover-aliyun'],
      [`rebind-phone:${wechatId}`, 'rebind-phone-face-wechat'],
      [rebind.flow.faceCheckId, 'face-check-rebind-wechat'],
    ];
  },
  async 'security-check'() {
    // an unsafe environment proven by SMS: a wrong code, the right one → the pass; real-name
    // with it goes on (the pass spent) to a verified face; a check locked by five wrong codes;
    // one left to expire (SECURITY_CHECK_FLOW_TTL_SEC)
    const ready = async () => {
      const p = phone('132');
      const id = await account(p);
      await post(`/v1/accounts/${id}/sessions`, { sessionId: `${id}-s1` });
      return { id, p, deviceId: await device(id, null) };
    };
    const begin = async (a: { id: string; deviceId: string }) => {
      const started = await post(`/v1/accounts/${a.id}/security-check`, { sessionId: `${a.id}-s1`, deviceId: a.deviceId });
      if (!started.flow) throw new Error(`security check start failed: ${JSON.stringify(started)}`);
    };
    const a = await ready();
    await begin(a);
    const code = await latestCode('sms', a.p);
    await post(`/v1/flows/security-check:${a.id}/code`, { code: code === '000000' ? '111111' : '000000' });
    const pass = (await post(`/v1/flows/security-check:${a.id}/code`, { code })).grant.grant;
    const started = await post(`/v1/accounts/${a.id}/real-name`, { realName: '张三', idNumber: randomIdNumber(), deviceId: a.deviceId, environmentSafe: false, securityPass: pass, agreement: DEFAULT_REAL_NAME_AGREEMENT, client: { ip: ip() } });
    if (!started.flow) throw new Error(`real-name start with a pass failed: ${JSON.stringify(started)}`);
    await faceCompletion(a.deviceId, started.flow);

    const locked = await ready();
    await begin(locked);
    const right = await latestCode('sms', locked.p);
    for (let i = 0; i < 5; i++) await post(`/v1/flows/security-check:${locked.id}/code`, { code: right === '000000' ? '111111' : '000000' });

    const expired = await ready();
    await begin(expired);
    return [
      [`security-check:${a.id}`, 'security-check-passed'],
      [`real-name:${a.id}`, 'real-name-security-pass'],
      [`security-check:${locked.id}`, 'security-check-locked'],
      [`security-check:${expired.id}`, 'security-check-expired'],
    ];
  },
  async 'grant-expiry'() {
    // a grant left to expire (the flow asks whether its redemption committed: it did not), and
    // one whose redemption committed in a task the history lost (written here as that step
    // writes it, without its notices): the flow ends recovered at the grant's expiry
    const run = async (lost: boolean) => {
      const p = phone('131');
      const id = await account(p);
      const t = (await post('/v1/recovery/lookup', { phone: p, client: { ip: ip() } })).recovery.matches[0].ticket;
      await post('/v1/recovery/flows', { ticket: t, method: 'sms', deviceId: 'rec-web', client: { ip: ip() } });
      await post(`/v1/flows/recovery:${id}/code`, { code: await latestCode('sms', p) });
      if (lost) {
        const pg = new PgClient({ connectionString: cfg.databaseUrl });
        await pg.connect();
        await pg.query("UPDATE recovery_grants SET redeemed_at = now(), sessions_ended = '{}' WHERE flow_id = $1 AND redeemed_at IS NULL", [`recovery:${id}`]);
        await pg.end();
      }
      return `recovery:${id}`;
    };
    return [
      [await run(false), 'recovery-grant-expired'],
      [await run(true), 'recovery-lost-redemption'],
    ];
  },
  async recovery() {
    // without a login: a lookup's ticket, then each proof to its end; a grant redeemed, one left
    // to expire (RECOVERY_GRANT_TTL_SEC), a face that fails, a cancel
    const ticket = async (by: Record<string, string>) => (await post('/v1/recovery/lookup', { ...by, client: { ip: ip() } })).recovery.matches[0].ticket as string;
    const start = async (t: string, method: string, deviceId = 'rec-web') => {
      const started = await post('/v1/recovery/flows', { ticket: t, method, deviceId, client: { ip: ip() } });
      if (!started.flow) throw new Error(`recovery start failed: ${JSON.stringify(started)}`);
      return started.flow;
    };
    const bySms = phone('135');
    const smsId = await account(bySms);
    await post(`/v1/accounts/${smsId}/sessions`, { sessionId: `${smsId}-s1` });
    await start(await ticket({ phone: bySms }), 'sms');
    const code = await latestCode('sms', bySms);
    await post(`/v1/flows/recovery:${smsId}/code`, { code: code === '000000' ? '111111' : '000000' });
    const smsGrant = (await post(`/v1/flows/recovery:${smsId}/code`, { code })).grant.grant;
    await post(`/v1/recovery-grants/${smsGrant}/redeem`, {});

    const mailId = await account(phone('136'));
    const email = `rec-${unique()}@example.com`;
    await post(`/v1/accounts/${mailId}/email/bind`, { email });
    await post(`/v1/flows/bind-email:${mailId}/code`, { code: await latestCode('mail', email) });
    await start(await ticket({ email }), 'mail');
    await post(`/v1/flows/recovery:${mailId}/code`, { code: await latestCode('mail', email) });

    const face = async (magic: string | null) => {
      const p = phone('137');
      const id = await account(p);
      await realName(id, null);
      await creditFaceQuota(id);
      const deviceId = await device(id, magic);
      const flow = await start(await ticket({ phone: p }), 'face', deviceId);
      const collected = post(`/v1/flows/recovery:${id}/grant`);
      await faceCompletion(deviceId, { clientToken: flow.clientToken, certifyId: flow.face.certifyId });
      const grant = (await collected).grant?.grant;
      if (grant) await post(`/v1/recovery-grants/${grant}/redeem`, {});
      return { flowId: flow.flowId as string, faceCheckId: flow.face.faceCheckId as string };
    };
    const faceOk = await face(null);
    const faceFail = await face('fail');

    const cancelledPhone = phone('138');
    const cancelledId = await account(cancelledPhone);
    await start(await ticket({ phone: cancelledPhone }), 'sms');
    await send('DELETE', `/v1/flows/recovery:${cancelledId}`);
    return [
      [`recovery:${smsId}`, 'recovery-sms-redeemed'],
      [`recovery:${mailId}`, 'recovery-mail-grant-expired'],
      [faceOk.flowId, 'recovery-face-redeemed'],
      [faceOk.faceCheckId, 'face-check-recovery-success'],
      [faceFail.flowId, 'recovery-face-fail'],
      [`recovery:${cancelledId}`, 'recovery-cancelled'],
    ];
  },
  async webhooks() {
    // a local endpoint subscribed to everything; two events of one account through the
    // per-account dispatcher (WEBHOOK_DISPATCHER_MAX_PER_RUN=1: its first run continues as new)
    const receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receivers.push(receiver);
    // an earlier recording's endpoint is gone: its deliveries would keep the dispatcher busy
    for (const w of (await send('GET', '/v1/webhooks')).subscribers ?? []) {
      if (w.description === 'record-histories') await send('DELETE', `/v1/webhooks/${w.id}`);
    }
    await post('/v1/webhooks', { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, eventTypes: ['*'], description: 'record-histories' });
    const id = await account(phone('132'));
    const email = `rec-${unique()}@example.com`;
    await post(`/v1/accounts/${id}/email/bind`, { email });
    await post(`/v1/flows/bind-email:${id}/code`, { code: await latestCode('mail', email) });
    return [[`webhooks:${id}`, 'webhook-dispatcher-delivered']];
  },
  async 'webhook-sweep'() {
    // after webhooks (which creates the sweeper's Schedule): it starts one every
    // WEBHOOK_SWEEP_INTERVAL_SEC; a finished run
    const client = await connectClient(cfg);
    try {
      for (let i = 0; i < 120; i++) {
        for await (const w of client.workflow.list({ query: "WorkflowType = 'webhookSweep' AND ExecutionStatus = 'Completed'" })) return [[w.workflowId, 'webhook-sweep']];
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await client.connection.close();
    }
    throw new Error('no webhookSweep run finished within 2 minutes (is WEBHOOK_SWEEP_INTERVAL_SEC short?)');
  },
  async 'retention-sweep'() {
    // the worker's retention Schedule (RETENTION_SWEEP_INTERVAL_SEC short) starts a sweep every
    // few seconds: a failed check back-dated past FACE_IDENTITY_RETENTION_DAYS, then the first
    // finished sweep that redacted it (its history: a batch that redacted, then an empty one)
    const id = await account(phone('133'));
    const faceCheckId = await realName(id, 'fail');
    const client = await connectClient(cfg);
    const pg = new PgClient({ connectionString: cfg.databaseUrl });
    await pg.connect();
    try {
      await client.workflow.getHandle(`real-name:${id}`).result();
      await pg.query("UPDATE face_verifications SET created_at = now() - make_interval(days => $2 + 1) WHERE face_check_id = $1", [faceCheckId, cfg.retention.identityDays]);
      const since = new Date().toISOString();
      for (let i = 0; i < 120; i++) {
        const { rows } = await pg.query('SELECT redacted_at FROM face_verifications WHERE face_check_id = $1', [faceCheckId]);
        if (rows[0]?.redacted_at) {
          const query = `WorkflowType = 'retentionSweep' AND ExecutionStatus = 'Completed' AND StartTime > '${since}'`;
          for await (const w of client.workflow.list({ query })) {
            const r = (await client.workflow.getHandle(w.workflowId, w.runId).result()) as { identities: number };
            if (r.identities > 0) return [[w.workflowId, 'retention-sweep-redacted']];
          }
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await pg.end();
      await client.connection.close();
    }
    throw new Error('no retentionSweep redacted the back-dated check within 2 minutes (is RETENTION_SWEEP_INTERVAL_SEC short?)');
  },
};

const receivers: http.Server[] = [];

/** Real-name used the free face check: a purchased unit for the face rebind (the platform's sale). */
async function creditFaceQuota(id: string): Promise<void> {
  const pg = new PgClient({ connectionString: cfg.databaseUrl });
  await pg.connect();
  await pg.query('UPDATE accounts SET face_number = face_number + 1 WHERE id = $1', [id]);
  await pg.end();
}

async function main() {
  const client = await connectClient(cfg);
  fs.mkdirSync(OUT, { recursive: true });
  for (const [name, scenario] of Object.entries(scenarios)) {
    if (only.length && !only.some((p) => name.startsWith(p))) continue;
    for (const [workflowId, file] of await scenario()) {
      const handle = client.workflow.getHandle(workflowId);
      const ended = await Promise.race([handle.result().then(() => true, () => true), new Promise((r) => setTimeout(() => r(false), 30_000))]);
      if (!ended) throw new Error(`${workflowId} did not finish; see the worker's log`);
      // a chain of runs (continueAsNew): the first run's history is the one that shows it
      const latest = await handle.fetchHistory();
      const first = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId;
      const history = first ? await client.workflow.getHandle(workflowId, first).fetchHistory() : latest;
      const out = path.join(OUT, `${file}.json`);
      fs.writeFileSync(out, JSON.stringify(history, null, 1));
      console.log(`recorded ${workflowId} → ${path.relative(process.cwd(), out)} (${history.events?.length} events)`);
    }
  }
  for (const r of receivers) r.close();
  await client.connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
