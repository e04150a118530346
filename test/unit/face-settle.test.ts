// The face check's settling step (flows/face-check/settle.ts) attempt by attempt: which
// failures end the check (returned to the workflow, which refunds) and which are retried.
import { ApplicationFailure } from '@temporalio/common';
import { settleFaceCheck, RESULT_ATTEMPTS, type SettleInput } from '../../flows/face-check/settle';
import { failure } from '../../lib/errors';

const input: SettleInput = { faceCheckId: 'rn:1/run/face', ownerFlowId: 'rn:1', accountId: 'acct-1', certifyId: 'cert-1', faceRecordId: 'row-1', close: true };

function parts(verdict: () => Promise<{ authState: 'SUCCESS' | 'FAIL'; score?: number; data?: Record<string, unknown> }>) {
  const calls: string[] = [];
  const closed: unknown[] = [];
  return {
    calls,
    closed,
    parts: {
      consumeFaceQuota: async () => (calls.push('consume'), { source: 'free' as const }),
      fetchAuthResult: async () => (calls.push('fetch'), verdict()),
      closeFaceRecord: async (c: unknown) => void (calls.push('close'), closed.push(c)),
    },
  };
}

test('a verdict closes the row with what it said, and answers with the quota it used', async () => {
  const p = parts(async () => ({ authState: 'FAIL', score: 12, data: { subCode: 205 } }));
  expect(await settleFaceCheck(p.parts, input, 1)).toEqual({ quota: { source: 'free' }, auth: { authState: 'FAIL', score: 12, data: { subCode: 205 } } });
  expect(p.calls).toEqual(['consume', 'fetch', 'close']);
  expect(p.closed).toEqual([{ faceRecordId: 'row-1', status: 'fail', data: { authState: 'FAIL', score: 12, quality: null, picture: 'off', verdict: { subCode: 205 } } }]);
});

test('a picture to fetch first: the row stays open for the workflow to close', async () => {
  const p = parts(async () => ({ authState: 'SUCCESS', score: 90 }));
  expect(await settleFaceCheck(p.parts, { ...input, close: false }, 1)).toMatchObject({ auth: { authState: 'SUCCESS' } });
  expect(p.calls).toEqual(['consume', 'fetch']);
});

test("the provider's fault is retried until the last attempt, then returned (the workflow refunds)", async () => {
  const pending = () => Promise.reject(failure('FACE_RESULT_PENDING', { authState: 'PROCESSING' }, { retryable: true }));
  for (let attempt = 1; attempt < RESULT_ATTEMPTS; attempt++) {
    await expect(settleFaceCheck(parts(pending).parts, input, attempt)).rejects.toMatchObject({ type: 'FACE_RESULT_PENDING' });
  }
  const last = parts(pending);
  expect(await settleFaceCheck(last.parts, input, RESULT_ATTEMPTS)).toMatchObject({ quota: { source: 'free' }, error: { code: 'FACE_RESULT_PENDING', details: { authState: 'PROCESSING' } } });
  expect(last.calls).toEqual(['consume', 'fetch']);
});

test("the provider's refusal is returned at once", async () => {
  const p = parts(() => Promise.reject(failure('FACE_PROVIDER_ERROR', { errCode: 'InvalidCertifyId' })));
  expect(await settleFaceCheck(p.parts, input, 1)).toMatchObject({ error: { code: 'FACE_PROVIDER_ERROR', details: { errCode: 'InvalidCertifyId' } } });
});

test('an outage of ours is thrown on every attempt, however many: the user paid, the check waits for us', async () => {
  const down = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
  await expect(settleFaceCheck(parts(down).parts, input, RESULT_ATTEMPTS + 10)).rejects.toThrow('ECONNREFUSED');
  const foreign = () => Promise.reject(ApplicationFailure.create({ type: 'SomethingElse', nonRetryable: true }));
  await expect(settleFaceCheck(parts(foreign).parts, input, RESULT_ATTEMPTS)).rejects.toMatchObject({ type: 'SomethingElse' });
});
