// The API's /metrics without a server behind it: a fake Temporal client counts the visibility
// queries, so "a scrape costs no queries" is a number, not a timing. Served over real HTTP
// (the API app and the internal listener) for the token and the port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client, CountWorkflowExecution } from '@temporalio/client';
import { createApp } from '../../api/app';
import { FlowCounts, flowCountQueries } from '../../api/flow-counts';
import { createApiMetrics, startInternalMetrics, type ApiMetrics } from '../../api/routes/metrics';
import type { ApiDeps } from '../../http/deps';
import { API_FLOW_KINDS, FLOW_KINDS } from '../../flows/registry';
import { loadConfig, ConfigError } from '../../lib/config';
import { FieldCrypto } from '../../lib/field-crypto';
import { createLogger } from '../../lib/logger';
import { createRegistry } from '../../lib/metrics';
import { startWorkerMetricsServer } from '../../worker/metrics-server';
import { productionEnv } from '../support/production-env';

const TOKEN = 'metrics-token-0123456789abcdef';
const API_KEY = 'dev-api-key-change-me';
const log = createLogger('test', 'silent');

type Count = (q: string) => Promise<CountWorkflowExecution>;

/** A Temporal client whose only used part, workflow.count, is the given function. */
const fakeClient = (count: jest.Mock<ReturnType<Count>, Parameters<Count>>) => ({ workflow: { count } }) as unknown as Client;

/** Every kind: 7 started, 2 of them running; every outcome: 3. */
const answer: Count = async (q) =>
  q.includes('GROUP BY')
    ? { count: 7, groups: [{ count: 2, groupValues: [['Running']] }, { count: 5, groupValues: [['Completed']] }] }
    : { count: 3, groups: [] };

const QUERIES_PER_REFRESH = API_FLOW_KINDS.reduce((n, k) => n + 1 + FLOW_KINDS[k].outcomes.length, 0);

function deps(env: Record<string, string>, count: jest.Mock<ReturnType<Count>, Parameters<Count>>): ApiDeps {
  const cfg = loadConfig(env);
  // createApp only keeps these; the routes under test never reach Postgres or Redis
  return { cfg, client: fakeClient(count), log, pool: {} as ApiDeps['pool'], redis: {} as ApiDeps['redis'], fieldCrypto: new FieldCrypto(cfg.crypto) };
}

async function serve(listener: http.RequestListener): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(listener);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

const sample = (text: string, name: string, labels = '') => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}`) || (labels === '' && l.startsWith(`${name} `)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

describe('flow counts: the scrape reads a cache', () => {
  let m: ApiMetrics;
  afterEach(() => m?.flows.stop());

  test('one grouped count per kind and one per outcome: the queries of one refresh', () => {
    const queries = flowCountQueries().map((q) => q.query);
    expect(queries).toHaveLength(QUERIES_PER_REFRESH);
    expect(new Set(queries).size).toBe(queries.length);
    expect(queries).toContain(`VsFlowKind = 'bind-phone' GROUP BY ExecutionStatus`);
    expect(queries).toContain(`VsFlowKind = 'real-name' AND VsFlowOutcome = 'verified'`);
  });

  test('25 scrapes in a row and 10 at once over HTTP cost one refresh of visibility queries', async () => {
    const count = jest.fn(answer);
    const d = deps({}, count);
    m = createApiMetrics(d);
    const app = await serve(createApp(d, m));
    try {
      expect(count).not.toHaveBeenCalled(); // nothing before the first scrape
      const texts: string[] = [];
      for (let i = 0; i < 25; i++) texts.push(await (await fetch(`${app.url}/metrics`)).text());
      texts.push(...(await Promise.all(Array.from({ length: 10 }, () => fetch(`${app.url}/metrics`).then((r) => r.text())))));
      expect(count).toHaveBeenCalledTimes(QUERIES_PER_REFRESH);
      // the first scrape waited for the first refresh, so even it has the counts
      for (const text of [texts[0]!, texts.at(-1)!]) {
        expect(sample(text, 'vsaga_flows', 'kind="bind-phone",state="started"')).toBe(7);
        expect(sample(text, 'vsaga_flows', 'kind="bind-phone",state="open"')).toBe(2);
        expect(sample(text, 'vsaga_flows', 'kind="real-name",state="verified"')).toBe(3);
        expect(sample(text, 'vsaga_flows_refreshed_age_seconds')).toBeGreaterThanOrEqual(0);
        expect(sample(text, 'vsaga_flows_refresh_failures_total')).toBe(0);
      }
    } finally {
      await app.close();
    }
  });

  test('one refresh per interval, counted from the end of the last one', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const count = jest.fn(answer);
      const flows = new FlowCounts({ count, intervalMs: 30_000 });
      await flows.read();
      expect(count).toHaveBeenCalledTimes(QUERIES_PER_REFRESH);
      await jest.advanceTimersByTimeAsync(29_999);
      for (let i = 0; i < 20; i++) await flows.read();
      expect(count).toHaveBeenCalledTimes(QUERIES_PER_REFRESH);
      await jest.advanceTimersByTimeAsync(1);
      expect(count).toHaveBeenCalledTimes(2 * QUERIES_PER_REFRESH);
      flows.stop();
      await jest.advanceTimersByTimeAsync(10 * 30_000);
      expect(count).toHaveBeenCalledTimes(2 * QUERIES_PER_REFRESH);
    } finally {
      jest.useRealTimers();
    }
  });

  test('a Temporal that never answers: the first scrape waits only its bound, later ones not at all, one refresh in flight', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const count = jest.fn<ReturnType<Count>, Parameters<Count>>(() => new Promise(() => {}));
      let now = 1_000_000;
      const flows = new FlowCounts({ count, intervalMs: 30_000, firstWaitMs: 2000, concurrency: 4, now: () => now });
      const first = flows.read();
      now += 2000;
      await jest.advanceTimersByTimeAsync(2000);
      expect(await first).toEqual({ counts: [], ageSeconds: 2 });
      // resolves before a setImmediate does (not faked): no timer, no wait on Temporal
      const later = await Promise.race([flows.read().then(() => 'read'), new Promise((r) => setImmediate(() => r('waited')))]);
      expect(later).toBe('read');
      await jest.advanceTimersByTimeAsync(10 * 30_000);
      for (let i = 0; i < 10; i++) await flows.read();
      expect(count).toHaveBeenCalledTimes(4); // the first refresh's first four queries, still pending
      flows.stop();
    } finally {
      jest.useRealTimers();
    }
  });

  test('a failed refresh is counted and keeps the last counts; the age tells how old they are', async () => {
    let now = 5_000_000;
    let fail = false;
    const count = jest.fn<ReturnType<Count>, Parameters<Count>>((q) => (fail ? Promise.reject(new Error('14 UNAVAILABLE')) : answer(q)));
    const failures: unknown[] = [];
    const flows = new FlowCounts({ count, intervalMs: 30_000, now: () => now, onFailure: (e) => failures.push(e) });
    const before = await flows.read();
    expect(before.counts).toContainEqual({ kind: 'bind-email', state: 'open', value: 2 });
    fail = true;
    now += 90_000;
    await flows.refresh();
    expect(failures).toHaveLength(1);
    expect(flows.snapshot()).toEqual({ counts: before.counts, ageSeconds: 90 });
    flows.stop();

    // and through the registry: the counter, over the API's own metrics
    const c2 = jest.fn<ReturnType<Count>, Parameters<Count>>(() => Promise.reject(new Error('14 UNAVAILABLE')));
    m = createApiMetrics(deps({}, c2));
    const text = await m.registry.metrics();
    expect(sample(text, 'vsaga_flows_refresh_failures_total')).toBe(1);
    expect(text).not.toMatch(/^vsaga_flows\{/m);
  });
});

describe('METRICS_TOKEN on the API port', () => {
  let app: { url: string; close: () => Promise<void> };
  let m: ApiMetrics;
  beforeAll(async () => {
    const d = deps({ METRICS_TOKEN: TOKEN }, jest.fn(answer));
    m = createApiMetrics(d);
    app = await serve(createApp(d, m));
  });
  afterAll(async () => {
    m.flows.stop();
    await app.close();
  });

  test.each([
    ['no header', {}],
    ['a wrong token', { authorization: `Bearer ${TOKEN}x` }],
    ['the API key', { authorization: `Bearer ${API_KEY}` }],
    ['the token without the scheme', { authorization: TOKEN }],
  ])('%s: 401 in the error envelope', async (_name, headers: Record<string, string>) => {
    const r = await fetch(`${app.url}/metrics`, { headers: { ...headers, 'accept-language': 'en' } });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.any(String) });
    expect(JSON.stringify(body)).not.toContain('vsaga_');
  });

  test('the token: 200 with the metrics (scheme in any case)', async () => {
    for (const scheme of ['Bearer', 'bearer']) {
      const r = await fetch(`${app.url}/metrics`, { headers: { authorization: `${scheme} ${TOKEN}` } });
      expect(r.status).toBe(200);
      expect(await r.text()).toMatch(/^vsaga_flows\{kind="bind-phone",state="started"[^}]*\} 7$/m);
    }
  });
});

describe('METRICS_PORT: an internal listener instead of the API port', () => {
  test('the API port no longer serves /metrics; the internal one does, with the token', async () => {
    const count = jest.fn(answer);
    const d = deps({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN }, count);
    const m = createApiMetrics(d);
    const app = await serve(createApp(d, m));
    const internal = await startInternalMetrics(m, d.cfg);
    try {
      // on the API port /metrics is just a path behind the API key, and none is there
      expect((await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
      const asApi = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } });
      expect(asApi.status).toBe(404);
      expect(((await asApi.json()) as { error: { code: string } }).error.code).toBe('ROUTE_NOT_FOUND');
      expect(count).not.toHaveBeenCalled();

      expect(internal).not.toBeNull();
      const url = `http://127.0.0.1:${(internal!.address() as AddressInfo).port}`;
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      const ok = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      const text = await ok.text();
      expect(sample(text, 'vsaga_flows', 'kind="rebind-email",state="open"')).toBe(2);
      expect(text).toContain('vsaga_http_requests_total'); // the API's own registry, HTTP metrics included
      const other = await fetch(`${url}/v1/accounts`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(other.status).toBe(404);
      expect(((await other.json()) as { error: { code: string } }).error.code).toBe('ROUTE_NOT_FOUND');
    } finally {
      m.flows.stop();
      await new Promise((r) => internal?.close(r));
      await app.close();
    }
  });

  test('without METRICS_PORT there is no internal listener, and no token means an open /metrics (development default)', async () => {
    const d = deps({}, jest.fn(answer));
    const m = createApiMetrics(d);
    expect(await startInternalMetrics(m, d.cfg)).toBeNull();
    const app = await serve(createApp(d, m));
    try {
      expect((await fetch(`${app.url}/metrics`)).status).toBe(200);
    } finally {
      m.flows.stop();
      await app.close();
    }
  });

  test("the worker's metrics server is the same endpoint: its registry, then the SDK's text", async () => {
    const sdk = await serve((_req, res) => res.end('temporal_worker_task_slots_available 5\n'));
    const registry = createRegistry('worker');
    const server = await startWorkerMetricsServer({ registry, host: '127.0.0.1', port: 0, sdkMetricsUrl: `${sdk.url}/metrics` });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).toContain('vsaga_process_cpu_seconds_total');
      expect(text).toContain('temporal_worker_task_slots_available 5');
      expect((await fetch(`${url}/other`)).status).toBe(404);
    } finally {
      await new Promise((r) => server.close(r));
      await sdk.close();
    }
  });

  test("with METRICS_TOKEN the worker's scrape needs it too", async () => {
    const registry = createRegistry('worker');
    const server = await startWorkerMetricsServer({ registry, host: '127.0.0.1', port: 0, token: TOKEN });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
      const refused = await fetch(url);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
      const ok = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('vsaga_process_cpu_seconds_total');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('config', () => {
  test('defaults: no token, no port of its own, a 30 s refresh', () => {
    expect(loadConfig({}).metrics).toEqual({ token: undefined, host: '127.0.0.1', port: undefined, flowRefreshSec: 30 });
    expect(loadConfig({ METRICS_FLOW_REFRESH_SEC: '5', METRICS_PORT: '9470', METRICS_TOKEN: TOKEN }).metrics).toMatchObject({ flowRefreshSec: 5, port: 9470, token: TOKEN });
    expect(() => loadConfig({ METRICS_FLOW_REFRESH_SEC: '0' })).toThrow(/METRICS_FLOW_REFRESH_SEC/);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });

  test('production: a metrics port beyond loopback needs the token', () => {
    expect(() => loadConfig(productionEnv({ METRICS_PORT: '9470', METRICS_HOST: '0.0.0.0' }))).toThrow(ConfigError);
    try {
      loadConfig(productionEnv({ METRICS_PORT: '9470', METRICS_HOST: '0.0.0.0' }));
    } catch (err) {
      expect((err as ConfigError).variables).toEqual(['METRICS_TOKEN']);
    }
    expect(loadConfig(productionEnv({ METRICS_PORT: '9470', METRICS_HOST: '0.0.0.0', METRICS_TOKEN: TOKEN })).metrics.port).toBe(9470);
    expect(loadConfig(productionEnv({ METRICS_PORT: '9470' })).metrics.host).toBe('127.0.0.1');
  });
});
