// Redacting a face check: what an operator's API call and the retention sweep share
// (docs/rules.md#redaction-and-retention). In order:
//   1. its flows must have ended: the face-check child and the flow that owns it (real-name,
//      rebind by face, a face scene, recovery). A running one is refused (REDACTION_FLOW_RUNNING):
//      it still holds the data in memory and would write it again.
//   2. their closed runs are deleted from Temporal (WorkflowService.DeleteWorkflowExecution).
//      Histories hold the request's name and ID number (real-name's input), sealed with the one
//      global payload key: retiring a key would make every flow's history unreadable, not this
//      one's, so the histories themselves go. First, so a row marked redacted never has a
//      history left behind; a repeat deletes again (NotFound is success).
//   3. one transaction (db/redaction.ts): the row locked, the picture file removed, the columns
//      wiped, the audit row and the face_verification.redacted event written once.
//   4. the account's webhook dispatcher woken (notifyWebhookDispatcher: the sweeper is the net).
// Logs carry ids only: never a path, a name or an ID number.
import fs from 'node:fs/promises';
import { isGrpcServiceError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../../lib/config';
import type { FieldCrypto } from '../../lib/field-crypto';
import type { Logger } from '../../lib/logger';
import { AppError } from '../../lib/errors';
import { inTransaction } from '../../db/pool';
import { REDACTED_EVENT, redactVerificationRow, type RedactedBy, type VerificationRow } from '../../db/redaction';
import { faceCheckHost } from '../../db/real-name';
import { notifyWebhookDispatcher } from '../shared/activities/notify-dispatcher';
import type { RetentionScope } from './contract';

export interface RedactDeps {
  pool: Pool;
  fieldCrypto: FieldCrypto;
  temporal: Client;
  cfg: Config;
  log: Logger;
}

const GRPC_NOT_FOUND = 5;

export interface Run {
  workflowId: string;
  runId: string;
}

/**
 * The closed runs holding this check's data: the face-check child (its id is unique per owner
 * run) and its parent, the owner's run; or, for a check that ran inside its owner's run, that
 * run alone. Throws REDACTION_FLOW_RUNNING when one still runs. A run already gone (the
 * namespace's retention removed it) leaves nothing to find.
 */
export async function closedRunsOf(client: Client, row: Pick<VerificationRow, 'face_check_id' | 'owner_flow_id' | 'host_run_id'>): Promise<Run[]> {
  const runs: Run[] = [];
  const running: string[] = [];
  let parent: Run | undefined;
  const host = faceCheckHost(row);
  if (host.runId) {
    parent = { workflowId: host.workflowId, runId: host.runId };
  } else {
    try {
      const d = await client.workflow.getHandle(row.face_check_id).describe();
      if (d.status.name === 'RUNNING') running.push(d.workflowId);
      runs.push({ workflowId: d.workflowId, runId: d.runId });
      const pe = d.parentExecution;
      if (pe?.workflowId && pe.runId) parent = { workflowId: pe.workflowId, runId: pe.runId };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  if (parent) {
    try {
      const p = await client.workflow.getHandle(parent.workflowId, parent.runId).describe();
      if (p.status.name === 'RUNNING') running.push(p.workflowId);
      // the owner first: the child is what finds it, so a retry after a failed deletion still does
      runs.unshift({ workflowId: p.workflowId, runId: p.runId });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  if (running.length) throw new AppError('REDACTION_FLOW_RUNNING', { flows: running });
  return runs;
}

export async function deleteRuns(client: Client, runs: Run[]): Promise<void> {
  for (const r of runs) {
    try {
      await client.workflowService.deleteWorkflowExecution({ namespace: client.options.namespace, workflowExecution: r });
    } catch (err) {
      if (!(isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND)) throw err;
    }
  }
}

async function removeFile(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}

/**
 * Redacts one face check (scope 'all': every personal field; 'picture': the picture only).
 * Idempotent: a repeat, or a concurrent duplicate, answers the same row and records no second
 * event. Returns the row as it stands after. `runs`: what closedRunsOf already answered for
 * this row (the account-wide route asks for every row before it changes any).
 */
export async function redactVerification(
  d: RedactDeps,
  row: VerificationRow,
  scope: RetentionScope,
  by: RedactedBy,
  runs?: Run[],
): Promise<{ changed: boolean; row: VerificationRow }> {
  await deleteRuns(d.temporal, runs ?? (await closedRunsOf(d.temporal, row)));
  const { wanted, ...r } = await inTransaction(d.pool, (c) => redactVerificationRow(c, d.fieldCrypto, { id: row.id, scope, by }, removeFile));
  if (r.changed) {
    d.log.info({ faceVerificationId: row.id, faceCheckId: row.face_check_id, accountId: row.account_id, scope, by }, 'face check redacted');
    await notifyWebhookDispatcher(d, row.account_id, REDACTED_EVENT, wanted);
  }
  return r;
}
