// Starting and driving the real-name saga (and relaying the app's face completions to any
// face check) through the Temporal client.
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../../lib/config';
import { AppError } from '../../lib/errors';
import type { FieldCrypto } from '../../lib/field-crypto';
import type { AbuseLimits } from '../../http/abuse-limits';
import { tokenForStartedCheck, verifyFaceToken } from '../../lib/face-token';
import { ACCOUNT_ID, FLOW_KIND, FLOW_STAGE } from '../../lib/search-attributes';
import { precheckRealName } from '../../db/real-name';
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
import { faceCheckStateQuery, faceCompletionSignal, type CompletionVerdict, type FaceCheckResult, type FaceScene } from '../face-check/contract';

export interface StartRealNameRequest {
  realName: string;
  idNumber: string;
  deviceId: string;
  environmentSafe: boolean;
}

export interface StartedForApp extends RealNameStarted {
  /** the app posts the SDK completion with this (X-Face-Token), not with an API key */
  clientToken: string;
}

export interface CompletionRequest {
  deviceId: string;
  certifyId?: string;
  errCode: number | string;
  errMsg?: string;
  cause?: { code?: number | string; message?: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const realNameFlowId = realNameFlowIdOf;

/** Outcomes a face check reaches through a completion (expiry is not one). */
const COMPLETION_VERDICTS = new Set<FaceCheckResult['outcome']>(['success', 'fail', 'rejected']);

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

  /** relayedIp: the end user's IP as the caller relayed it (per-IP start limit). */
  async start(accountId: string, req: StartRealNameRequest, meta: RequestMeta, relayedIp?: string): Promise<StartedForApp> {
    const s = this.settings();
    // The pre-checks in SPEC's order answer at once, without a workflow; the saga runs them
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
      beforeSharedChecks: () => this.limits.realNameStart(accountId, relayedIp),
    });
    if (!pre.ok) throw new AppError(pre.code, pre.details);

    const flowId = realNameFlowId(accountId);
    const requestDigest = this.requestDigest('personal', pre.realName, pre.idNumber);
    const startWorkflowOperation = new WithStartWorkflowOperation(realName, {
      workflowId: flowId,
      taskQueue: this.cfg.temporal.taskQueue,
      args: [{ accountId, realName: pre.realName, idNumber: pre.idNumber, deviceId: req.deviceId, environmentSafe: req.environmentSafe, requestDigest, settings: s, meta }],
      // a live flow answers a repeat itself (same certifyId) or refuses (FLOW_IN_PROGRESS)
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: FLOW_KIND, value: 'real-name' },
        { key: ACCOUNT_ID, value: accountId },
        { key: FLOW_STAGE, value: 'prechecking' },
      ],
    });
    const started = await this.client.workflow.executeUpdateWithStart(beginRealNameUpdate, {
      args: [{ deviceId: req.deviceId, requestDigest }],
      startWorkflowOperation,
    });
    return { ...started, clientToken: tokenForStartedCheck(this.cfg.realName.clientTokenKey, started, req.deviceId) };
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
    if (status === 'RUNNING') return handle.query(realNameStateQuery);
    if (status === 'COMPLETED') return handle.result();
    throw new AppError('FLOW_CLOSED', { status });
  }

  /**
   * The app's SDK completion: token checked here, everything else (device, certifyId,
   * errCode) by the face check, which records a verdict per completion. Answers with that
   * verdict's error, or with the flow's outcome once it is known.
   */
  async complete(token: string | undefined, body: CompletionRequest): Promise<{ result: RealNameResult | FaceCheckResult | { outcome: null; stage: string } }> {
    const claims = verifyFaceToken(this.cfg.realName.clientTokenKey, token);
    if (!claims) throw new AppError('FACE_TOKEN_INVALID');
    // refused here what the check would refuse anyway, so it never enters the check's history
    if (body.deviceId !== claims.deviceId) throw new AppError('FACE_DEVICE_MISMATCH');
    await this.limits.faceCompletion(claims.faceCheckId);
    const completionId = randomUUID();
    const face = this.client.workflow.getHandle(claims.faceCheckId);
    try {
      await face.signal(faceCompletionSignal, {
        completionId,
        deviceId: body.deviceId,
        tokenDeviceId: claims.deviceId,
        certifyId: body.certifyId,
        errCode: body.errCode,
        errMsg: body.errMsg,
        cause: body.cause,
      });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // the check has closed: a completion repeated because its first answer was lost gets
      // that answer again; a token for a check that never was stays invalid
      const repeat = body.certifyId ? await this.repeatOfClosedCheck(claims.faceCheckId, body.certifyId) : null;
      if (repeat) return repeat;
      throw new AppError('FACE_TOKEN_INVALID');
    }

    let verdict: CompletionVerdict | undefined;
    for (const deadline = Date.now() + 10_000; !verdict; ) {
      verdict = (await face.query(faceCheckStateQuery)).completions.find((c) => c.completionId === completionId);
      if (verdict) break;
      if (Date.now() > deadline) throw new AppError('SERVICE_UNAVAILABLE');
      await sleep(50);
    }
    if (!verdict.accepted) throw new AppError((verdict.error?.code ?? 'INTERNAL') as never, verdict.error?.details);

    // Accepted: the outcome follows in a moment (quota, getAuthResult, picture, records).
    return this.outcome(claims.faceCheckId, claims.flowId.startsWith('real-name:') ? claims.flowId : null);
  }

  /**
   * The completion's answer: the owning real-name run's result (ownerRunId: that run, not a
   * later one of the same flow id), or the check's own for the other scenes; after 30 s
   * without one, the check's stage (the app reads the flow).
   */
  private async outcome(faceCheckId: string, ownerFlowId: string | null, ownerRunId?: string): Promise<{ result: RealNameResult | FaceCheckResult | { outcome: null; stage: string } }> {
    const face = this.client.workflow.getHandle(faceCheckId);
    const wait = ownerFlowId ? this.client.workflow.getHandle<typeof realName>(ownerFlowId, ownerRunId).result() : (face.result() as Promise<FaceCheckResult>);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), 30_000)));
    const result = await Promise.race([wait, timeout]).finally(() => clearTimeout(timer));
    if (result) return { result };
    const stage = (await face.query(faceCheckStateQuery)).stage;
    return { result: { outcome: null, stage } };
  }

  /**
   * A completion of a check that has closed is answered again only when the check's verdict
   * came from a completion of this very certifyId (its first answer was lost); not for an
   * expired check, another check's certifyId, or a check that never was.
   */
  private async repeatOfClosedCheck(faceCheckId: string, certifyId: string): Promise<Awaited<ReturnType<RealNameFlows['outcome']>> | null> {
    const face = this.client.workflow.getHandle(faceCheckId);
    const described = await face.describe().catch(() => null);
    if (described?.status.name !== 'COMPLETED') return null;
    const checked = (await face.result()) as FaceCheckResult;
    if (checked.certifyId !== certifyId || !COMPLETION_VERDICTS.has(checked.outcome)) return null;
    const parent = described.parentExecution;
    const owner = parent?.workflowId?.startsWith('real-name:') ? parent.workflowId : null;
    return this.outcome(faceCheckId, owner, parent?.runId ?? undefined);
  }
}
