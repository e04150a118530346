// The ids of the workflow changes made since the first release (`patched()`): histories
// recorded before each replay the code path they were recorded with (test/histories/).
// One id per change, however many places it touches: each id is one marker in a history.

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
