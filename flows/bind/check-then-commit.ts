// A bind's submission in one local step (CHECK_THEN_COMMIT): the code checked and spent, then,
// when it is right, the bind committed. Two local steps before, each an activation of the
// workflow and a marker in the history, on the path the caller waits on (docs/testing.md,
// "One step for a bind's submission").
//
// Pure composition of the two activities, so the worker's step and the workflow tests' stubs run
// the same sequence. Run again whole on a retry: the check answers ok again for its own
// submission key, and the commit finds what its run committed. Retried as the commit always was,
// until the database answers: once a retry may follow an accepted code, only the database can
// say whether the bind is in, so the step never gives up on an outage half way.
import type { CommittedChange } from '../../db/contact-change';
import type { CheckCodeInput } from '../shared/activities/codes';
import type { ContactKind, RequestMeta } from '../shared/contract';

/** The bind to commit (./activities.ts commitBind). */
export interface CommitBindInput {
  runKey: string;
  flowId: string;
  accountId: string;
  kind: ContactKind;
  target: string;
  meta: RequestMeta;
  /** the session that asked for the change: kept when the others are ended */
  keepSessionId: string | null;
}

export interface CheckThenCommitInput {
  check: CheckCodeInput;
  commit: CommitBindInput;
}

/** A wrong (or spent) code commits nothing; a right one answers with the commit. */
export type CheckedThenCommitted = { ok: false } | { ok: true; committed: CommittedChange };

/** The activities the step is made of (the code activities' check, this flow's commit). */
interface Parts {
  checkCode(input: CheckCodeInput): Promise<{ ok: boolean }>;
  commitBind(input: CommitBindInput): Promise<CommittedChange>;
}

export async function checkThenCommit(parts: Parts, input: CheckThenCommitInput): Promise<CheckedThenCommitted> {
  const { ok } = await parts.checkCode(input.check);
  if (!ok) return { ok: false };
  return { ok: true, committed: await parts.commitBind(input.commit) };
}
