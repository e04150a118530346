// Shapes of the retention sweep (flows/retention/), shared by its workflow, its activity, the
// Schedule that starts it and the tests.

export const RETENTION_WORKFLOW_TYPE = 'retentionSweep';

/** What a redaction wipes: the picture only (its retention is the shorter one) or every personal field. */
export type RetentionScope = 'picture' | 'all';

/** Keyset position of the sweep: rows after (createdAt, id). */
export interface RetentionCursor {
  createdAt: string;
  id: string;
}

export interface RetentionBatchInput {
  scope: RetentionScope;
  after: RetentionCursor | null;
}

export interface RetentionBatchResult {
  redacted: number;
  /** rows whose flow still runs: the next sweep takes them */
  skipped: number;
  /** where the next batch starts; null when this batch was the last */
  next: RetentionCursor | null;
}

export interface RetentionSweepResult {
  pictures: number;
  identities: number;
  skipped: number;
  /** true when the sweep stopped at its batch cap; the next one goes on */
  capped: boolean;
}
