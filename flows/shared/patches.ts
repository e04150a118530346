// The ids of the workflow changes made since the first release (`patched()`): histories
// recorded before each replay the code path they were recorded with (test/histories/).
// One id per change, however many places it touches: each id is one marker in a history.
//
// Each marker costs two history events (the marker, and the TemporalChangeVersion search
// attribute the SDK sets with it). Runs begun since BASELINE record that one marker instead of
// one per change above: `applies(id)` is true for them without asking, and asks `patched(id)`
// only for runs recorded before. BASELINE_2 does the same for the changes made after BASELINE,
// BASELINE_3 for those after BASELINE_2, BASELINE_4 for those after BASELINE_3, BASELINE_5 for
// those after BASELINE_4, BASELINE_6 for those after BASELINE_5.
import { patched } from '@temporalio/workflow';

/** Every run of a flow has its own side-effect keys (./run-key.ts). */
export const PER_RUN_KEYS = 'per-run-keys';

/**
 * Fewer workflow tasks and events (docs/testing.md, "Fewer workflow tasks"): a flow's short steps run as
 * local activities (./activity-options.ts), and the stage search attribute is set at the
 * stages a flow waits in and when it ends, not at every passing stage (./flow-status.ts).
 */
export const FEWER_TASKS = 'fewer-tasks';

/**
 * A flow that ends without its change (cancel, expiry) first asks whether this run committed it
 * (flows/shared/activities/contact-change.ts): a local step's commit whose workflow task was lost
 * is in the database but not in the history, and the flow's outcome is the committed state.
 * The grant flows (./grant-flow.ts) ask the same of a redemption when their grant expires or
 * is cancelled (their runs recorded before asked nothing).
 */
export const COMMITTED_FIRST = 'committed-first';

/**
 * Real-name runs started with a security pass (an unsafe environment proven by the security
 * check, flows/security-check/) spend it after the pre-checks; runs recorded before had none.
 */
export const SECURITY_PASS = 'security-pass';

/**
 * Every change above at once, and the first waiting stage indexed by the start (./flow-status.ts):
 * one marker per run. Decided in the run's first task (beginRun, first thing in every flow).
 */
export const BASELINE = 'baseline-2026-12';

/**
 * A billed face check settles in one local step (flows/face-check/settle.ts): the unit consumed,
 * the provider's verdict and the row closed, instead of three.
 */
export const SETTLE_IN_ONE = 'settle-in-one';

/** BASELINE and every change after it (SETTLE_IN_ONE): again one marker per run. */
export const BASELINE_2 = 'baseline-2026-12-03';

/**
 * A real-name run's steps before the face (pre-checks, security pass, ID check, certifyId) run
 * as one local step (flows/real-name/checks.ts), instead of three or four.
 */
export const CHECK_THEN_ISSUE = 'check-then-issue';

/** BASELINE_2 and every change after it (CHECK_THEN_ISSUE): one marker per run. */
export const BASELINE_3 = 'baseline-2026-12-03b';

/**
 * A real-name run hosts its face check (flows/face-check/workflow.ts, runFaceCheck) instead of
 * starting it as a child workflow: one workflow and three workflow tasks fewer a run. The check's
 * completion, callback and redaction find it by the run id its row keeps (host_run_id).
 */
export const HOSTED_FACE = 'hosted-face';

/** BASELINE_3 and every change after it (HOSTED_FACE): one marker per run. */
export const BASELINE_4 = 'baseline-2026-12-03c';

/**
 * A bind's submission checks its code and commits the bind in one local step
 * (flows/bind/check-then-commit.ts), instead of two.
 */
export const CHECK_THEN_COMMIT = 'check-then-commit';

/** BASELINE_4 and every change after it (CHECK_THEN_COMMIT): one marker per run. */
export const BASELINE_5 = 'baseline-2026-12-03d';

/**
 * A real-name run settles its billed face check and makes its record in one local step
 * (flows/real-name/settle-then-record.ts), instead of two.
 */
export const SETTLE_THEN_RECORD = 'settle-then-record';

/** BASELINE_5 and every change after it (SETTLE_THEN_RECORD): one marker per run. */
export const BASELINE_6 = 'baseline-2026-12-03e';

// The module is instantiated per workflow run (the SDK keeps each run's module cache apart),
// so this is the run's own decision. Kept because a replay's "no marker" is not final for the
// SDK: an old run that goes on live would otherwise take the baseline mid-way.
let baseline: 0 | 1 | 2 | 3 | 4 | 5 | 6 | undefined;

/** Whether this run began on a baseline; called first thing by every flow, so the decision is its first task's. */
export function beginRun(): boolean {
  // the newest first: a run recorded on an older baseline has no newer marker, so replay asks on
  baseline ??= patched(BASELINE_6) ? 6 : patched(BASELINE_5) ? 5 : patched(BASELINE_4) ? 4 : patched(BASELINE_3) ? 3 : patched(BASELINE_2) ? 2 : patched(BASELINE) ? 1 : 0;
  return baseline > 0;
}

/** Whether a change up to BASELINE applies to this run: always from a baseline on, else as it was recorded. */
export function applies(id: string): boolean {
  return beginRun() || patched(id);
}

/** Whether a change made after BASELINE applies: always from BASELINE_2 on, else as recorded (a live older run takes it from there). */
export function appliesSince2(id: string): boolean {
  beginRun();
  return baseline! >= 2 || patched(id);
}

/** Whether a change made after BASELINE_2 applies: always from BASELINE_3 on, else as recorded. */
export function appliesSince3(id: string): boolean {
  beginRun();
  return baseline! >= 3 || patched(id);
}

/** Whether a change made after BASELINE_3 applies: always from BASELINE_4 on, else as recorded. */
export function appliesSince4(id: string): boolean {
  beginRun();
  return baseline! >= 4 || patched(id);
}

/** Whether a change made after BASELINE_4 applies: always from BASELINE_5 on, else as recorded. */
export function appliesSince5(id: string): boolean {
  beginRun();
  return baseline! >= 5 || patched(id);
}

/** Whether a change made after BASELINE_5 applies: always from BASELINE_6 on, else as recorded. */
export function appliesSince6(id: string): boolean {
  beginRun();
  return baseline === 6 || patched(id);
}
