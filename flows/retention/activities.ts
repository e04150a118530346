// The retention sweep's one activity: a bounded batch of checks past their retention period,
// redacted one by one (flows/retention/redact.ts). A check whose flow still runs is skipped and
// taken by a later sweep; any other failure fails the batch, whose retry redoes what is left
// (every redaction is idempotent).
import type { ActivityDeps } from '../activity-deps';
import { AppError } from '../../lib/errors';
import { findVerificationById, retentionBatch } from '../../db/redaction';
import { redactVerification } from './redact';
import type { RetentionBatchInput, RetentionBatchResult } from './contract';

export function createRetentionActivities(deps: ActivityDeps) {
  async function redactExpiredBatch(input: RetentionBatchInput): Promise<RetentionBatchResult> {
    const temporal = deps.temporal;
    if (!temporal) throw new Error('the retention sweep needs a Temporal client');
    const cfg = deps.cfg.retention;
    const olderThanDays = input.scope === 'picture' ? cfg.pictureDays : cfg.identityDays;
    const rows = await retentionBatch(deps.pool, { scope: input.scope, olderThanDays, after: input.after, limit: cfg.batchSize });
    let redacted = 0;
    let skipped = 0;
    for (const { id } of rows) {
      const row = await findVerificationById(deps.pool, id);
      if (!row) continue;
      try {
        if ((await redactVerification({ ...deps, temporal }, row, input.scope, 'retention')).changed) redacted++;
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'REDACTION_FLOW_RUNNING')) throw err;
        skipped++;
      }
    }
    const last = rows.at(-1);
    const next = rows.length === cfg.batchSize && last ? { createdAt: last.at, id: last.id } : null;
    if (redacted || skipped) deps.log.info({ scope: input.scope, redacted, skipped }, 'retention batch');
    return { redacted, skipped, next };
  }

  return { redactExpiredBatch };
}

/** What the workflow types its proxy by (a type-only import). */
export type RetentionActivities = ReturnType<typeof createRetentionActivities>;
