// No phone number or email in plaintext in Temporal's storage (histories as the
// server returns them, read without our codec) nor in any of our tables.
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { AesGcmPayloadCodec } from '../../lib/payload-codec';
import { waitFor } from '../support/wait';
import { call, startStack, uniqueAccountId, uniqueEmail, uniquePhone, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

test('finished bind flows leave no plaintext contact in Temporal or Postgres', async () => {
  const id = uniqueAccountId();
  await call(stack, 'POST', '/v1/accounts', { id });
  const phone = uniquePhone();
  const email = uniqueEmail();
  await call(stack, 'POST', `/v1/accounts/${id}/phone/bind`, { phone });
  const smsCode = await waitFor(() => stack.sms.forPhone(phone)[0]?.params[0]);
  expect((await call(stack, 'POST', `/v1/flows/bind-phone:${id}/code`, { code: smsCode })).body.result.outcome).toBe('bound');
  await call(stack, 'POST', `/v1/accounts/${id}/email/bind`, { email });
  const mailCode = /(\d{6})/.exec((await waitFor(() => stack.smtp.forRecipient(email)[0])).text)![1]!;
  // one wrong try too, so a failure travels through history
  await call(stack, 'POST', `/v1/flows/bind-email:${id}/code`, { code: mailCode === '000000' ? '111111' : '000000' });
  expect((await call(stack, 'POST', `/v1/flows/bind-email:${id}/code`, { code: mailCode })).body.result.outcome).toBe('bound');

  // A client without our codec sees what the server stores.
  const connection = await Connection.connect({ address: stack.cfg.temporal.address });
  try {
    const raw = new Client({ connection, namespace: stack.cfg.temporal.namespace });
    for (const flowId of [`bind-phone:${id}`, `bind-email:${id}`]) {
      const history = await raw.workflow.getHandle(flowId).fetchHistory();
      // the history's wire bytes: a plaintext JSON payload would show here verbatim
      const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
      expect(bytes.length).toBeGreaterThan(1000);
      for (const secret of [phone, phone.slice(3), email, email.split('@')[0]!, smsCode, mailCode]) {
        expect(bytes).not.toContain(secret);
      }
      expect(bytes).toContain('binary/encrypted');
      // the workflow id and search attributes carry no personal data either
      const desc = await raw.workflow.getHandle(flowId).describe();
      expect(JSON.stringify(desc.raw.workflowExecutionInfo?.searchAttributes ?? {})).not.toContain(phone);
    }
    // what operators see through the codec server: the same bytes, decoded
    const started = (await raw.workflow.getHandle(`bind-phone:${id}`).fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;
    const codec = new AesGcmPayloadCodec(stack.cfg.crypto.payloadKeys, stack.cfg.crypto.payloadKeyId);
    const [decoded] = await codec.decode(started.input!.payloads!);
    expect(defaultPayloadConverter.fromPayload<{ target: string }>(decoded!).target).toBe(phone);
  } finally {
    await connection.close();
  }

  // Every table, every column, as text.
  for (const table of ['accounts', 'verification_codes', 'message_log', 'audit_events', 'callback_events']) {
    const { rows } = await stack.deps.pool.query(`SELECT t::text AS row FROM ${table} t WHERE t::text LIKE '%' || $1 || '%'`, [id]);
    const dump = rows.map((r) => r.row).join('\n');
    if (table !== 'verification_codes') expect(dump.length).toBeGreaterThan(0);
    for (const secret of [phone, email, phone.slice(3)]) expect(dump).not.toContain(secret);
  }
  const codes = await stack.deps.pool.query('SELECT code_hash::text AS h FROM verification_codes WHERE account_id = $1', [id]);
  expect(codes.rowCount).toBe(2);
  for (const r of codes.rows) expect(r.h).not.toContain(smsCode);
});
