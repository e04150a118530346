// Records histories of real flows for the replay test (test/histories/). Run against a
// running `npm start` stack: it drives flows over the HTTP API like a caller would and
// saves each workflow's history. Re-record when a workflow changes on purpose (and keep
// the old files: replaying them is what proves a change is compatible, via patched()).
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { loadConfig } from '../lib/config';
import { connectClient } from '../lib/temporal';
import { idCheckChar } from '../lib/idcard';

const cfg = loadConfig();
const API = `http://${cfg.api.host}:${cfg.api.port}`;
const INBOX = `http://${cfg.sandbox.host}:${cfg.sandbox.httpPort}`;
const headers = { authorization: `Bearer ${cfg.api.keys[0]!.secret}`, 'content-type': 'application/json' };
const OUT = path.join(__dirname, '..', 'test', 'histories');

async function post(p: string, body?: unknown) {
  const res = await fetch(`${API}${p}`, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

async function put(p: string, body: unknown) {
  const res = await fetch(`${API}${p}`, { method: 'PUT', headers, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

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

async function main() {
  const client = await connectClient(cfg);
  const stamp = Date.now().toString(36);
  const flows: [string, string][] = [];

  // webhooks: a local endpoint subscribed to everything; an account's phone.bound reaches
  // it through the per-account dispatcher (start the stack with WEBHOOK_DISPATCHER_IDLE_SEC=3
  // so the dispatcher ends soon after)
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  await post('/v1/webhooks', { url: hook, eventTypes: ['*'], description: 'record-histories' });
  const w = `rec-${stamp}-w`;
  const phoneW = `132${String(Date.now() % 1e8).padStart(8, '0')}`;
  await post('/v1/accounts', { id: w });
  await post(`/v1/accounts/${w}/phone/bind`, { phone: phoneW });
  await post(`/v1/flows/bind-phone:${w}/code`, { code: await latestCode('sms', phoneW) });
  flows.push([`webhooks:${w}`, 'webhook-dispatcher-delivered']);

  // bind phone: one wrong code, then the right one
  const a = `rec-${stamp}-a`;
  const phone = `135${String(Date.now() % 1e8).padStart(8, '0')}`;
  await post('/v1/accounts', { id: a });
  await post(`/v1/accounts/${a}/phone/bind`, { phone });
  const code = await latestCode('sms', phone);
  await post(`/v1/flows/bind-phone:${a}/code`, { code: code === '000000' ? '111111' : '000000' });
  await post(`/v1/flows/bind-phone:${a}/code`, { code });
  flows.push([`bind-phone:${a}`, 'bind-phone-wrong-then-bound']);

  // bind email, then a cancelled bind phone on the same account
  const email = `rec-${stamp}@example.com`;
  await post(`/v1/accounts/${a}/email/bind`, { email });
  await post(`/v1/flows/bind-email:${a}/code`, { code: await latestCode('mail', email) });
  flows.push([`bind-email:${a}`, 'bind-email-bound']);

  const b = `rec-${stamp}-b`;
  await post('/v1/accounts', { id: b });
  await post(`/v1/accounts/${b}/phone/bind`, { phone: `137${String(Date.now() % 1e8).padStart(8, '0')}` });
  await fetch(`${API}/v1/flows/bind-phone:${b}`, { method: 'DELETE', headers });
  flows.push([`bind-phone:${b}`, 'bind-phone-cancelled']);

  // rebind: a phone by an SMS proof, then the email by an SMS proof, on an account with both
  const d = `rec-${stamp}-d`;
  const phoneD = `134${String(Date.now() % 1e8).padStart(8, '0')}`;
  const emailD = `rec-${stamp}-d@example.com`;
  await post('/v1/accounts', { id: d });
  await post(`/v1/accounts/${d}/phone/bind`, { phone: phoneD });
  await post(`/v1/flows/bind-phone:${d}/code`, { code: await latestCode('sms', phoneD) });
  await post(`/v1/accounts/${d}/email/bind`, { email: emailD });
  await post(`/v1/flows/bind-email:${d}/code`, { code: await latestCode('mail', emailD) });
  await post(`/v1/accounts/${d}/phone/rebind`, { method: 'sms' });
  const phoneToken = ((await post(`/v1/flows/rebind-phone:${d}/code`, { code: await latestCode('sms', phoneD) })) as { proof: { unbindToken: string } }).proof.unbindToken;
  const phoneD2 = `133${String(Date.now() % 1e8).padStart(8, '0')}`;
  await post(`/v1/flows/rebind-phone:${d}/new-contact`, { phone: phoneD2, token: phoneToken });
  await post(`/v1/flows/rebind-phone:${d}/new-contact/code`, { code: await latestCode('sms', phoneD2), token: phoneToken });
  flows.push([`rebind-phone:${d}`, 'rebind-phone-sms']);
  await post(`/v1/accounts/${d}/email/rebind`, { method: 'sms' });
  const emailToken = ((await post(`/v1/flows/rebind-email:${d}/code`, { code: await latestCode('sms', phoneD2) })) as { proof: { unbindToken: string } }).proof.unbindToken;
  const emailD2 = `rec-${stamp}-d2@example.com`;
  await post(`/v1/flows/rebind-email:${d}/new-contact`, { email: emailD2, token: emailToken });
  await post(`/v1/flows/rebind-email:${d}/new-contact/code`, { code: await latestCode('mail', emailD2), token: emailToken });
  flows.push([`rebind-email:${d}`, 'rebind-email-sms']);

  // real-name: verified (account a has its phone now), and a FAIL face on another account
  const ip = () => `198.18.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
  const verify = async (account: string, magic: string | null, idNumber: string) => {
    const device = `${account}-phone`;
    await put(`/v1/accounts/${account}/devices/${device}`, { metaInfo: JSON.stringify({ apdidToken: 'rec', ...(magic ? { sandbox: magic } : {}) }) });
    const started = (await post(`/v1/accounts/${account}/real-name`, { realName: '张三', idNumber, deviceId: device, environmentSafe: true, client: { ip: ip() } })) as {
      flow?: { clientToken: string; certifyId: string };
    };
    if (!started.flow) throw new Error(`real-name start failed: ${JSON.stringify(started)}`);
    const res = await fetch(`${API}/v1/face/completion`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-face-token': started.flow.clientToken },
      body: JSON.stringify({ deviceId: device, certifyId: started.flow.certifyId, errCode: 0, errMsg: 'ok' }),
    });
    if (!res.ok) throw new Error(`face completion failed: ${await res.text()}`);
  };
  await verify(a, null, randomIdNumber());
  flows.push([`real-name:${a}`, 'real-name-verified'], [`real-name:${a}/face`, 'face-check-success']);
  const c = `rec-${stamp}-c`;
  const phoneC = `136${String(Date.now() % 1e8).padStart(8, '0')}`;
  await post('/v1/accounts', { id: c });
  await post(`/v1/accounts/${c}/phone/bind`, { phone: phoneC });
  await post(`/v1/flows/bind-phone:${c}/code`, { code: await latestCode('sms', phoneC) });
  await verify(c, 'fail', randomIdNumber());
  flows.push([`real-name:${c}`, 'real-name-face-fail'], [`real-name:${c}/face`, 'face-check-fail']);

  // `npx tsx scripts/record-histories.ts real-name face-check` saves only those files
  const only = process.argv.slice(2);

  fs.mkdirSync(OUT, { recursive: true });
  for (const [workflowId, name] of flows.filter(([, n]) => only.length === 0 || only.some((p) => n.startsWith(p)))) {
    const handle = client.workflow.getHandle(workflowId);
    const ended = await Promise.race([handle.result().then(() => true, () => true), new Promise((r) => setTimeout(() => r(false), 15_000))]);
    if (!ended) throw new Error(`${workflowId} did not finish; see the worker's log`);
    const history = await handle.fetchHistory();
    const file = path.join(OUT, `${name}.json`);
    fs.writeFileSync(file, JSON.stringify(history, null, 1));
    console.log(`recorded ${workflowId} → ${path.relative(process.cwd(), file)} (${history.events?.length} events)`);
  }
  receiver.close();
  await client.connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
