// What a security pass (a security check's grant: lib/recovery-grant.ts, purpose 'security') is
// good for, read off its row. The real-name start asks it before it starts a run (the API), and
// the run that spends it asks it again under the row's lock (./activities.ts): time passes
// between the two, and another run may have spent it meanwhile.
import type { GrantRow } from '../../db/recovery';
import type { ErrorCode } from '../../lib/errors';

export interface PassUse {
  accountId: string;
  deviceId: string;
  /** the real-name run asking: a pass it spent itself is still good for it (a retried step, a repeat start) */
  run?: { runKey?: string; runId?: string } | null;
}

/** null: the pass lets this real-name run go on; else why not. Checked in this order. */
export function passRefusal(row: GrantRow | null, use: PassUse, now = Date.now()): ErrorCode | null {
  if (!row || row.purpose !== 'security') return 'SECURITY_PASS_INVALID';
  if (row.account_id !== use.accountId) return 'SECURITY_PASS_ACCOUNT_MISMATCH';
  if (row.device_id !== use.deviceId) return 'SECURITY_PASS_DEVICE_MISMATCH';
  if (row.used_by_run_key !== null) {
    const mine = (use.run?.runKey !== undefined && use.run.runKey === row.used_by_run_key) || (use.run?.runId !== undefined && use.run.runId === row.used_by_run_id);
    return mine ? null : 'SECURITY_PASS_USED';
  }
  if (row.expires_at.getTime() <= now) return 'SECURITY_PASS_EXPIRED';
  return null;
}
