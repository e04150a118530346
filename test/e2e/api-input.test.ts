// Bad input of every field gets a structured 4xx, never a 500, and changes nothing.
import { call, READ_ONLY_KEY, startStack, uniqueAccountId, uniquePhone, type Stack } from '../support/stack';

let stack: Stack;
let account: string;
beforeAll(async () => {
  stack = await startStack();
  account = uniqueAccountId();
  await call(stack, 'POST', '/v1/accounts', { id: account });
});
afterAll(async () => {
  await stack?.close();
});

function expectError(r: { status: number; body: any }, status: number, code: string) {
  expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status, code });
  expect(typeof r.body.error.message).toBe('string');
  expect(r.body.error.message.length).toBeGreaterThan(0);
}

describe('authentication and scopes', () => {
  test('no key, unknown key → 401', async () => {
    expectError(await call(stack, 'GET', `/v1/accounts/${account}`, undefined, { key: null }), 401, 'UNAUTHENTICATED');
    expectError(await call(stack, 'GET', `/v1/accounts/${account}`, undefined, { key: 'not-a-key-at-all' }), 401, 'UNAUTHENTICATED');
    const viaHeader = await call(stack, 'GET', `/v1/accounts/${account}`, undefined, { key: null, headers: { 'x-api-key': 'test-key-all-scopes' } });
    expect(viaHeader.status).toBe(200);
  });

  test('a read-only key reads but cannot write, nor see contacts whole', async () => {
    expect((await call(stack, 'GET', `/v1/accounts/${account}`, undefined, { key: READ_ONLY_KEY })).status).toBe(200);
    expectError(await call(stack, 'POST', '/v1/accounts', { id: uniqueAccountId() }, { key: READ_ONLY_KEY }), 403, 'FORBIDDEN');
    expectError(await call(stack, 'POST', `/v1/accounts/${account}/phone/bind`, { phone: uniquePhone() }, { key: READ_ONLY_KEY }), 403, 'FORBIDDEN');
    expectError(await call(stack, 'GET', `/v1/accounts/${account}?unmasked=true`, undefined, { key: READ_ONLY_KEY }), 403, 'FORBIDDEN');
  });

  test('health needs no key and reports each dependency', async () => {
    const r = await call(stack, 'GET', '/health', undefined, { key: null });
    expect(r).toEqual({ status: 200, body: { status: 'ok', checks: { postgres: 'ok', redis: 'ok', temporal: 'ok' } } });
  });
});

describe('accounts', () => {
  test('create is idempotent', async () => {
    const id = uniqueAccountId();
    expect((await call(stack, 'POST', '/v1/accounts', { id })).status).toBe(201);
    const again = await call(stack, 'POST', '/v1/accounts', { id });
    expect(again.status).toBe(200);
    expect(again.body.account.id).toBe(id);
  });

  test.each([
    ['missing id', {}],
    ['id not a string', { id: 42 }],
    ['id with spaces', { id: 'a b' }],
    ['id with a colon', { id: 'a:b' }],
    ['id too long', { id: 'x'.repeat(65) }],
    ['empty id', { id: '' }],
    ['unknown field', { id: 'ok-id', admin: true }],
    ['array body', [1, 2]],
    ['null body', null],
  ])('%s → 400 INVALID_INPUT', async (_name, body) => {
    const r = await call(stack, 'POST', '/v1/accounts', body);
    expectError(r, 400, 'INVALID_INPUT');
  });

  test('malformed JSON, wrong content type, oversized body', async () => {
    expectError(await call(stack, 'POST', '/v1/accounts', undefined, { raw: '{"id": ' }), 400, 'INVALID_INPUT');
    expectError(await call(stack, 'POST', '/v1/accounts', undefined, { raw: 'id=x', headers: { 'content-type': 'text/plain' } }), 400, 'INVALID_INPUT');
    expectError(await call(stack, 'POST', '/v1/accounts', undefined, { raw: JSON.stringify({ id: 'x'.repeat(100_000) }) }), 413, 'PAYLOAD_TOO_LARGE');
  });

  test('unknown account and bad id in the path', async () => {
    expectError(await call(stack, 'GET', '/v1/accounts/nobody-here'), 404, 'ACCOUNT_NOT_FOUND');
    expectError(await call(stack, 'GET', `/v1/accounts/${encodeURIComponent('<script>')}`), 400, 'INVALID_INPUT');
  });

  test('English on request, zh-CN by default', async () => {
    const zh = await call(stack, 'GET', '/v1/accounts/nobody-here');
    expect(zh.body.error.message).toBe('账户不存在');
    const en = await call(stack, 'GET', '/v1/accounts/nobody-here', undefined, { headers: { 'accept-language': 'en-US,en;q=0.9' } });
    expect(en.body.error.message).toBe('No account with this id');
  });
});

describe('bind inputs', () => {
  test.each(['12345678901', '1380013800', '138001380000', '+1 415 555 0100', '0755-12345678', 'abcdefghijk', '', '１３８００１３８０００'])(
    'phone %j → INVALID_PHONE with the seed message',
    async (phone) => {
      const r = await call(stack, 'POST', `/v1/accounts/${account}/phone/bind`, { phone });
      expectError(r, 400, 'INVALID_PHONE');
      expect(r.body.error.message).toBe('绑定失败:请输入正确的手机号\n注:目前仅支持国内手机号码段');
    },
  );

  test.each(['plainaddress', 'a@b', 'a..b@example.com', 'a b@example.com', '@example.com', `${'x'.repeat(250)}@example.com`])(
    'email %j → INVALID_EMAIL',
    async (email) => {
      expectError(await call(stack, 'POST', `/v1/accounts/${account}/email/bind`, { email }), 400, 'INVALID_EMAIL');
    },
  );

  test.each([
    ['no phone', {}],
    ['phone as number', { phone: 13800138000 }],
    ['extra field', { phone: '13800138000', x: 1 }],
    ['bad client ip', { phone: '13800138000', client: { ip: 'not-an-ip' } }],
    ['client with unknown field', { phone: '13800138000', client: { device: 'x' } }],
  ])('%s → INVALID_INPUT', async (_n, body) => {
    expectError(await call(stack, 'POST', `/v1/accounts/${account}/phone/bind`, body), 400, 'INVALID_INPUT');
  });

  test('bind for an unknown account', async () => {
    expectError(await call(stack, 'POST', '/v1/accounts/ghost-account/phone/bind', { phone: uniquePhone() }), 404, 'ACCOUNT_NOT_FOUND');
  });

  test('codes: format checked by the update validator; unknown flows 404', async () => {
    const id = uniqueAccountId();
    await call(stack, 'POST', '/v1/accounts', { id });
    expect((await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone: uniquePhone() })).status).toBe(201);
    for (const code of ['12345', '1234567', 'abcdef', ' 123456', '12 456']) {
      expectError(await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code }), 400, 'CODE_INVALID_FORMAT');
    }
    expectError(await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code: 123456 }), 400, 'INVALID_INPUT');
    expectError(await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, {}), 400, 'INVALID_INPUT');
    // a malformed code did not count as a wrong one
    const state = await call(stack, 'GET', `/v1/flows/bind-phone:${id}`);
    expect(state.body.flow.wrongAttempts).toBe(0);

    expectError(await call(stack, 'GET', '/v1/flows/bind-phone:never-started'), 404, 'FLOW_NOT_FOUND');
    expectError(await call(stack, 'GET', '/v1/flows/garbage'), 404, 'FLOW_NOT_FOUND');
    expectError(await call(stack, 'POST', '/v1/flows/rm-rf:x/code', { code: '123456' }), 404, 'FLOW_NOT_FOUND');
    expectError(await call(stack, 'DELETE', '/v1/flows/bind-email:never-started'), 404, 'FLOW_NOT_FOUND');
  });

  test('unknown routes', async () => {
    expectError(await call(stack, 'GET', '/v2/nothing'), 404, 'ROUTE_NOT_FOUND');
  });

  test('nothing stored changed for the account after all the bad input', async () => {
    const r = await call(stack, 'GET', `/v1/accounts/${account}`);
    expect(r.body.account).toMatchObject({ phone: null, email: null, realNameStatus: 'none' });
    const msgs = await stack.deps.pool.query('SELECT count(*)::int AS n FROM message_log WHERE account_id = $1', [account]);
    expect(msgs.rows[0].n).toBe(0);
  });
});
