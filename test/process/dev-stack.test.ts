// `npm start`'s orchestrator as a user runs it: one process brings up the Temporal dev
// server with its UI, the sandboxes, the worker and the API; a bind flow works through
// it; Ctrl-C stops everything; a second start keeps the data.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { idCheckChar } from '../../lib/idcard';
import { DEFAULT_REAL_NAME_AGREEMENT } from '../../lib/config';
import { freePorts } from '../../scripts/ports';
import { processPortEnv, processPorts } from '../support/process-ports';

const ROOT = path.join(__dirname, '..', '..');
const KEY = 'dev-stack-test-key-123';

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function startDev(env: Record<string, string>): Promise<Running> {
  let out = '';
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'dev.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 150_000;
  // the table's last line, not the "is up" line before it: the rows may arrive in a later chunk
  while (!/Ctrl-C stops everything/.test(out)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`dev stack did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output: () => out, exited };
}

async function stop(r: Running): Promise<number | null> {
  r.child.kill('SIGINT');
  return r.exited;
}

const json = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as any };
};

test('npm start: up, a bind works through it, Ctrl-C stops all, data survives a restart', async () => {
  const ports = { ...(await freePorts('temporal', 'ui')), ...(await processPorts()) };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsaga-dev-'));
  const env = {
    VSAGA_DATA_DIR: dataDir,
    // every line the processes can write, so the personal-data check below sees them all
    VSAGA_LOG_LEVEL: 'debug',
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    TEMPORAL_UI_URL: `http://127.0.0.1:${ports.ui}`,
    TEMPORAL_TASK_QUEUE: 'dev-stack-test',
    API_KEYS: `t:${KEY}:*`,
    CODEC_CORS_ORIGINS: `http://127.0.0.1:${ports.ui}`,
    ...processPortEnv(ports),
  };
  const api = `http://127.0.0.1:${ports.api}`;
  const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };

  const first = await startDev(env);
  let pids: number[] = [];
  try {
    expect(first.output()).toContain(`http://127.0.0.1:${ports.ui}`);
    expect((await json(`${api}/health`)).body.status).toBe('ok');
    // npm start turns the demo console's key on for this machine's browser
    expect(first.output()).toMatch(/Demo console .*dev key filled in/);
    expect((await json(`${api}/console/config.json`)).body.apiKey).toBe(KEY);
    // the UI is the dev server's, configured with our codec endpoint
    const settings = await json(`http://127.0.0.1:${ports.ui}/api/v1/settings`);
    expect(settings.body.Codec.Endpoint).toBe(`http://127.0.0.1:${ports.codec}`);

    const id = `dev-${Date.now()}`;
    const phone = `136${String(Date.now() % 1e8).padStart(8, '0')}`;
    expect((await json(`${api}/v1/accounts`, { method: 'POST', headers: auth, body: JSON.stringify({ id }) })).status).toBe(201);
    const started = await json(`${api}/v1/accounts/${id}/phone/bind`, { method: 'POST', headers: auth, body: JSON.stringify({ phone }) });
    expect(started.status).toBe(201);
    const latest = await json(`http://127.0.0.1:${ports.inbox}/api/sms/latest-code?phone=${phone}`);
    expect(latest.body.code).toMatch(/^\d{6}$/);
    const done = await json(`${api}/v1/flows/bind-phone:${id}/code`, { method: 'POST', headers: auth, body: JSON.stringify({ code: latest.body.code }) });
    expect(done.body.result.outcome).toBe('bound');

    // Prometheus: HTTP by route pattern and flows by outcome (API); provider calls and the
    // Temporal SDK's worker metrics (worker)
    const apiMetrics = await (await fetch(`${api}/metrics`)).text();
    expect(apiMetrics).toMatch(/vsaga_http_requests_total\{[^}]*route="\/v1\/accounts\/:id\/phone\/bind"[^}]*status="201"[^}]*\} 1/);
    expect(apiMetrics).toMatch(/vsaga_flows\{[^}]*kind="bind-phone",state="bound"[^}]*\} 1/);
    expect(apiMetrics).not.toContain(phone);
    expect(apiMetrics).not.toContain(id);
    const workerMetrics = await (await fetch(`http://127.0.0.1:${ports.workerMetrics}/metrics`)).text();
    expect(workerMetrics).toMatch(/vsaga_provider_calls_total\{[^}]*provider="sms",outcome="ok"[^}]*\} 1/);
    expect(workerMetrics).toMatch(/^temporal_\w+/m);

    // real-name through the real processes: a match, a checksum error and a provider mismatch
    const idNumber = `110105${1970 + (Date.now() % 30)}0612${String(Date.now() % 1000).padStart(3, '0')}`;
    const full = idNumber + idCheckChar(idNumber);
    const name = '欧阳娜娜';
    const device = `${id}-app`;
    const put = await json(`${api}/v1/accounts/${id}/devices/${device}`, { method: 'PUT', headers: auth, body: JSON.stringify({ metaInfo: '{"apdidToken":"x"}' }) });
    expect(put.status).toBe(201);
    const body = (idn: string) => JSON.stringify({ realName: name, idNumber: idn, deviceId: device, environmentSafe: true, agreement: DEFAULT_REAL_NAME_AGREEMENT, client: { ip: '198.51.100.77' } });
    const bad = await json(`${api}/v1/accounts/${id}/real-name`, { method: 'POST', headers: auth, body: body(`${idNumber}${(Number(idCheckChar(idNumber)) + 1) % 10}`) });
    expect(bad.body.error.code).toBe('REAL_NAME_INVALID_ID');
    const rn = await json(`${api}/v1/accounts/${id}/real-name`, { method: 'POST', headers: auth, body: body(full) });
    expect(rn.status).toBe(201);
    const done2 = await json(`${api}/v1/face/completion`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-face-token': rn.body.flow.clientToken },
      body: JSON.stringify({ deviceId: device, certifyId: rn.body.flow.certifyId, errCode: 0 }),
    });
    expect(done2.body.result.outcome).toBe('verified');
    const other = `dev2-${Date.now()}`;
    await json(`${api}/v1/accounts`, { method: 'POST', headers: auth, body: JSON.stringify({ id: other }) });
    const mismatch = await json(`${api}/v1/accounts/${other}/real-name`, { method: 'POST', headers: auth, body: JSON.stringify({ realName: name, idNumber: '110101199001012010', deviceId: device, environmentSafe: true, agreement: DEFAULT_REAL_NAME_AGREEMENT }) });
    expect(mismatch.status).toBeGreaterThanOrEqual(400);

    // every provider is measured: the ID check and the face function too
    const after = await (await fetch(`http://127.0.0.1:${ports.workerMetrics}/metrics`)).text();
    expect(after).toMatch(/vsaga_provider_calls_total\{[^}]*provider="idcard",outcome="match"[^}]*\} 1/);
    expect(after).toMatch(/vsaga_provider_calls_total\{[^}]*provider="face",outcome="ok"[^}]*\} 2/);
    expect(after).toMatch(/vsaga_provider_call_duration_seconds_count\{[^}]*provider="idcard"[^}]*\} 1/);

    // the logs of every process saw all of that: no ID number, no name, no phone in them
    const logs = first.output();
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of [full, idNumber, '110101199001012010', name, phone]) expect(logs).not.toContain(secret);

    pids = (fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)) as string[])
      .map(Number)
      .filter((pid) => {
        try {
          return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(String(ports.temporal)) || fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`VSAGA_DATA_DIR=${dataDir}`);
        } catch {
          return false;
        }
      });
    expect(pids.length).toBeGreaterThanOrEqual(4); // orchestrator, temporal, sandbox, worker, api

    expect(await stop(first)).toBe(0);
    expect(first.output()).toContain('stopped');
    const alive = pids.filter((pid) => fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '));
    expect(alive).toEqual([]);

    // same data dir: Temporal's SQLite file keeps the finished flow
    const second = await startDev(env);
    try {
      const state = await json(`${api}/v1/flows/bind-phone:${id}`, { headers: auth });
      expect(state.body.flow.outcome).toBe('bound');
    } finally {
      expect(await stop(second)).toBe(0);
    }
  } finally {
    if (first.child.exitCode === null) first.child.kill('SIGKILL');
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}, 300_000);
