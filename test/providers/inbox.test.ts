// The sandbox stack as `npm run sandbox` starts it (random ports), read through the inbox API.
import { loadConfig } from '../../lib/config';
import { createMailer, type Mailer } from '../../providers/smtp/client';
import { createSmsSender, type SmsSender } from '../../providers/tencent-sms/client';
import { startSandboxes, type Sandboxes } from '../../sandbox/main';
import { mailConfig } from './helpers';

let sb: Sandboxes;
let sms: SmsSender;
let mailer: Mailer;

beforeAll(async () => {
  const cfg = loadConfig({});
  // every port free-picked: a developer's npm start may hold the default ones
  sb = await startSandboxes(cfg, { sms: 0, smtp: 0, http: 0, idcard: 0, face: 0, wechat: 0, aliyunFace: 0 });
  // Default config credentials on both sides, as in the local demo.
  sms = createSmsSender({ ...cfg.sms, endpoint: `127.0.0.1:${sb.sms.port}` });
  mailer = createMailer(mailConfig(sb.smtp.port));
});
afterAll(async () => {
  mailer.close();
  await sb.close();
});
beforeEach(() => {
  sb.sms.clear();
  sb.smtp.clear();
});

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(sb.inboxUrl + path);
  return { status: res.status, body: await res.json() };
}

describe('sandbox inbox', () => {
  it('lists SMS newest first, filtered by phone, and extracts the latest code', async () => {
    expect((await sms.send({ phone: '13800138000', templateId: '2130785', params: ['111111'] })).ok).toBe(true);
    expect((await sms.send({ phone: '13800138000', templateId: '1646866', params: ['222222'] })).ok).toBe(true);
    expect((await sms.send({ phone: '13900139000', templateId: '2130785', params: ['333333'] })).ok).toBe(true);

    const list = await get('/api/sms?phone=13800138000');
    expect(list.status).toBe(200);
    expect(list.body.map((m: { params: string[] }) => m.params[0])).toEqual(['222222', '111111']);
    expect((await get('/api/sms')).body).toHaveLength(3);

    const code = await get('/api/sms/latest-code?phone=%2B8613800138000');
    expect(code).toMatchObject({ status: 200, body: { code: '222222' } });
  });

  it('lists mail newest first and extracts the latest code', async () => {
    expect((await mailer.send({ to: 'ex@test.com', subject: '验证码', text: '您的验证码为 400001。' })).ok).toBe(true);
    expect((await mailer.send({ to: 'ex@test.com', subject: '验证码', text: '您的验证码为 400002。' })).ok).toBe(true);

    const list = await get('/api/mail?to=EX@test.com');
    expect(list.body.map((m: { text: string }) => m.text.trim())).toEqual(['您的验证码为 400002。', '您的验证码为 400001。']);
    expect(await get('/api/mail/latest-code?to=ex@test.com')).toMatchObject({ status: 200, body: { code: '400002' } });
  });

  it('404 NOT_FOUND when there is no code; 400 without the query parameter', async () => {
    expect(await get('/api/sms/latest-code?phone=13700137000')).toEqual({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: expect.any(String) } },
    });
    expect(await get('/api/mail/latest-code?to=nobody@test.com')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    // A newest message without a 6-digit run is "no code", not an older message's code.
    expect((await mailer.send({ to: 'n@test.com', subject: 'hi', text: 'code 123456' })).ok).toBe(true);
    expect((await mailer.send({ to: 'n@test.com', subject: 'hi', text: 'no code here, 1234567' })).ok).toBe(true);
    expect(await get('/api/mail/latest-code?to=n@test.com')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await get('/api/sms/latest-code')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST' } } });
  });

  it('DELETE clears each store', async () => {
    expect((await sms.send({ phone: '13800138000', templateId: '2130785', params: ['111111'] })).ok).toBe(true);
    expect((await mailer.send({ to: 'ex@test.com', subject: 's', text: 't' })).ok).toBe(true);

    expect((await fetch(sb.inboxUrl + '/api/sms', { method: 'DELETE' })).status).toBe(204);
    expect(sb.sms.messages()).toHaveLength(0);
    expect(sb.smtp.messages()).toHaveLength(1);
    expect((await fetch(sb.inboxUrl + '/api/mail', { method: 'DELETE' })).status).toBe(204);
    expect(sb.smtp.messages()).toHaveLength(0);
  });

  it('serves a self-contained bilingual page that refreshes every 3 s', async () => {
    const res = await fetch(sb.inboxUrl + '/');
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(html).toContain('短信 / SMS');
    expect(html).toContain('邮件 / Mail');
    expect(html).toContain('setInterval(refresh, 3000)');
    expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  });
});
