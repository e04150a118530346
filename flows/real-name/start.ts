// Starting and reading the real-name saga through the Temporal client. Relaying the app's
// face completions is the face check's (flows/face-check/completion.ts): rebind by face
// needs it as much as real-name does.
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../../lib/config';
import { AppError } from '../../lib/errors';
import type { FieldCrypto } from '../../lib/field-crypto';
import type { AbuseLimits } from '../../http/abuse-limits';
import { tokenForStartedCheck } from '../../lib/face-token';
import { ACCOUNT_ID, FLOW_KIND, FLOW_STAGE } from '../../lib/search-attributes';
import type { AccountRow } from '../../db/accounts';
import { precheckRealName } from '../../db/real-name';
import { grantByHash } from '../../db/recovery';
import { GRANT_PATTERN, grantHash } from '../../lib/recovery-grant';
import { passRefusal } from '../security-check/pass';
import { realName } from './workflow';
import type { RequestMeta } from '../shared/contract';
import {
  beginRealNameUpdate,
  realNameFlowIdOf,
  realNameStateQuery,
  type RealNameResult,
  type RealNameSettings,
  type RealNameStarted,
  type RealNameState,
} from './contract';
import type { FaceScene } from '../face-check/contract';
import type { StartRealNameRequest } from './request';
import { queryFlow } from '../../http/flow-queries';

export interface StartedForApp extends RealNameStarted {
  /** the app posts the SDK completion with this (X-Face-Token), not with an API key */
  clientToken: string;
}

export const realNameFlowId = realNameFlowIdOf;

export class RealNameFlows {
  constructor(
    private readonly client: Client,
    private readonly cfg: Config,
    private readonly pool: Pool,
    private readonly crypto: FieldCrypto,
    private readonly limits: AbuseLimits,
  ) {}

  settings(): RealNameSettings {
    const r = this.cfg.realName;
    return {
      ttlSec: r.faceTokenTtlSec,
      subjectLimit: r.subjectLimit,
      freePerAccount: r.faceFreePerAccount,
      needPicture: r.collectPicture,
      idCheckPerDay: r.idCheckPerIpPerDay,
      idCheckGapSec: r.idCheckGapSec,
    };
  }

  /** Keyed hash of what makes a request "the same": never the values themselves. */
  requestDigest(scene: FaceScene, name: string, idNumber: string): string {
    return this.crypto.blindIndex('real_name_request', `${scene}\0${name}\0${idNumber}`).toString('hex');
  }

  /**
   * relayedIp: the end user's IP as the caller relayed it (per-IP start limit); readAccount: the
   * account as the request already read it (http/request-account.ts).
   */
  async start(
    accountId: string,
    req: StartRealNameRequest,
    meta: RequestMeta,
    o: { relayedIp?: string; readAccount?: () => Promise<AccountRow | null> } = {},
  ): Promise<StartedForApp> {
    const s = this.settings();
    // a security pass stands in for an unsafe environment only (a safe one spends none)
    const pass = !req.environmentSafe && req.securityPass !== undefined ? req.securityPass : null;
    // The pre-checks in their order (docs/rules.md#pre-checks) answer at once, without a workflow; the saga runs them
    // again (time passes between here and there).
    const pre = await precheckRealName(this.pool, this.crypto, {
      accountId,
      realName: req.realName,
      idNumber: req.idNumber,
      deviceId: req.deviceId,
      environmentSafe: req.environmentSafe,
      enabled: this.cfg.realName.enabled,
      faceEnabled: this.cfg.realName.faceEnabled,
      subjectLimit: s.subjectLimit,
      freePerAccount: s.freePerAccount,
      priceCny: this.cfg.realName.facePriceCny,
      beforeSharedChecks: () => this.limits.realNameStart(accountId, o.relayedIp),
      ...(o.readAccount ? { readAccount: o.readAccount } : {}),
      ...(pass ? { securityPass: () => this.passRefusal(accountId, req.deviceId, pass) } : {}),
    });
    if (!pre.ok) throw new AppError(pre.code, pre.details);

    const flowId = realNameFlowId(accountId);
    const requestDigest = this.requestDigest('personal', pre.realName, pre.idNumber);
    const startWorkflowOperation = new WithStartWorkflowOperation(realName, {
      workflowId: flowId,
      taskQueue: this.cfg.temporal.taskQueue,
      args: [{ accountId, realName: pre.realName, idNumber: pre.idNumber, deviceId: req.deviceId, environmentSafe: req.environmentSafe, ...(pass ? { securityPassHash: grantHash(pass).toString('hex') } : {}), requestDigest, settings: s, meta }],
      // a live flow answers a repeat itself (same certifyId) or refuses (FLOW_IN_PROGRESS)
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: FLOW_KIND, value: 'real-name' },
        { key: ACCOUNT_ID, value: accountId },
        // the stage it waits in once its first task issued the certifyId (flows/shared/flow-status.ts)
        { key: FLOW_STAGE, value: 'awaiting_face' },
      ],
    });
    const started = await this.client.workflow.executeUpdateWithStart(beginRealNameUpdate, {
      args: [{ deviceId: req.deviceId, requestDigest }],
      startWorkflowOperation,
    });
    // the hosting run is the token's business, not the app's
    const { hostRunId: _, ...answer } = started;
    return { ...answer, clientToken: tokenForStartedCheck(this.cfg.realName.clientTokenKey, started, req.deviceId) };
  }

  /**
   * Whether a security pass lets this start go on (flows/security-check/pass.ts). A pass the
   * account's live real-name run spent is still good for that run: a repeat of its start (a
   * double click, a retry after a lost answer) reaches that run and gets its answer.
   */
  private async passRefusal(accountId: string, deviceId: string, pass: string) {
    const row = GRANT_PATTERN.test(pass) ? await grantByHash(this.pool, grantHash(pass)) : null;
    const live = row?.used_by_run_id ? await this.liveRunId(accountId) : null;
    return passRefusal(row, { accountId, deviceId, run: live ? { runId: live } : null });
  }

  private async liveRunId(accountId: string): Promise<string | null> {
    try {
      const d = await this.client.workflow.getHandle(realNameFlowId(accountId)).describe();
      return d.status.name === 'RUNNING' ? d.runId : null;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  async state(accountId: string): Promise<RealNameState | RealNameResult> {
    const handle = this.client.workflow.getHandle<typeof realName>(realNameFlowId(accountId));
    let status: string;
    try {
      status = (await handle.describe()).status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new AppError('FLOW_NOT_FOUND');
      throw err;
    }
    if (status === 'RUNNING') return queryFlow(this.client, handle, realNameStateQuery);
    if (status === 'COMPLETED') return handle.result();
    throw new AppError('FLOW_CLOSED', { status });
  }
}
