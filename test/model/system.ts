// The real system the model-based test drives: the HTTP API of one stack, the sandboxes'
// inboxes (what each phone and mailbox really received) and Postgres, read only to compare
// with the model.
import { randomBytes, randomUUID } from 'node:crypto';
import { contactAad, contactIndex } from '../../db/accounts';
import { DEFAULT_REAL_NAME_AGREEMENT } from '../../lib/config';
import { waitFor } from '../support/wait';
import { signatureHeader } from '../../lib/webhook-signature';
import { PAYMENT_CALLBACK_PATH, PAYMENT_SIGNATURE_HEADER } from '../../api/routes/face-quota';
import { metaInfo, uniqueIp } from '../support/real-name';
import { call, type Answer, type Stack } from '../support/stack';
import type { AliyunFaceSandbox } from '../../providers/aliyun-face/sandbox';
import type { WechatSandbox } from '../../providers/wechat-face/sandbox';
import { DEVICE_CLIENT } from './face-providers';
import { FACE_DEVICES, type FaceDevice, type Kind, type ProviderName } from './world';

export class System {
  readonly stack: Stack;
  readonly aliyun: AliyunFaceSandbox;
  readonly wechat: WechatSandbox;
  constructor(s: { stack: Stack; aliyun: AliyunFaceSandbox; wechat: WechatSandbox }) {
    this.stack = s.stack;
    this.aliyun = s.aliyun;
    this.wechat = s.wechat;
  }

  call<T = any>(method: string, path: string, body?: unknown, opts?: Parameters<typeof call>[4]): Promise<Answer<T>> {
    return call<T>(this.stack, method, path, body, opts);
  }

  q<T extends Record<string, any> = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.stack.deps.pool.query<T>(sql, params).then((r) => r.rows);
  }

  deviceId(accountId: string, d: FaceDevice): string {
    return `${accountId}-${d}`;
  }

  /** An account as a seeded platform user: contacts written as a bind writes them, every face device, sessions. */
  async createAccount(id: string, phone: string | null, email: string | null, sessions: number): Promise<void> {
    const fc = this.stack.deps.fieldCrypto;
    await this.q(
      'INSERT INTO accounts (id, phone_enc, phone_idx, email_enc, email_idx) VALUES ($1, $2, $3, $4, $5)',
      [id, phone && fc.encrypt(phone, contactAad('phone', id)), phone && contactIndex(fc, 'phone', phone), email && fc.encrypt(email, contactAad('email', id)), email && contactIndex(fc, 'email', email)],
    );
    for (const d of FACE_DEVICES) {
      const client = DEVICE_CLIENT[d];
      // an app sends its face SDK's metaInfo; a mini-program user is known by the openid (28
      // characters at WeChat; the sandbox reads an outcome off a `_sbx_<verify_ret>` tail)
      const body = 'word' in client ? { metaInfo: metaInfo(client.word ?? undefined), platform: 'android' } : { openid: `o${randomBytes(10).toString('hex')}${client.tail ?? ''}`, platform: 'mp-weixin' };
      const r = await this.call('PUT', `/v1/accounts/${id}/devices/${this.deviceId(id, d)}`, body);
      if (r.status !== 201) throw new Error(`device not registered: ${r.status} ${JSON.stringify(r.body)}`);
    }
    for (let i = 0; i < sessions; i++) await this.registerSession(id);
  }

  /** Real-name verification through the saga (device 'ok'); returns the ID number. */
  async verify(id: string, idNumber: string): Promise<string> {
    const deviceId = this.deviceId(id, 'ok');
    // an address of its own: the ID check's per-IP gap is shared with every suite of the run
    const client = { ip: uniqueIp(), userAgent: 'GongLunApp/4.0.8 (Android 14)', fingerprint: deviceId };
    const start = await this.call('POST', `/v1/accounts/${id}/real-name`, { realName: '张三', idNumber, deviceId, environmentSafe: true, agreement: DEFAULT_REAL_NAME_AGREEMENT, client });
    if (start.status !== 201) throw new Error(`real-name start: ${start.status} ${JSON.stringify(start.body)}`);
    const { certifyId, clientToken } = start.body.flow;
    const done = await this.call('POST', '/v1/face/completion', { deviceId, certifyId, errCode: 0 }, { key: null, headers: { 'x-face-token': clientToken } });
    if (done.body?.result?.outcome !== 'verified') throw new Error(`real-name: ${done.status} ${JSON.stringify(done.body)}`);
    return idNumber;
  }

  /** One face check bought and paid, as a seed. */
  async buyFaceCheck(id: string): Promise<void> {
    const order = await this.call('POST', `/v1/accounts/${id}/face-quota/orders`, { units: 1 });
    const paid = await this.call('POST', `/v1/face-quota/orders/${order.body.order?.orderId}/paid`, { paymentRef: `seed-${randomUUID()}` });
    if (paid.body?.credited !== true) throw new Error(`face check not bought: ${paid.status} ${JSON.stringify(paid.body)}`);
  }

  /** The payment system's callback for an order, signed with the stack's secret. */
  async paymentCallback(orderId: string, paymentRef: string): Promise<Answer> {
    const raw = JSON.stringify({ orderId, paymentRef });
    const header = signatureHeader(this.stack.cfg.realName.paymentCallbackSecrets, raw);
    return this.call('POST', PAYMENT_CALLBACK_PATH, undefined, { raw, headers: { [PAYMENT_SIGNATURE_HEADER]: header } });
  }

  /** The mini-program's wx.requestFacialVerify for a verify_id, over the WeChat sandbox's HTTP side. */
  async playWechat(verifyId: string, verifyRet: number): Promise<void> {
    const res = await fetch(`${this.wechat.url}/sandbox/requestFacialVerify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ verify_id: verifyId, verify_ret: verifyRet }) });
    if (res.status !== 200) throw new Error(`requestFacialVerify: ${res.status} ${await res.text()}`);
  }

  /** One provider's sandbox down for every caller (null: all up again). */
  setOutage(p: ProviderName | null): void {
    this.stack.face.setFailure(p === 'dcloud' ? '55001' : null);
    this.aliyun.setFailure(p === 'aliyun' ? '500' : null);
    this.wechat.setFailure(p === 'wechat' ? 'busy' : null);
  }

  async registerSession(id: string): Promise<string> {
    const sessionId = `${id}-s-${randomUUID().slice(0, 8)}`;
    const r = await this.call('POST', `/v1/accounts/${id}/sessions`, { sessionId });
    if (r.status !== 201) throw new Error(`session not registered: ${r.status} ${JSON.stringify(r.body)}`);
    return sessionId;
  }

  messages(channel: 'sms' | 'mail', to: string): number {
    return channel === 'sms' ? this.stack.sms.forPhone(to).length : this.stack.smtp.forRecipient(to).length;
  }

  /** The code in the n-th message to an address (1-based), once it arrived. */
  async codeIn(channel: 'sms' | 'mail', to: string, n: number): Promise<string> {
    if (channel === 'sms') return (await waitFor(() => this.stack.sms.forPhone(to)[n - 1])).params[0]!;
    const mail = await waitFor(() => this.stack.smtp.forRecipient(to)[n - 1]);
    return /(\d{6})/.exec(mail.text)![1]!;
  }

  async contacts(id: string): Promise<{ phone: string | null; email: string | null }> {
    const r = await this.call('GET', `/v1/accounts/${id}?unmasked=true`);
    return { phone: r.body.account.phone, email: r.body.account.email };
  }

  kindOfAddress(address: string): Kind {
    return address.includes('@') ? 'email' : 'phone';
  }
}

/** Polls until fn() resolves true (asynchronous effects such as a released quota hold). */
export async function eventually(fn: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
