// The real-name run's step that spends a security pass (docs/flows/security-check.md): the
// pass's row, locked, is checked again (./pass.ts) and marked spent by this run, with its audit
// row, in one transaction. Keyed by the run: a retried step finds its own spending and answers
// the same; any other run is refused SECURITY_PASS_USED. The run knows the pass by its hash only.
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../activity-deps';
import { recordAudit } from '../../db/events';
import { inTransaction } from '../../db/pool';
import { grantByHash, markSpent } from '../../db/recovery';
import { failure } from '../../lib/errors';
import type { RequestMeta } from '../shared/contract';
import { passRefusal } from './pass';

export interface SpendSecurityPassInput {
  /** hex SHA-256 of the pass, as the API put it in the run's input */
  passHash: string;
  runKey: string;
  flowId: string;
  accountId: string;
  deviceId: string;
  meta: RequestMeta;
}

export const SECURITY_PASS_SPENT = 'account.security_pass_spent';

export function createSecurityCheckActivities(deps: ActivityDeps) {
  async function spendSecurityPass(input: SpendSecurityPassInput): Promise<{ spent: true }> {
    const hash = Buffer.from(input.passHash, 'hex');
    const runId = Context.current().info.workflowExecution?.runId ?? null;
    await inTransaction(deps.pool, async (c) => {
      const row = await grantByHash(c, hash, true);
      const refusal = passRefusal(row, { accountId: input.accountId, deviceId: input.deviceId, run: { runKey: input.runKey } });
      if (refusal) throw failure(refusal);
      if (row!.used_by_run_key === input.runKey) return;
      await markSpent(c, hash, { runKey: input.runKey, runId });
      await recordAudit(c, { dedupeKey: `${input.runKey}/${SECURITY_PASS_SPENT}`, accountId: input.accountId, flowId: input.flowId, type: SECURITY_PASS_SPENT, data: { securityCheckFlowId: row!.flow_id }, meta: input.meta });
    });
    return { spent: true };
  }

  return { spendSecurityPass };
}

/** What the real-name workflow types its proxy by (a type-only import). */
export type SecurityCheckActivities = ReturnType<typeof createSecurityCheckActivities>;
