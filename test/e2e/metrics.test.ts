// GET /metrics on the real stack: the flow counts come from the dev server's visibility store
// (the grouped count included) through the refresher, so many scrapes cost one refresh's
// queries, counted on the API's own Temporal client; and METRICS_TOKEN guards the route.
import { flowCountQueries } from '../../api/flow-counts';
import { waitFor, waitForAsync } from '../support/wait';
import { call, startStack, uniqueAccountId, uniquePhone, type Stack } from '../support/stack';

const TOKEN = 'e2e-metrics-token-0123456789';
let stack: Stack;
let count: jest.SpiedFunction<Stack['client']['workflow']['count']>;

beforeAll(async () => {
  stack = await startStack({ METRICS_TOKEN: TOKEN });
  // the app's client is the stack's: every visibility query the metrics run passes here
  count = jest.spyOn(stack.client.workflow, 'count');
});
afterAll(async () => {
  count?.mockRestore();
  await stack?.close();
});

const scrape = (headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => fetch(`${stack.baseUrl}/metrics`, { headers });
const sample = (text: string, name: string, labels = '') => {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

async function startBind(): Promise<{ id: string; phone: string }> {
  const id = uniqueAccountId('mx');
  const phone = uniquePhone();
  expect((await call(stack, 'POST', '/v1/accounts', { id })).status).toBe(201);
  expect((await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone })).status).toBe(201);
  return { id, phone };
}

test('without METRICS_TOKEN, or with a wrong one or the API key: 401 in the envelope, and no query to Temporal', async () => {
  for (const headers of [{}, { authorization: `Bearer ${TOKEN}-wrong` }, { authorization: 'Bearer test-key-all-scopes' }] as Record<string, string>[]) {
    const r = await scrape(headers);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { error: { code: string } }).error).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.any(String) });
  }
  expect(count).not.toHaveBeenCalled();
});

test('with it, 25 scrapes cost one refresh of visibility queries, and show the counts Temporal holds', async () => {
  // one flow bound, one left open
  const bound = await startBind();
  const code = await waitFor(() => stack.sms.forPhone(bound.phone)[0]?.params[0]);
  expect((await call(stack, 'POST', `/v1/flows/bind-phone:${bound.id}/code`, { code })).body.result.outcome).toBe('bound');
  const open = await startBind();
  // visibility is written asynchronously: wait until it shows both before the first scrape
  await waitForAsync(async () => {
    const c = await stack.client.workflow.count(`VsFlowKind = 'bind-phone' AND VsAccountId IN ('${bound.id}', '${open.id}') GROUP BY ExecutionStatus`);
    return c.groups.length === 2 ? c : undefined;
  });
  count.mockClear();

  const texts: string[] = [];
  for (let i = 0; i < 20; i++) {
    const r = await scrape();
    expect(r.status).toBe(200);
    texts.push(await r.text());
  }
  texts.push(...(await Promise.all(Array.from({ length: 5 }, () => scrape().then((r) => r.text())))));
  expect(count).toHaveBeenCalledTimes(flowCountQueries().length);
  expect(count.mock.calls.map((c) => c[0]).sort()).toEqual(flowCountQueries().map((q) => q.query).sort());

  for (const text of [texts[0]!, texts.at(-1)!]) {
    // the grouped count answered (the dev server's SQL visibility) and its Running group was read
    expect(sample(text, 'vsaga_flows_refresh_failures_total')).toBe(0);
    expect(sample(text, 'vsaga_flows', 'kind="bind-phone",state="started"')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'vsaga_flows', 'kind="bind-phone",state="open"')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'vsaga_flows', 'kind="bind-phone",state="bound"')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'vsaga_flows', 'kind="real-name",state="verified"')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'vsaga_flows_refreshed_age_seconds')).toBeLessThan(stack.cfg.metrics.flowRefreshSec);
  }
  expect((await call(stack, 'DELETE', `/v1/flows/bind-phone:${open.id}`)).status).toBe(200);
});
