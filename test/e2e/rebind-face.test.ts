// The face method of a rebind: the reusable face-check child workflow against the
// account's real-name identity; the app's completion reaches it as a signal.
import { waitFor } from '../support/wait';
import { complete, metaInfo, readyAccount, sdkOk, startRealName } from '../support/real-name';
import { call, startStack, uniquePhone, type Stack } from '../support/stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ CODE_RESEND_GAP_SEC: '0' });
});
afterAll(async () => {
  await stack?.close();
});

/** A real-name verified account (through the real saga), with face quota left. */
async function verifiedAccount(): Promise<{ id: string; deviceId: string; phone: string }> {
  const { id, deviceId } = await readyAccount(stack);
  const start = await startRealName(stack, id, deviceId);
  expect(start.status).toBe(201);
  const done = await complete(stack, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, deviceId));
  expect(done.body.result.outcome).toBe('verified');
  await stack.deps.pool.query('UPDATE accounts SET face_number = 3 WHERE id = $1', [id]);
  const acct = await call(stack, 'GET', `/v1/accounts/${id}?unmasked=true`);
  return { id, deviceId, phone: acct.body.account.phone };
}

test('phone rebind by face: face check child, app completion, token, new phone, rebound', async () => {
  const a = await verifiedAccount();
  const flowId = `rebind-phone:${a.id}`;
  const start = await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'face', deviceId: a.deviceId });
  expect(start.status).toBe(201);
  expect(start.body.flow.flowId).toBe(flowId);
  expect(start.body.flow.faceCheckId).toMatch(new RegExp(`^${flowId}/[0-9a-f]{12}/face$`));
  expect(start.body.flow.certifyId).toBeTruthy();

  const early = await call(stack, 'POST', `/v1/flows/${flowId}/proof`);
  expect(early.body.error.code).toBe('PROOF_NOT_DONE');
  const viaCode = await call(stack, 'POST', `/v1/flows/${flowId}/code`, { code: '123456' });
  expect(viaCode.body.error.code).toBe('PROOF_METHOD_MISMATCH');

  const face = await complete(stack, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, a.deviceId));
  expect(face.status).toBe(200);
  expect(face.body.result.outcome).toBe('success');

  // the token follows the face check's success within moments
  let proof = await call(stack, 'POST', `/v1/flows/${flowId}/proof`);
  for (let i = 0; i < 50 && proof.status !== 200; i++) {
    await new Promise((r) => setTimeout(r, 100));
    proof = await call(stack, 'POST', `/v1/flows/${flowId}/proof`);
  }
  expect(proof.status).toBe(200);
  const token = proof.body.proof.unbindToken;
  const next = uniquePhone();
  await call(stack, 'POST', `/v1/flows/${flowId}/new-contact`, { phone: next, token });
  const code = (await waitFor(() => stack.sms.forPhone(next)[0])).params[0];
  const done = await call(stack, 'POST', `/v1/flows/${flowId}/new-contact/code`, { code, token });
  expect(done.status).toBe(200);
  expect(done.body.result.outcome).toBe('rebound');
  expect((await call(stack, 'GET', `/v1/accounts/${a.id}?unmasked=true`)).body.account.phone).toBe(next);
  // no code was sent to the old phone for the proof, only the notice afterwards
  expect(stack.sms.forPhone(a.phone).map((m) => m.templateId)).toEqual(['2133448']);
  const event = await stack.deps.pool.query("SELECT payload FROM callback_events WHERE flow_id = $1 AND type = 'phone.rebound'", [flowId]);
  expect(event.rows[0].payload.method).toBe('face');
  const state = await call(stack, 'GET', `/v1/flows/${flowId}`);
  expect(state.body.flow.face).toMatchObject({ faceCheckId: start.body.flow.faceCheckId, outcome: 'success' });
});

test('the face method needs a verified account and a device', async () => {
  const { id, deviceId } = await readyAccount(stack);
  const notVerified = await call(stack, 'POST', `/v1/accounts/${id}/phone/rebind`, { method: 'face', deviceId });
  expect(notVerified.body.error).toEqual({ code: 'REAL_NAME_REQUIRED', message: '账户未完成实名认证' });
  const a = await verifiedAccount();
  const noDevice = await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'face' });
  expect(noDevice.body.error.code).toBe('MISSING_PARAMETERS');
});

test('a FAIL face ends the rebind; no token, nothing changed', async () => {
  const a = await verifiedAccount();
  const failing = `${a.deviceId}-2`;
  expect((await call(stack, 'PUT', `/v1/accounts/${a.id}/devices/${failing}`, { metaInfo: metaInfo('fail') })).status).toBe(201);
  const flowId = `rebind-phone:${a.id}`;
  const start = await call(stack, 'POST', `/v1/accounts/${a.id}/phone/rebind`, { method: 'face', deviceId: failing });
  expect(start.status).toBe(201);
  const face = await complete(stack, start.body.flow.clientToken, sdkOk(start.body.flow.certifyId, failing));
  expect(face.body.result.outcome).toBe('fail');
  const result = await stack.client.workflow.getHandle(flowId).result();
  expect(result).toMatchObject({ outcome: 'rejected', error: { code: 'FACE_FAILED' } });
  expect((await call(stack, 'POST', `/v1/flows/${flowId}/proof`)).body.error.code).toBe('FLOW_CLOSED');
  expect((await call(stack, 'GET', `/v1/accounts/${a.id}?unmasked=true`)).body.account.phone).toBe(a.phone);
});
