// Control characters (docs/api.md#bad-input): a NUL or any other C0 / DEL / C1 character, or an
// unpaired surrogate, in any text the API stores or relays is refused with 400 INVALID_INPUT by
// the shared schemas — before a row is written, a flow starts or a provider is paid. (A NUL used
// to reach PostgreSQL, which refuses it: a 500, and inside a flow a burnt code.)
import express from 'express';
import { WorkflowNotFoundError } from '@temporalio/client';
import { errorHandler } from '../../http/errors';
import { metaOf } from '../../http/request-meta';
import { text } from '../../http/schemas';
import { createLogger } from '../../lib/logger';
import { seedAccount } from '../support/accounts';
import { faceCheckAt, readyAccount, startRealName } from '../support/real-name';
import { API_KEY, call, startStack, uniqueAccountId, uniqueEmail, uniquePhone, type Answer, type Stack } from '../support/stack';
import { send } from '../fuzz/raw-http';
import { DEFAULT_REAL_NAME_AGREEMENT } from '../../lib/config';

let stack: Stack;
let plain: string;
let bound: string;
let rn: { id: string; deviceId: string };
let hookId: string;

beforeAll(async () => {
  stack = await startStack();
  plain = uniqueAccountId('cc');
  expect((await call(stack, 'POST', '/v1/accounts', { id: plain })).status).toBe(201);
  bound = (await seedAccount(stack, { phone: true, email: true })).id;
  rn = await readyAccount(stack);
  const hook = await call(stack, 'POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/cc', eventTypes: ['phone.bound'], description: 'cc', enabled: false });
  expect(hook.status).toBe(201);
  hookId = hook.body.subscriber.id;
});
afterAll(async () => {
  await stack?.close();
});

function expectInvalid(r: Answer, field?: string) {
  expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: 400, code: 'INVALID_INPUT' });
  if (field) expect(r.body.error.details.fields.map((f: { field: string }) => f.field)).toContain(field);
}

async function count(sql: string, params: unknown[]): Promise<number> {
  return (await stack.deps.pool.query(sql, params)).rows[0].n;
}

async function flowExists(workflowId: string): Promise<boolean> {
  try {
    await stack.client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** NUL in every case, and each other kind of bad character in turn. */
const BAD = ['\u0000', '\u0001', '\u0008', '\u001b', '\u001f', '\u007f', '\u0085', '\u009f', '\t', '\n', '\r', '\ud800', '\udc00'];
const withBad = (i: number) => [`ab\u0000cd`, `ab${BAD[1 + (i % (BAD.length - 1))]}cd`];

describe('text(): the one rule for accepted strings', () => {
  const single = text({ max: 100 });
  const multi = text({ max: 100, multiline: true });

  const controls = [...Array.from({ length: 32 }, (_, i) => i), 0x7f, ...Array.from({ length: 32 }, (_, i) => 0x80 + i)];
  test.each(controls.map((c) => [c.toString(16).toUpperCase().padStart(4, '0'), c] as const))('U+%s refused on a single line', (_hex, c) => {
    expect(single.safeParse(`a${String.fromCharCode(c)}b`).success).toBe(false);
  });

  test('tab and line breaks only where a field may span lines; other controls never', () => {
    for (const c of ['\t', '\n', '\r']) expect({ c, ok: multi.safeParse(`{\n${c}"a": 1}`).success }).toEqual({ c, ok: true });
    for (const c of ['\u0000', '\u000b', '\u000c', '\u001b', '\u007f', '\u0085']) expect({ c, ok: multi.safeParse(`a${c}b`).success }).toEqual({ c, ok: false });
  });

  test('unpaired surrogates refused, paired ones and the rest of Unicode kept', () => {
    for (const s of ['\ud800', 'a\udc00', '\ud83d']) expect(single.safeParse(s).success).toBe(false);
    for (const s of ['😀', '张三', 'مرحبا \u202e', 'zero\u200bwidth', '\ufeffbom', 'e\u0301', '']) expect({ s, ok: single.safeParse(s).success }).toEqual({ s, ok: true });
  });

  test('the bound still holds', () => {
    expect(text({ max: 3 }).safeParse('abcd').success).toBe(false);
    expect(text({ max: 3, min: 1 }).safeParse('').success).toBe(false);
  });
});

describe('relayed client fields: refused, nothing stored, no flow', () => {
  test.each(['userAgent', 'fingerprint'].flatMap((f, i) => withBad(i).map((bad) => [f, bad] as const)))('session client.%s %j', async (field, bad) => {
    const before = await count('SELECT count(*)::int AS n FROM sessions WHERE account_id = $1', [plain]);
    expectInvalid(await call(stack, 'POST', `/v1/accounts/${plain}/sessions`, { sessionId: `${plain}-s`, client: { [field]: bad } }), `client.${field}`);
    expect(await count('SELECT count(*)::int AS n FROM sessions WHERE account_id = $1', [plain])).toBe(before);
  });

  test.each(withBad(2))('bind phone client.userAgent, and the phone itself %j', async (bad) => {
    expectInvalid(await call(stack, 'POST', `/v1/accounts/${plain}/phone/bind`, { phone: uniquePhone(), client: { userAgent: bad } }), 'client.userAgent');
    expectInvalid(await call(stack, 'POST', `/v1/accounts/${plain}/phone/bind`, { phone: `138${bad}00138000` }), 'phone');
    expect(await flowExists(`bind-phone:${plain}`)).toBe(false);
  });

  test.each(withBad(3))('bind email client.fingerprint %j', async (bad) => {
    expectInvalid(await call(stack, 'POST', `/v1/accounts/${plain}/email/bind`, { email: uniqueEmail(), client: { fingerprint: bad } }), 'client.fingerprint');
    expect(await flowExists(`bind-email:${plain}`)).toBe(false);
    expect(await count('SELECT count(*)::int AS n FROM message_log WHERE account_id = $1', [plain])).toBe(0);
  });

  test.each(['phone', 'email'].flatMap((kind, i) => withBad(4 + i).map((bad) => [kind, bad] as const)))('rebind %s client.userAgent %j', async (kind, bad) => {
    expectInvalid(await call(stack, 'POST', `/v1/accounts/${bound}/${kind}/rebind`, { method: 'sms', client: { userAgent: bad } }), 'client.userAgent');
    expect(await flowExists(`rebind-${kind}:${bound}`)).toBe(false);
    expect(await count('SELECT count(*)::int AS n FROM message_log WHERE account_id = $1', [bound])).toBe(0);
  });

  test.each(['realName', 'idNumber', 'client.userAgent', 'client.fingerprint'].flatMap((f, i) => withBad(6 + i).map((bad) => [f, bad] as const)))('real-name %s %j', async (field, bad) => {
    const body: Record<string, unknown> = { realName: '张三', idNumber: '110101199001010015', deviceId: rn.deviceId, environmentSafe: true, agreement: DEFAULT_REAL_NAME_AGREEMENT, client: { ip: '203.0.113.9' } };
    if (field.startsWith('client.')) (body.client as Record<string, unknown>)[field.slice(7)] = bad;
    else body[field] = bad;
    expectInvalid(await call(stack, 'POST', `/v1/accounts/${rn.id}/real-name`, body), field);
    expect(await flowExists(`real-name:${rn.id}`)).toBe(false);
    expect(await count('SELECT count(*)::int AS n FROM provider_calls WHERE account_id = $1', [rn.id])).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM face_verifications WHERE account_id = $1', [rn.id])).toBe(0);
  });

  test.each(['platform', 'metaInfo', 'client.userAgent'].flatMap((f, i) => withBad(10 + i).filter((b) => !(f === 'metaInfo' && /[\t\n\r]/.test(b))).map((bad) => [f, bad] as const)))('device %s %j', async (field, bad) => {
    const device = `cc-dev-${field.replace('.', '-')}`;
    const body: Record<string, unknown> = { metaInfo: '{"apdidToken":"x"}', platform: 'android' };
    if (field === 'client.userAgent') body.client = { userAgent: bad };
    else body[field] = bad;
    expectInvalid(await call(stack, 'PUT', `/v1/accounts/${plain}/devices/${device}`, body), field);
    expect(await count('SELECT count(*)::int AS n FROM face_devices WHERE account_id = $1 AND device_id = $2', [plain, device])).toBe(0);
  });

  test('metaInfo is JSON text: line breaks in it are kept', async () => {
    const r = await call(stack, 'PUT', `/v1/accounts/${plain}/devices/cc-pretty`, { metaInfo: '{\n\t"apdidToken": "x"\r\n}' });
    expect(r.status).toBe(201);
  });
});

describe('the stored headers: the same rule as a relayed client', () => {
  async function rawSession(headerName: string, value: Buffer): Promise<Answer> {
    const body = Buffer.from(JSON.stringify({ sessionId: `${plain}-h${Date.now()}` }));
    const port = Number(new URL(stack.baseUrl).port);
    const res = await send('127.0.0.1', port, {
      method: 'POST',
      target: `/v1/accounts/${plain}/sessions`,
      headers: [['host', 'x'], ['connection', 'close'], ['authorization', `Bearer ${API_KEY}`], ['content-type', 'application/json'], ['content-length', String(body.length)], [headerName, value]],
      body,
    }, 10_000);
    return { status: res.status, body: JSON.parse(res.body.toString('utf8')) };
  }

  // tab and latin1 bytes 0x80–0x9F pass Node's header parser (they are C1 controls once decoded); ours refuses them
  test.each([
    ['user-agent', 'a tab', Buffer.from('Mozilla\t5.0')],
    ['user-agent', 'byte 0x85 (NEL)', Buffer.from([0x4d, 0x85, 0x4d])],
    ['x-device-fingerprint', 'byte 0x9b (CSI)', Buffer.from([0x66, 0x9b, 0x70])],
    ['x-device-fingerprint', 'a tab', Buffer.from('fp\tx')],
  ])('%s with %s: 400, no session', async (name, _what, value) => {
    const before = await count('SELECT count(*)::int AS n FROM sessions WHERE account_id = $1', [plain]);
    expectInvalid(await rawSession(name, value), `headers.${name}`);
    expect(await count('SELECT count(*)::int AS n FROM sessions WHERE account_id = $1', [plain])).toBe(before);
  });

  test('a relayed client field wins over a bad header (only what is stored is checked)', async () => {
    const r = await call(stack, 'POST', `/v1/accounts/${plain}/sessions`, { sessionId: `${plain}-relayed`, client: { userAgent: 'App/1' } }, { headers: { 'user-agent': 'x\u0085y' } });
    expect(r.status).toBe(201);
  });

  test('behind a trusted proxy, an X-Forwarded-For that is no address is refused', async () => {
    const app = express();
    app.set('trust proxy', true);
    app.get('/meta', (req, res) => void res.json(metaOf(req)));
    app.use(errorHandler(createLogger('api', 'silent')));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const ok = await fetch(`${base}/meta`, { headers: { 'x-forwarded-for': '203.0.113.5' } });
      expect(((await ok.json()) as any).ip).toBe('203.0.113.5');
      const bad = await fetch(`${base}/meta`, { headers: { 'x-forwarded-for': 'not-an-ip' } });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as any).error).toMatchObject({ code: 'INVALID_INPUT', details: { fields: [{ field: 'headers.x-forwarded-for' }] } });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('face completion: refused before it reaches the face check', () => {
  test.each(['errMsg', 'errSubject', 'certifyId', 'cause.message', 'errCode'])('%s with a NUL', async (field) => {
    const account = await readyAccount(stack);
    const started = await startRealName(stack, account.id, account.deviceId);
    expect(started.status).toBe(201);
    const { certifyId, clientToken, faceCheckId } = started.body.flow;
    const body: Record<string, any> = { deviceId: account.deviceId, certifyId, errCode: 0, errMsg: 'startFacialRecognitionVerify:ok', errSubject: 'uni', cause: { code: 1000, message: 'ok' } };
    if (field === 'cause.message') body.cause.message = 'o\u0000k';
    else body[field] = `${body[field]}\u0000`;
    const r = await call(stack, 'POST', '/v1/face/completion', body, { key: null, headers: { 'x-face-token': clientToken } });
    expectInvalid(r, field);
    // nothing reached the workflow: no completion recorded, the check still waits for one
    const state = await (await faceCheckAt(stack, faceCheckId)).state();
    expect(state.completions).toEqual([]);
    await stack.client.workflow.getHandle(`real-name:${account.id}`).terminate('test done');
  });
});

describe('webhooks, reports, deliveries, inbox', () => {
  test.each(['description', 'url', 'eventTypes.0'].flatMap((f, i) => withBad(13 + i).map((bad) => [f, bad] as const)))('create with %s %j', async (field, bad) => {
    // other suites create subscribers meanwhile: count only this case's
    const mark = `cc-${uniqueAccountId('hook')}`;
    const body: Record<string, unknown> = { url: `http://127.0.0.1:9/${mark}`, eventTypes: ['phone.bound'], description: mark, enabled: false };
    if (field === 'eventTypes.0') body.eventTypes = [bad];
    else if (field === 'url') body.url = `http://127.0.0.1:9/${mark}/${bad}`;
    else body[field] = `${mark}${bad}`;
    expectInvalid(await call(stack, 'POST', '/v1/webhooks', body), field);
    expect(await count("SELECT count(*)::int AS n FROM webhook_subscribers WHERE url LIKE '%' || $1 || '%' OR description LIKE $1 || '%'", [mark])).toBe(0);
  });

  test('update with a NUL in the description changes nothing', async () => {
    expectInvalid(await call(stack, 'PATCH', `/v1/webhooks/${hookId}`, { description: 'x\u0000y' }), 'description');
    expect((await call(stack, 'GET', `/v1/webhooks/${hookId}`)).body.subscriber.description).toBe('cc');
  });

  test.each([
    ['/v1/reports/verifications?scene=personal%00', 'scene'],
    ['/v1/reports/verifications?scene=personal&from=2026-01-01%1B', 'from'],
    ['/v1/webhook-deliveries?eventType=phone.bound%00', 'eventType'],
    ['/v1/webhook-deliveries?eventType=%C2%85', 'eventType'],
    ['/console/inbox/sms/latest-code?phone=138%00', undefined],
    ['/console/inbox/mail/latest-code?to=a%7F%40b.cn', undefined],
  ])('query %s', async (path, field) => {
    expectInvalid(await call(stack, 'GET', path), field);
  });
});
