// sendAndLog over the real Postgres, SMS sandbox and SMTP sink: what a retry does when an
// earlier attempt may have reached the provider and died before logging its answer.
import { contactIndex } from '../../db/accounts';
import { noticeOutbox } from '../../db/notices';
import { sendAndLog, type OutgoingMessage } from '../../providers/outbox';
import { messageIdFor } from '../../providers/smtp/client';
import { waitFor } from '../support/wait';
import { startStack, uniqueEmail, uniquePhone, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});
afterEach(() => stack.sms.setFailure(null));

const SEND = 'SendSms';
const PULL = 'PullSmsSendStatusByPhoneNumber';
let n = 0;
const newKey = () => `rebind-phone:outbox-${process.pid}-${Date.now().toString(36)}-${++n}/rebind-notice`;

function smsNotice(requestKey: string, phone: string): OutgoingMessage {
  return {
    requestKey,
    accountId: null,
    flowId: null,
    kind: 'notice',
    scene: 'rebind_notice',
    channel: 'sms',
    target: phone,
    targetIdx: contactIndex(stack.deps.fieldCrypto, 'phone', phone),
    sms: { templateId: '2133448', params: ['手机号换绑', '139****0000'] },
  };
}

async function row(requestKey: string, channel = 'sms') {
  const { rows } = await stack.deps.pool.query(
    'SELECT kind, status, provider_code, provider_ref, send_started_at FROM message_log WHERE request_key = $1 AND channel = $2',
    [requestKey, channel],
  );
  return rows[0];
}

/** The row an attempt leaves when it dies after the gateway accepted, before logging. */
async function attemptDiedAfterSend(requestKey: string, phone: string): Promise<string> {
  await stack.deps.pool.query(
    `INSERT INTO message_log (request_key, kind, scene, channel, target_enc, target_idx, template, status, send_started_at)
     VALUES ($1, 'notice', 'rebind_notice', 'sms', $2, $3, '2133448', 'pending', now() - interval '5 seconds')`,
    [requestKey, stack.deps.fieldCrypto.encrypt(phone, 'message_log.target'), contactIndex(stack.deps.fieldCrypto, 'phone', phone)],
  );
  const sent = await stack.deps.sms.send({ phone, templateId: '2133448', params: ['手机号换绑', '139****0000'], sessionContext: requestKey });
  if (!sent.ok) throw new Error(`setup send failed: ${sent.code}`);
  return sent.serialNo;
}

test('a row whose attempt started + a delivery report with its key: logged sent with that SerialNo, SendSms not called again', async () => {
  const phone = uniquePhone();
  const key = newKey();
  const serialNo = await attemptDiedAfterSend(key, phone);
  const [sends, pulls] = [stack.sms.requests(SEND), stack.sms.requests(PULL)];

  const outcome = await sendAndLog(stack.deps, smsNotice(key, phone));

  expect(outcome).toMatchObject({ ok: true, providerCode: 'Ok', providerRef: serialNo });
  expect(stack.sms.requests(SEND)).toBe(sends);
  expect(stack.sms.requests(PULL)).toBe(pulls + 1);
  expect(stack.sms.forPhone(phone)).toHaveLength(1);
  expect(await row(key)).toMatchObject({ kind: 'notice', status: 'sent', provider_ref: serialNo });
});

test('the same through the wire: the first attempt delivers and loses the answer (deliver-then-timeout), the retry finds it', async () => {
  const phone = uniquePhone();
  const key = newKey();
  stack.sms.setFailure('deliver-then-timeout');
  const first = await sendAndLog(stack.deps, smsNotice(key, phone));
  expect(first).toMatchObject({ ok: false, retryable: true, providerCode: 'TransportError' });
  expect(await row(key)).toMatchObject({ status: 'failed', send_started_at: expect.any(Date) });
  stack.sms.setFailure(null);

  const sends = stack.sms.requests(SEND);
  const retry = await sendAndLog(stack.deps, smsNotice(key, phone));
  expect(retry).toMatchObject({ ok: true, providerRef: stack.sms.forPhone(phone)[0]!.serialNo });
  expect(stack.sms.requests(SEND)).toBe(sends);
  expect(stack.sms.forPhone(phone)).toHaveLength(1);
  expect((await row(key)).status).toBe('sent');
}, 20_000);

test('the report query fails: a retryable failure, nothing sent blind; the next attempt, not finding it, sends once', async () => {
  const phone = uniquePhone();
  const key = newKey();
  // an attempt started and died before the gateway took anything
  await stack.deps.pool.query(
    `INSERT INTO message_log (request_key, kind, scene, channel, target_enc, target_idx, template, status, send_started_at)
     VALUES ($1, 'notice', 'rebind_notice', 'sms', $2, $3, '2133448', 'pending', now())`,
    [key, stack.deps.fieldCrypto.encrypt(phone, 'message_log.target'), contactIndex(stack.deps.fieldCrypto, 'phone', phone)],
  );
  const sends = stack.sms.requests(SEND);
  stack.sms.setFailure('InternalError');
  const blocked = await sendAndLog(stack.deps, smsNotice(key, phone));
  expect(blocked).toMatchObject({ ok: false, retryable: true, providerCode: 'InternalError' });
  expect(stack.sms.requests(SEND)).toBe(sends);
  expect(await row(key)).toMatchObject({ status: 'failed', provider_code: 'InternalError' });

  stack.sms.setFailure(null);
  const sent = await sendAndLog(stack.deps, smsNotice(key, phone));
  expect(sent).toMatchObject({ ok: true });
  expect(stack.sms.requests(SEND)).toBe(sends + 1);
  expect(stack.sms.forPhone(phone)).toHaveLength(1);
  expect(stack.sms.forPhone(phone)[0]!.sessionContext).toBe(key);
});

test('a first attempt asks nothing, and its start is committed before the provider is called', async () => {
  const phone = uniquePhone();
  const key = newKey().replace('/rebind-notice', '/code/1');
  const msg: OutgoingMessage = { ...smsNotice(key, phone), kind: 'code', scene: 'bind_phone', sms: { templateId: '2130785', params: ['123456'] } };
  const [sends, pulls] = [stack.sms.requests(SEND), stack.sms.requests(PULL)];
  stack.sms.setFailure('timeout');
  const attempt = sendAndLog(stack.deps, msg);
  await waitFor(() => (stack.sms.requests(SEND) > sends ? true : undefined));
  // while the gateway holds the request, the row already says an attempt started
  const during = await row(key);
  expect(during).toMatchObject({ kind: 'code', status: 'pending', send_started_at: expect.any(Date) });
  // a code's pending row is no queued notice
  expect(await noticeOutbox(stack.deps.pool, stack.deps.fieldCrypto, key)).toEqual([]);
  expect(await attempt).toMatchObject({ ok: false, retryable: true, providerCode: 'TransportError' });
  expect(stack.sms.requests(PULL)).toBe(pulls);
  const after = await row(key);
  expect(after.status).toBe('failed');
  expect(after.send_started_at).toEqual(during.send_started_at); // the earliest start is kept
}, 20_000);

test('a row already logged sent: nothing is asked or sent', async () => {
  const phone = uniquePhone();
  const key = newKey();
  const first = await sendAndLog(stack.deps, smsNotice(key, phone));
  expect(first.ok).toBe(true);
  const [sends, pulls] = [stack.sms.requests(SEND), stack.sms.requests(PULL)];
  expect(await sendAndLog(stack.deps, smsNotice(key, phone))).toMatchObject({ ok: true, providerRef: first.providerRef });
  expect([stack.sms.requests(SEND), stack.sms.requests(PULL)]).toEqual([sends, pulls]);
});

test('mail cannot be asked about: a retry sends it again, with the same Message-ID (at least once)', async () => {
  const email = uniqueEmail();
  const key = newKey();
  const msg: OutgoingMessage = {
    ...smsNotice(key, email),
    channel: 'mail',
    targetIdx: contactIndex(stack.deps.fieldCrypto, 'email', email),
    sms: undefined,
    mail: { subject: '账户安全通知', text: 'notice' },
  };
  const first = await sendAndLog(stack.deps, msg);
  // the worker died before the row said sent
  await stack.deps.pool.query("UPDATE message_log SET status = 'pending' WHERE request_key = $1 AND channel = 'mail'", [key]);
  const again = await sendAndLog(stack.deps, msg);
  const id = messageIdFor(key, stack.cfg.mail.from);
  expect([first.providerRef, again.providerRef]).toEqual([id, id]);
  const got = await waitFor(() => (stack.smtp.forRecipient(email).length === 2 ? stack.smtp.forRecipient(email) : undefined));
  expect(got.map((m) => m.messageId)).toEqual([id, id]);
  expect(await row(key, 'mail')).toMatchObject({ status: 'sent', provider_ref: id });
});
