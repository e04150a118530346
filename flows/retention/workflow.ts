// The retention sweep, started by its Temporal Schedule (flows/retention/schedule.ts) every
// RETENTION_SWEEP_INTERVAL_SEC: pictures past FACE_PICTURE_RETENTION_DAYS, then identities past
// FACE_IDENTITY_RETENTION_DAYS, redacted in bounded batches (RETENTION_BATCH_SIZE rows an
// activity). At most MAX_BATCHES a run, so its history stays short; the next run goes on.
import { proxyActivities } from '@temporalio/workflow';
import type { RetentionActivities } from './activities';
import type { RetentionBatchResult, RetentionScope, RetentionSweepResult } from './contract';

const { redactExpiredBatch } = proxyActivities<RetentionActivities>({
  // a batch deletes files, rows and histories: idempotent per row, so a retry redoes what is left
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

const MAX_BATCHES = 50;

export async function retentionSweep(): Promise<RetentionSweepResult> {
  const out: RetentionSweepResult = { pictures: 0, identities: 0, skipped: 0, capped: false };
  let batches = 0;
  for (const scope of ['picture', 'all'] as RetentionScope[]) {
    let r: RetentionBatchResult = { redacted: 0, skipped: 0, next: null };
    do {
      if (batches++ >= MAX_BATCHES) {
        out.capped = true;
        return out;
      }
      r = await redactExpiredBatch({ scope, after: r.next });
      if (scope === 'picture') out.pictures += r.redacted;
      else out.identities += r.redacted;
      out.skipped += r.skipped;
    } while (r.next);
  }
  return out;
}
