// The real-name run's step before the face (flows/real-name/checks.ts) attempt by attempt:
// which failures end the run (returned to the workflow) and which are retried.
import { ApplicationFailure } from '@temporalio/common';
import { checkThenIssue, PROVIDER_ATTEMPTS, type CheckThenIssueInput } from '../../flows/real-name/checks';
import { failure } from '../../lib/errors';

const input: CheckThenIssueInput = {
  precheck: { flowId: 'rn:1', accountId: 'acct-1', realName: '张三', idNumber: '11010519491231002X', deviceId: 'dev-1', environmentSafe: true, subjectLimit: 3, freePerAccount: 1 },
  idCheck: { flowId: 'rn:1', callKey: 'rn:1/run/id-check', accountId: 'acct-1', realName: '张三', idNumber: '11010519491231002X', clientIp: null, perDay: 5, gapSec: 60 },
  issue: { faceCheckId: 'rn:1/run/face', ownerFlowId: 'rn:1', accountId: 'acct-1', scene: 'personal', identity: { realName: '张三', idNumber: '11010519491231002X' }, deviceId: 'dev-1', requestDigest: 'd', needPicture: false, meta: {} },
};
const pass = { passHash: 'ab'.repeat(32), runKey: 'rn:1/run', flowId: 'rn:1', accountId: 'acct-1', deviceId: 'dev-1', meta: {} };
const ISSUED = { certifyId: 'cert-1', faceRecordId: 'row-1', provider: 'dcloud' as const };

type Step = () => Promise<unknown>;
function parts(over: { precheck?: Step; pass?: Step; id?: Step; issue?: Step } = {}) {
  const calls: string[] = [];
  const ok = async () => ({});
  return {
    calls,
    parts: {
      precheckRealName: async () => (calls.push('precheck'), (over.precheck ?? ok)()),
      spendSecurityPass: async () => (calls.push('pass'), (over.pass ?? ok)()),
      checkIdentity: async () => (calls.push('id'), (over.id ?? ok)()),
      issueCertifyId: async () => (calls.push('issue'), (over.issue ?? (async () => ISSUED))()) as Promise<typeof ISSUED>,
    },
  };
}

test('all four in order when the run has a pass; without one, the pass is not asked', async () => {
  const p = parts();
  expect(await checkThenIssue(p.parts, { ...input, securityPass: pass }, 1)).toEqual({ issued: ISSUED });
  expect(p.calls).toEqual(['precheck', 'pass', 'id', 'issue']);
  const q = parts();
  expect(await checkThenIssue(q.parts, input, 1)).toEqual({ issued: ISSUED });
  expect(q.calls).toEqual(['precheck', 'id', 'issue']);
});

test('a refusal of the pre-checks, the pass or the ID check is returned at once, and nothing after it runs', async () => {
  const subject = parts({ precheck: () => Promise.reject(failure('REAL_NAME_SUBJECT_LIMIT', { limit: 3 })) });
  expect(await checkThenIssue(subject.parts, input, 1)).toEqual({ error: expect.objectContaining({ code: 'REAL_NAME_SUBJECT_LIMIT', details: { limit: 3 } }) });
  expect(subject.calls).toEqual(['precheck']);
  const used = parts({ pass: () => Promise.reject(failure('SECURITY_PASS_USED')) });
  expect(await checkThenIssue(used.parts, { ...input, securityPass: pass }, 1)).toMatchObject({ error: { code: 'SECURITY_PASS_USED' } });
  expect(used.calls).toEqual(['precheck', 'pass']);
  const mismatch = parts({ id: () => Promise.reject(failure('ID_MISMATCH')) });
  expect(await checkThenIssue(mismatch.parts, input, 1)).toMatchObject({ error: { code: 'ID_MISMATCH' } });
  expect(mismatch.calls).toEqual(['precheck', 'id']);
});

test("a provider's fault is thrown (retried) until the last attempt, then returned — the ID check's and the certifyId's alike", async () => {
  const faults = {
    id: () => Promise.reject(failure('ID_CHECK_UNAVAILABLE', { provider: 'transport' }, { retryable: true })),
    issue: () => Promise.reject(failure('FACE_PROVIDER_ERROR', { errCode: 'HTTP_500' }, { retryable: true })),
  };
  for (const [which, fault] of Object.entries(faults)) {
    for (let attempt = 1; attempt < PROVIDER_ATTEMPTS; attempt++) {
      await expect(checkThenIssue(parts({ [which]: fault }).parts, input, attempt)).rejects.toBeInstanceOf(ApplicationFailure);
    }
    const last = await checkThenIssue(parts({ [which]: fault }).parts, input, PROVIDER_ATTEMPTS);
    expect(last).toMatchObject({ error: { code: which === 'id' ? 'ID_CHECK_UNAVAILABLE' : 'FACE_PROVIDER_ERROR' } });
  }
});

test("an outage during a provider call is retried as a fault, then told as SERVICE_UNAVAILABLE; during the database steps it is retried however long", async () => {
  const down = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
  await expect(checkThenIssue(parts({ id: down }).parts, input, 1)).rejects.toThrow('ECONNREFUSED');
  expect(await checkThenIssue(parts({ issue: down }).parts, input, PROVIDER_ATTEMPTS)).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
  await expect(checkThenIssue(parts({ precheck: down }).parts, input, PROVIDER_ATTEMPTS + 10)).rejects.toThrow('ECONNREFUSED');
  await expect(checkThenIssue(parts({ pass: down }).parts, { ...input, securityPass: pass }, PROVIDER_ATTEMPTS + 10)).rejects.toThrow('ECONNREFUSED');
});

test('a failure that is not one of our codes and not retryable (a bug) ends the provider part as SERVICE_UNAVAILABLE at once', async () => {
  const bug = () => Promise.reject(ApplicationFailure.create({ type: 'SomethingElse', nonRetryable: true }));
  expect(await checkThenIssue(parts({ issue: bug }).parts, input, 1)).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
});
