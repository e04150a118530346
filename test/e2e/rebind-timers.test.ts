// Rebind lifetimes on real timers (short TTLs from config), the resend gap at its
// default, and the personal data of a finished rebind in Temporal's storage.
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { waitFor } from '../support/wait';
import { seedAccount } from '../support/accounts';
import { call, startStack, uniqueEmail, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ UNBIND_TOKEN_TTL_SEC: '2' });
});
afterAll(async () => {
  await stack?.close();
});

const codeIn = (text: string) => /(\d{6})/.exec(text)![1]!;

test('the unbind token dies with its timer: 解绑令牌无效, the flow ends expired', async () => {
  const a = await seedAccount(stack);
  const flowId = `rebind-phone:${a.id}`;
  await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'sms' });
  const proof = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: codeIn((await waitFor(() => stack.sms.forPhone(a.phone!)[0])).text) });
  const token = proof.body.proof.unbindToken;
  await new Promise((r) => setTimeout(r, 2500));
  const late = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: '13912345678', token });
  expect(late.status).toBe(403);
  expect(late.body.error).toEqual({ code: 'UNBIND_TOKEN_INVALID', message: '绑定失败:解绑令牌无效' });
  const state = await call(stack, 'GET', `/v1/flows/${flowId}`);
  expect(state.body.flow).toMatchObject({ outcome: 'expired', error: { code: 'UNBIND_TOKEN_INVALID' } });
});

test('a proof code resent inside 60 s is refused; nothing is sent', async () => {
  const a = await seedAccount(stack);
  await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'sms' });
  const again = await call(stack, 'POST', `/v1/flows/rebind-phone:${a.id}/code/resend`);
  expect(again.status).toBe(429);
  expect(again.body.error.code).toBe('CODE_TOO_SOON');
  expect(stack.sms.forPhone(a.phone!)).toHaveLength(1);
});

test('a finished email rebind leaves no contact in plaintext in Temporal', async () => {
  const a = await seedAccount(stack, { email: true });
  const flowId = `rebind-email:${a.id}`;
  const next = uniqueEmail();
  await call(stack, 'POST', `/v1/accounts/${a.id}/email/rebind`, { method: 'email' });
  const proofCode = codeIn((await waitFor(() => stack.smtp.forRecipient(a.email!)[0])).text);
  const token = (await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: proofCode })).body.proof.unbindToken;
  await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { email: next, token });
  const newCode = codeIn((await waitFor(() => stack.smtp.forRecipient(next)[0])).text);
  const done = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code: newCode, token });
  expect(done.body.result.outcome).toBe('rebound');

  const connection = await Connection.connect({ address: stack.cfg.temporal.address });
  try {
    const raw = new Client({ connection, namespace: stack.cfg.temporal.namespace });
    const history = await raw.workflow.getHandle(flowId).fetchHistory();
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish()).toString('latin1');
    expect(bytes).toContain('binary/encrypted');
    for (const secret of [a.phone!, a.email!, next, next.split('@')[0]!, token, proofCode, newCode]) expect(bytes).not.toContain(secret);
  } finally {
    await connection.close();
  }
});
