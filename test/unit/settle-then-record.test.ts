// A real-name run's settling step with its record (flows/real-name/settle-then-record.ts): the
// record only after a SUCCESS the step closed, and nothing thrown once the provider has spoken.
import { settleThenRecord, type SettleThenRecordInput } from '../../flows/real-name/settle-then-record';
import { failure } from '../../lib/errors';

const input: SettleThenRecordInput = {
  settle: { faceCheckId: 'rn:1/run/face', ownerFlowId: 'rn:1', accountId: 'acct-1', certifyId: 'cert-1', faceRecordId: 'row-1', close: true },
  record: { flowId: 'rn:1', runKey: 'rn:1/abc', accountId: 'acct-1', subjectLimit: 3, meta: { ip: '203.0.113.9' } },
};

function parts(o: { authState?: 'SUCCESS' | 'FAIL'; record?: () => Promise<{ realNameRecordId: string }>; consume?: () => Promise<{ source: 'free' }> } = {}) {
  const calls: string[] = [];
  const recorded: unknown[] = [];
  return {
    calls,
    recorded,
    parts: {
      consumeFaceQuota: async () => (calls.push('consume'), o.consume ? o.consume() : { source: 'free' as const }),
      fetchAuthResult: async () => (calls.push('fetch'), { authState: o.authState ?? 'SUCCESS', score: 90 }),
      closeFaceRecord: async () => void calls.push('close'),
      recordRealName: async (i: unknown) => (calls.push('record'), recorded.push(i), o.record ? o.record() : { realNameRecordId: 'rec-1' }),
    },
  };
}

test('SUCCESS: the row closed, then the record made for that row', async () => {
  const p = parts();
  expect(await settleThenRecord(p.parts, input, 1)).toEqual({ quota: { source: 'free' }, auth: { authState: 'SUCCESS', score: 90 }, recorded: { realNameRecordId: 'rec-1' } });
  expect(p.calls).toEqual(['consume', 'fetch', 'close', 'record']);
  expect(p.recorded).toEqual([{ ...input.record, faceRecordId: 'row-1' }]);
});

test('FAIL, or a row left open for its picture: no record', async () => {
  const failed = parts({ authState: 'FAIL' });
  expect(await settleThenRecord(failed.parts, input, 1)).not.toHaveProperty('recorded');
  expect(failed.calls).toEqual(['consume', 'fetch', 'close']);
  const open = parts();
  expect(await settleThenRecord(open.parts, { ...input, settle: { ...input.settle, close: false } }, 1)).not.toHaveProperty('recorded');
  expect(open.calls).toEqual(['consume', 'fetch']);
});

test("the record's refusal is returned, not thrown: a retry would ask the provider again", async () => {
  const p = parts({ record: () => Promise.reject(failure('REAL_NAME_SUBJECT_LIMIT', { limit: 3 })) });
  expect(await settleThenRecord(p.parts, input, 1)).toMatchObject({ auth: { authState: 'SUCCESS' }, recorded: { error: { code: 'REAL_NAME_SUBJECT_LIMIT', details: { limit: 3 } } } });
});

test("the record's outage leaves the record to the run: the verdict is returned without one", async () => {
  const p = parts({ record: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) });
  const settled = await settleThenRecord(p.parts, input, 1);
  expect(settled).toEqual({ quota: { source: 'free' }, auth: { authState: 'SUCCESS', score: 90 } });
  expect(p.calls).toEqual(['consume', 'fetch', 'close', 'record']);
});

test('an outage before the verdict is thrown: the step runs again whole', async () => {
  const p = parts({ consume: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) });
  await expect(settleThenRecord(p.parts, input, 7)).rejects.toThrow('ECONNREFUSED');
  expect(p.calls).toEqual(['consume']);
});
