// The production engine's CI slice: the full Temporal server (scripts/temporal-server.ts,
// go.temporal.io/server on this machine's PostgreSQL, SQL visibility) instead of the dev
// server, with the product's real worker and API on it. One bind flow and one real-name
// flow end to end over HTTP, then the visibility queries the product and operators make,
// which SQL visibility answers differently from the dev server's SQLite.
//
// Runs in the stack project (its database and workflow bundle); its own server on 8 free
// ports (VSAGA_TEST_SERVER_PORT sets the first) and its own two Temporal databases, dropped
// at the end. Skipped only where the server is neither built nor buildable (no Go).
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { FLOW_KIND, FLOW_OUTCOME, ACCOUNT_ID } from '../../lib/search-attributes';
import { Client as PgClient } from 'pg';
import { DEFAULT_PG, ensureServerBinaries, engineUnavailableReason, prepareDatabases, startFullServer, type FullServer } from '../../scripts/temporal-server';
import { waitFor } from '../support/wait';
import { call, startStack, uniqueAccountId, uniquePhone, type Stack } from '../support/stack';
import { complete, readyAccount, sdkOk, startRealName } from '../support/real-name';
import { freePortBlock } from '../../scripts/ports';

const unavailable = engineUnavailableReason();
if (unavailable) console.warn(`SKIPPED test/engine/server.test.ts: ${unavailable} (bash scripts/ensure-temporal-server.sh builds it)`);
const describeEngine = unavailable ? describe.skip : describe;

let server: FullServer;
let stack: Stack;

beforeAll(async () => {
  if (unavailable) return;
  const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const port = Number(process.env.VSAGA_TEST_SERVER_PORT) || (await freePortBlock(8));
  const dataDir = path.join(__dirname, '..', '..', '.data', 'test');
  server = await startFullServer({
    port,
    dataDir,
    databases: { temporal: `temporal_t${suffix}`, visibility: `temporal_vis_t${suffix}` },
    retentionDays: 1,
    logFile: path.join(dataDir, 'temporal-server.log'),
    dropOnStop: true,
  });
  stack = await startStack({ TEMPORAL_ADDRESS: server.address });
  // a build on a machine that has none takes minutes; once cached, the start is seconds
}, 15 * 60_000);

afterAll(async () => {
  await stack?.close();
  await server?.stop();
}, 60_000);

/** Visibility is written after the fact (the history service's visibility queue): poll. */
async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeEngine('the product on the full Temporal server (PostgreSQL, SQL visibility)', () => {
  let bindAccount: string;
  let rnAccount: string;

  test('the server is the full one: its own version, the default namespace with our search attributes', async () => {
    const info = await stack.client.connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toBe('1.29.1');
    const sas = await stack.client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(sas.customAttributes ?? {})).toEqual(expect.arrayContaining(['VsFlowKind', 'VsFlowStage', 'VsFlowOutcome', 'VsAccountId']));
  });

  test('the schema step is idempotent: preparing the live databases again changes nothing', async () => {
    const versions = async () => {
      const out: string[] = [];
      for (const db of [server.databases.temporal, server.databases.visibility]) {
        const c = new PgClient({ host: DEFAULT_PG.host, port: DEFAULT_PG.port, user: DEFAULT_PG.user, password: DEFAULT_PG.password, database: db });
        await c.connect();
        try {
          const r = await c.query('SELECT curr_version FROM schema_version');
          out.push(`${db}:${r.rows[0].curr_version}`);
        } finally {
          await c.end();
        }
      }
      return out;
    };
    const before = await versions();
    expect(before.every((v) => /:\d+\.\d+$/.test(v))).toBe(true);
    await prepareDatabases(await ensureServerBinaries({ quiet: true }), server.databases);
    expect(await versions()).toEqual(before);
  });

  test('bind phone over HTTP: code by SMS, submit, bound', async () => {
    bindAccount = uniqueAccountId('eng');
    expect((await call(stack, 'POST', '/v1/accounts', { id: bindAccount })).status).toBe(201);
    const phone = uniquePhone();
    const start = await call(stack, 'POST', `/v1/accounts/${bindAccount}/phone/bind`, { phone });
    expect(start.status).toBe(201);
    expect(start.body.flow.flowId).toBe(`bind-phone:${bindAccount}`);
    const code = await waitFor(() => stack.sms.forPhone(phone)[0]?.params[0], 15_000);
    const done = await call(stack, 'POST', `/v1/flows/bind-phone:${bindAccount}/code`, { code });
    expect(done.status).toBe(200);
    expect(done.body.result.outcome).toBe('bound');
    const acct = await call(stack, 'GET', `/v1/accounts/${bindAccount}`);
    expect(acct.body.account.phone).toBe(`${phone.slice(0, 3)}****${phone.slice(-4)}`);
  });

  test('real-name over HTTP: start, the app completion, verified', async () => {
    const { id, deviceId } = await readyAccount(stack);
    rnAccount = id;
    const start = await startRealName(stack, id, deviceId);
    expect(start.status).toBe(201);
    const flow = start.body.flow;
    const done = await complete(stack, flow.clientToken, sdkOk(flow.certifyId, deviceId));
    expect(done.status).toBe(200);
    expect(done.body.result).toMatchObject({ outcome: 'verified', error: null });
    const acct = await call(stack, 'GET', `/v1/accounts/${id}`);
    expect(acct.body.account.realNameStatus).toBe('verified');
    const desc = await stack.client.workflow.getHandle(`real-name:${id}`).describe();
    expect(desc.typedSearchAttributes.get(FLOW_KIND)).toBe('real-name');
    expect(desc.typedSearchAttributes.get(FLOW_OUTCOME)).toBe('verified');
    expect(desc.typedSearchAttributes.get(ACCOUNT_ID)).toBe(id);
  });

  test('SQL visibility: count by kind and account, list by outcome, the /metrics flow counts', async () => {
    const count = await eventually(
      () => stack.client.workflow.count(`VsFlowKind = 'bind-phone' AND VsAccountId = '${bindAccount}'`),
      (c) => c.count === 1,
    );
    expect(count.count).toBe(1);

    const list = async (query: string) => {
      const ids: string[] = [];
      for await (const wf of stack.client.workflow.list({ query })) ids.push(wf.workflowId);
      return ids;
    };
    const verified = await eventually(() => list(`VsFlowOutcome = 'verified' AND VsAccountId = '${rnAccount}'`), (ids) => ids.includes(`real-name:${rnAccount}`));
    expect(verified).toContain(`real-name:${rnAccount}`);
    const bound = await eventually(() => list(`VsFlowOutcome = 'bound' AND ExecutionStatus = 'Completed'`), (ids) => ids.includes(`bind-phone:${bindAccount}`));
    expect(bound).toContain(`bind-phone:${bindAccount}`);
    expect(bound).not.toContain(`real-name:${rnAccount}`);
    // an outcome nobody reached, and an IN list (SQL visibility's own parser)
    expect((await stack.client.workflow.count(`VsFlowOutcome = 'no-such-outcome'`)).count).toBe(0);
    expect((await stack.client.workflow.count(`VsFlowKind IN ('bind-phone', 'real-name') AND VsAccountId IN ('${bindAccount}', '${rnAccount}')`)).count).toBeGreaterThanOrEqual(2);

    // the API's Prometheus flow counts are visibility queries too; this server is the suite's
    // own (fresh databases), so they are exact
    const metrics = await fetch(`${stack.baseUrl}/metrics`).then((r) => r.text());
    const gauge = (kind: string, state: string) => {
      const line = metrics.split('\n').find((l) => l.startsWith(`vsaga_flows{kind="${kind}",state="${state}"`));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    expect([gauge('bind-phone', 'started'), gauge('bind-phone', 'open'), gauge('bind-phone', 'bound')]).toEqual([1, 0, 1]);
    expect([gauge('real-name', 'started'), gauge('real-name', 'verified'), gauge('rebind-phone', 'started')]).toEqual([1, 1, 0]);
  });
});
