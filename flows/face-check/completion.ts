// Relaying the app's face SDK completion to its face check, whichever flow started it
// (real-name, or a rebind by face), and answering with the outcome once it is known.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../../lib/config';
import { faceCheckHostOf, faceCheckOfCertifyId, type FaceCheckHost } from '../../db/real-name';
import { checkCallback } from '../../providers/aliyun-face/callback';
import { AppError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { STATE_QUERY_MS, queryFlow } from '../../http/flow-queries';
import { verifyFaceToken, type FaceTokenClaims } from '../../lib/face-token';
import type { AbuseLimits } from '../../http/abuse-limits';
import type { RealNameResult } from '../real-name/contract';
import type { FaceSceneResult } from '../face-scene/contract';
import { FLOW_KINDS, parseFlowId } from '../registry';
import { faceCheckStateQueryOf, faceCompletionSignal, type CompletionVerdict, type FaceCheckResult } from './contract';

export interface CompletionRequest {
  deviceId: string;
  certifyId?: string;
  errCode: number | string;
  errMsg?: string;
  cause?: { code?: number | string; message?: string };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The completionId of a completion a provider's callback stands in for (one per certifyId). */
const CALLBACK_COMPLETION = 'provider-callback:';

/** How long an accepted completion usually takes to settle, unloaded (docs/testing.md). */
const VERDICT_AFTER_MS = 400;
/** How long a completion's answer waits for the outcome before it answers with the stage. */
const OUTCOME_WAIT_MS = 30_000;
/** How long a refused completion's answer waits for its verdict (the check's state, asked again while no worker answers). */
const VERDICT_WAIT_MS = 10_000;
/** The time one query of the verdict loop is given: at least the least, even past the loop's deadline, at most the most (then it is asked again). */
const MIN_QUERY_MS = 1_000;
const MAX_QUERY_MS = 3_000;

/**
 * Outcomes a check, or its owner, reaches only through a completion with the check's certifyId
 * (expiry and cancel are not); a real-name run ends `verified`, the check and a scene `success`.
 */
const DECIDED_BY_A_COMPLETION = new Set<string>(['success', 'verified', 'fail', 'rejected']);
const decidedBy = (r: { outcome: string; certifyId: string | null }, certifyId: string | undefined) => r.certifyId === certifyId && DECIDED_BY_A_COMPLETION.has(r.outcome);

/** What a completion is answered with: its owner's result when the owner says more than the check. */
type Outcome = RealNameResult | FaceSceneResult | FaceCheckResult;

/**
 * Owners whose result is the completion's answer (real-name: the record; a face scene: its
 * effect and the seed's 刷脸成功:数据对比成功!); a rebind's answer is the check's own, its token
 * comes from its own route.
 */
function answeringOwner(flowId: string | undefined | null): string | null {
  const kind = flowId ? parseFlowId(flowId)?.kind : undefined;
  return kind && ['real-name', 'face-scene'].includes(FLOW_KINDS[kind].family) ? flowId! : null;
}

interface CheckAt {
  handle: ReturnType<Client['workflow']['getHandle']>;
  state: ReturnType<typeof faceCheckStateQueryOf>;
}

/** A token's check, as its row would say: the token names the hosting run. */
const hostOfToken = (claims: Pick<FaceTokenClaims, 'flowId' | 'faceCheckId' | 'hostRunId'>): FaceCheckHost => faceCheckHostOf(claims.faceCheckId, claims.flowId, claims.hostRunId);

interface Settled {
  result: Promise<Outcome>;
  stop(): void;
}

export class FaceCompletions {
  constructor(
    private readonly client: Client,
    private readonly cfg: Config,
    private readonly limits: AbuseLimits,
    private readonly pool: Pool,
    private readonly log: Logger,
  ) {}

  /**
   * Alibaba's callback: ours (the token), about a check of ours that still waits. It completes
   * the check as the app would (the scan is finished, so the check is billed), and the check
   * then asks DescribeFaceVerify, whose verdict alone decides, whatever `passed` said.
   */
  async aliyunCallback(query: Record<string, unknown>): Promise<'malformed' | 'refused' | 'unknown' | 'closed' | 'completed'> {
    const cfg = this.cfg.aliyunFace;
    const certifyId = typeof query.certifyId === 'string' ? query.certifyId : '';
    if (!cfg || !/^[A-Za-z0-9_-]{1,128}$/.test(certifyId)) return 'malformed';
    const check = await faceCheckOfCertifyId(this.pool, 'aliyun', certifyId);
    if (!check) return 'unknown';
    const outerOrderNo = typeof check.providerData.outerOrderNo === 'string' ? check.providerData.outerOrderNo : '';
    const ok = checkCallback(query, cfg.callbackKey, { outerOrderNo, certifyId });
    if (!ok.ok) return ok.reason === 'malformed' ? 'malformed' : 'refused';
    if (check.status !== 'wait') return 'closed';
    try {
      await this.checkAt(check.host).handle.signal(faceCompletionSignal, {
        completionId: `${CALLBACK_COMPLETION}${certifyId}`,
        deviceId: check.deviceId,
        tokenDeviceId: check.deviceId,
        certifyId,
        errCode: 0,
        errMsg: 'aliyun callback',
      });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'closed';
      throw err;
    }
    return 'completed';
  }

  /**
   * The app's SDK completion: token checked here, everything else (device, certifyId,
   * errCode) by the face check, which records a verdict per completion. Answers with that
   * verdict's error, or with the flow's outcome once it is known.
   */
  async complete(token: string | undefined, body: CompletionRequest): Promise<{ result: Outcome | { outcome: null; stage: string } }> {
    const claims = verifyFaceToken(this.cfg.realName.clientTokenKey, token);
    if (!claims) throw new AppError('FACE_TOKEN_INVALID');
    // refused here what the check would refuse anyway, so it never enters the check's history
    if (body.deviceId !== claims.deviceId) throw new AppError('FACE_DEVICE_MISMATCH');
    await this.limits.faceCompletion(claims.faceCheckId);
    const completionId = randomUUID();
    const check = this.checkAt(hostOfToken(claims));
    const face = check.handle;
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
      const repeat = body.certifyId ? await this.repeatOfClosedCheck(claims, body.certifyId) : null;
      if (repeat) return repeat;
      throw new AppError('FACE_TOKEN_INVALID');
    }

    // Most completions are accepted and settle within a few workflow tasks: the answer is the
    // outcome, and no query is sent. A query that arrives while the check's task runs splits
    // that task in two (about 20 ms here), so the verdict is asked for only when the outcome
    // takes longer than VERDICT_AFTER_MS: a refused completion (the check keeps waiting), or a
    // slow provider result.
    const ownerFlowId = answeringOwner(claims.flowId);
    const settled = this.settled(claims.faceCheckId, ownerFlowId, claims.hostRunId);
    // A completion with errCode 0 and the token's certifyId is accepted unless one came first,
    // and then the outcome is its answer as well (as for a repeat after the check closed): it
    // waits for the outcome and asks the check nothing. Under load the outcome takes seconds, and
    // a state query then reached a run that had closed meanwhile, which the worker replays whole
    // to answer (docs/testing.md, "The face check in the real-name run; no state query").
    const wellFormed = String(body.errCode) === '0' && claims.certifyId !== undefined && body.certifyId === claims.certifyId;
    const early = await Promise.race([settled.result, sleep(wellFormed ? OUTCOME_WAIT_MS : VERDICT_AFTER_MS).then(() => null)]);
    if (early && (!wellFormed || decidedBy(early, body.certifyId))) return { result: early };
    if (wellFormed && !early) return this.stageAnswer(check, settled);

    let verdict: CompletionVerdict | undefined;
    const asked = { queries: 0, failed: 0, lastError: '' };
    for (const deadline = Date.now() + VERDICT_WAIT_MS; !verdict; ) {
      // each query bounded: one the worker never answers (the server would hold it 30 s) is asked
      // again, and none holds the caller much past the deadline
      const ms = Math.min(Math.max(deadline - Date.now(), MIN_QUERY_MS), MAX_QUERY_MS);
      verdict = (await this.stateOf(check, ms, asked))?.completions.find((c) => c.completionId === completionId);
      if (verdict) break;
      if (Date.now() > deadline) {
        settled.stop();
        this.log.warn({ flowId: claims.flowId, faceCheckId: claims.faceCheckId, completionId, ...asked }, 'face completion: no verdict in time');
        throw new AppError('SERVICE_UNAVAILABLE');
      }
      await sleep(50);
    }
    // the provider's callback completed the check first: this completion's answer is its outcome
    const byCallback = verdict.error?.code === 'FACE_ALREADY_COMPLETED' && (await this.stateOf(check))?.completions[0]?.completionId.startsWith(CALLBACK_COMPLETION);
    if (!verdict.accepted && !byCallback) {
      settled.stop();
      throw new AppError((verdict.error?.code ?? 'INTERNAL') as never, verdict.error?.details);
    }

    // Accepted: the outcome follows in a moment (quota, getAuthResult, picture, records).
    return this.outcome(check, ownerFlowId, claims.hostRunId, settled);
  }

  /** Where a check takes its completion and answers for its state: its own workflow, or the owner run hosting it. */
  private checkAt(host: FaceCheckHost): CheckAt {
    return { handle: this.client.workflow.getHandle(host.workflowId, host.runId), state: faceCheckStateQueryOf(host.runId !== undefined) };
  }

  /**
   * The completion's answer: the answering owner run's result (real-name, a face scene;
   * ownerRunId: that run, not a later one of the same flow id), or the check's own for a
   * rebind; after 30 s
   * without one, the check's stage (the app reads the flow).
   */
  private async outcome(
    check: CheckAt,
    ownerFlowId: string | null,
    ownerRunId?: string,
    wait = this.settled(check.handle.workflowId, ownerFlowId, ownerRunId),
  ): Promise<{ result: Outcome | { outcome: null; stage: string } }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), OUTCOME_WAIT_MS)));
    const result = await Promise.race([wait.result, timeout]).finally(() => clearTimeout(timer));
    if (result) return { result };
    return this.stageAnswer(check, wait);
  }

  /** No outcome in time (a worker restarting, a slow provider): the check's stage; the app reads the flow. */
  private async stageAnswer(check: CheckAt, wait: Settled): Promise<{ result: { outcome: null; stage: string } }> {
    wait.stop();
    const state = await this.stateOf(check);
    if (!state) throw new AppError('SERVICE_UNAVAILABLE');
    return { result: { outcome: null, stage: state.stage } };
  }

  /**
   * The check's state, or null while no worker can answer: the signal is in its history and
   * the verdict follows, but a query sent while the worker restarts (or while its task is
   * retried) fails; the caller asks again until its deadline. One query is given `ms`: the
   * server would hold one no worker answers for 30 s.
   */
  private async stateOf(check: CheckAt, ms = STATE_QUERY_MS, asked?: { queries: number; failed: number; lastError: string }) {
    try {
      if (asked) asked.queries++;
      return await queryFlow(this.client, check.handle, check.state, ms);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw err;
      if (asked) [asked.failed, asked.lastError] = [asked.failed + 1, err instanceof Error ? err.message.slice(0, 200) : String(err)];
      return null;
    }
  }

  /**
   * The answering owner run's result, or the check's own for the other scenes: a long poll
   * that lasts until the flow ends unless stopped, which a caller that stops waiting does.
   */
  private settled(faceCheckId: string, ownerFlowId: string | null, ownerRunId?: string): Settled {
    const abort = new AbortController();
    const poll = (): Promise<Outcome> => this.client.workflow.getHandle(ownerFlowId ?? faceCheckId, ownerFlowId ? ownerRunId : undefined).result() as Promise<Outcome>;
    const result = this.client.withAbortSignal(abort.signal, poll);
    result.catch(() => undefined); // awaited by the caller, or stopped
    return { result, stop: () => abort.abort() };
  }

  /**
   * A completion of a check that has closed is answered again only when the check's verdict
   * came from a completion of this very certifyId (its first answer was lost); not for an
   * expired check, another check's certifyId, or a check that never was.
   */
  private async repeatOfClosedCheck(claims: Pick<FaceTokenClaims, 'flowId' | 'faceCheckId' | 'hostRunId'>, certifyId: string): Promise<Awaited<ReturnType<FaceCompletions['outcome']>> | null> {
    const check = this.checkAt(hostOfToken(claims));
    const face = check.handle;
    const described = await face.describe().catch(() => null);
    if (described?.status.name !== 'COMPLETED') return null;
    if (claims.hostRunId) {
      // the owner's run hosted the check: its result is the answer, when a completion decided it
      const owned = (await face.result()) as RealNameResult;
      return decidedBy(owned, certifyId) ? { result: owned } : null;
    }
    const checked = (await face.result()) as FaceCheckResult;
    if (!decidedBy(checked, certifyId)) return null;
    const parent = described.parentExecution;
    const owner = answeringOwner(parent?.workflowId);
    return this.outcome(check, owner, parent?.runId ?? undefined);
  }
}
