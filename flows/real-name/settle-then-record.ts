// A real-name run's billed face check settled and, on the provider's SUCCESS, its record made,
// in one local step (SETTLE_THEN_RECORD). Two local steps before, each an activation of the
// workflow and a marker in the history, on the path the app waits on for its outcome
// (docs/testing.md, "One step from the verdict to the record").
//
// Pure composition of the face check's settling (../face-check/settle.ts) and this flow's
// record, so the worker's step and the workflow tests' stubs run the same sequence. Once the
// provider has given its verdict the step never throws: a certifyId may be queried only 5
// times, so a retry must not ask again for a record that failed. The record's refusal is
// returned for the run's compensations; its outage leaves the record to the run's own durable
// step, which finds its own record when this one was written after all.
import type { RequestMeta } from '../shared/contract';
import { errorOf } from '../../lib/errors';
import { settleFaceCheck, type SettleInput, type Settled } from '../face-check/settle';
import type { FaceCheckResult } from '../face-check/contract';

/** The record of a passed check (./activities.ts recordRealName). */
export interface RecordRealNameInput {
  flowId: string;
  /** flows/shared/run-key.ts; flows recorded before it key their rows by flow id */
  runKey?: string;
  accountId: string;
  faceRecordId: string;
  subjectLimit: number;
  meta: RequestMeta;
}

/** What the record needs besides the check's row. */
export type RecordOfRun = Omit<RecordRealNameInput, 'faceRecordId'>;

export interface SettleThenRecordInput {
  settle: SettleInput;
  record: RecordOfRun;
}

/** The record's answer, when the step got one (the check's result carries it to the run): absent when the check did not pass, or the database did not answer. */
export type Recorded = NonNullable<FaceCheckResult['recorded']>;

export type SettledThenRecorded = Settled & { recorded?: Recorded };

type Parts = Parameters<typeof settleFaceCheck>[0] & {
  recordRealName(input: RecordRealNameInput): Promise<{ realNameRecordId: string }>;
};

export async function settleThenRecord(parts: Parts, input: SettleThenRecordInput, attempt: number): Promise<SettledThenRecorded> {
  const settled = await settleFaceCheck(parts, input.settle, attempt);
  // the record reads the closed row: only a check the step itself closed is recorded here
  if ('error' in settled || settled.auth.authState !== 'SUCCESS' || !input.settle.close) return settled;
  let recorded: Recorded;
  try {
    recorded = await parts.recordRealName({ ...input.record, faceRecordId: input.settle.faceRecordId });
  } catch (err) {
    try {
      recorded = { error: errorOf(err) };
    } catch {
      return settled; // an outage of ours: the run records by its durable step
    }
  }
  return { ...settled, recorded };
}
