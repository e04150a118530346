// Real-name saga steps that are not the face check itself: the pre-checks, the ID two-factor
// check (rate-limited per client IP, slot given back when the provider is at fault), and the
// final record under the subject-limit lock.
import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../activity-deps';
import { failure } from '../../lib/errors';
import { SendRateLimiter } from '../../lib/rate-limit';
import { findAccount } from '../../db/accounts';
import { providerCallOutcome, recordProviderCall } from '../../db/counters';
import { recordAudit, recordCallbackEvent } from '../../db/events';
import { notifyWebhookDispatcher } from '../shared/activities/notify-dispatcher';
import { inTransaction } from '../../db/pool';
import {
  findFaceRow,
  findRealNameRecord,
  faceAad,
  idNumberIndex,
  insertRealNameRecord,
  lockSubject,
  markAccountVerified,
  precheckRealName,
  subjectCount,
} from '../../db/real-name';
import { providersForDevice } from '../face-check/providers';
import type { FaceCheckActivities } from '../face-check/activities';
import type { SecurityCheckActivities } from '../security-check/activities';
import { checkThenIssue, type CheckThenIssueInput, type CheckedThenIssued, type IdCheckInput, type RealNamePrecheckInput } from './checks';
import { settleThenRecord, type RecordRealNameInput, type SettleThenRecordInput, type SettledThenRecorded } from './settle-then-record';
import { maskIdNumber, maskName } from '../../lib/idcard';
import { timed } from '../../lib/metrics';
import { TRANSPORT_ERROR, type ProviderFailure } from '../../providers/shared/result';

const ID_SCENE = 'idcard_verification';

/** How the logs and metrics name an ID check failure: the network's, or the provider's. */
const failureKind = (f: ProviderFailure) => (f.code === TRANSPORT_ERROR ? 'transport_error' : 'provider_fault');

/** The other flows' steps this flow's composite steps are made of, as the worker built them (flows/activities.ts). */
export type OtherFlowsParts = Pick<FaceCheckActivities, 'issueCertifyId' | 'consumeFaceQuota' | 'fetchAuthResult' | 'closeFaceRecord'> & Pick<SecurityCheckActivities, 'spendSecurityPass'>;

export function createRealNameActivities(deps: ActivityDeps, { issueCertifyId, spendSecurityPass, consumeFaceQuota, fetchAuthResult, closeFaceRecord }: OtherFlowsParts) {
  const limiter = new SendRateLimiter(deps.redis);

  /** The authoritative pre-checks (the API ran the same ones to answer fast). */
  async function precheckRealNameStep(input: RealNamePrecheckInput): Promise<{ quota: 'free' | 'purchased' }> {
    const r = await precheckRealName(deps.pool, deps.fieldCrypto, {
      ...input,
      enabled: deps.cfg.realName.enabled,
      faceEnabled: deps.cfg.realName.faceEnabled,
      priceCny: deps.cfg.realName.facePriceCny,
    });
    if (!r.ok) throw failure(r.code, r.details);
    // before the paid ID check: a device none of the scene's providers can serve ends here
    const { client, chain, serving } = await providersForDevice(deps, { accountId: input.accountId, deviceId: input.deviceId, scene: 'personal' });
    if (client && serving.length === 0) throw failure('FACE_CLIENT_UNSUPPORTED', { providers: chain.join(',') });
    return { quota: r.quota };
  }

  async function checkIdentity(input: IdCheckInput): Promise<{ sex?: string; birthday?: string }> {
    const log = { tag: ID_SCENE, flowId: input.flowId, accountId: input.accountId, idMasked: maskIdNumber(input.idNumber), nameMasked: maskName(input.realName) };
    // Answered once already (a retry after the answer): the same verdict, no second paid call.
    const prior = await providerCallOutcome(deps.pool, input.callKey);
    if (prior) return verdict(prior);

    const who = deps.fieldCrypto.blindIndex('client_ip', input.clientIp ?? 'unknown');
    const slot = await limiter.acquire({ scene: ID_SCENE, targetIdx: who, requestKey: input.callKey, perDay: input.perDay, gapSec: input.gapSec });
    if (!slot.ok) {
      if (slot.reason === 'daily_limit') throw failure('ID_CHECK_DAILY_LIMIT', { perDay: input.perDay });
      throw failure('ID_CHECK_TOO_SOON', { retryAfterSec: Math.ceil(slot.retryAfterMs / 1000) });
    }

    // match / mismatch / no_record / bad_request are answers; failures are the provider's or the network's
    const r = await timed(deps.metrics, 'idcard', () => deps.idcard.check(input.realName, input.idNumber), (x) =>
      x.ok ? { outcome: x.verdict, error: x.verdict === 'bad_request' } : { outcome: failureKind(x), error: true },
    );
    if (!r.ok) {
      // Not the user's fault: the slot goes back (the seed's clear_redis_security_check).
      await limiter.release({ scene: ID_SCENE, targetIdx: who, requestKey: input.callKey });
      const status = failureKind(r);
      deps.log.warn({ ...log, status, providerCode: status === 'provider_fault' ? r.code : undefined, message: r.message }, 'ID check provider failed');
      throw failure('ID_CHECK_UNAVAILABLE', { provider: status === 'provider_fault' ? r.code : 'transport' }, { retryable: true });
    }
    await recordProviderCall(deps.pool, { callKey: input.callKey, api: 'api:idcard_verification', accountId: input.accountId, flowId: input.flowId, outcome: r.verdict });
    if (r.verdict !== 'match') deps.log.info({ ...log, status: r.verdict }, 'ID check refused');
    if (r.verdict === 'match') return { ...(r.sex ? { sex: r.sex } : {}), ...(r.birthday ? { birthday: r.birthday } : {}) };
    return verdict(r.verdict);
  }

  function verdict(outcome: string): { sex?: string; birthday?: string } {
    if (outcome === 'match') return {};
    if (outcome === 'mismatch') throw failure('ID_MISMATCH');
    if (outcome === 'no_record') throw failure('ID_NO_RECORD');
    throw failure('ID_CHECK_REJECTED');
  }

  /**
   * SUCCESS: the real-name record (identity copied from the face row, re-sealed for this
   * table), the account marked verified, the audit row and the real_name.verified callback,
   * in one transaction. The ID subject's row is locked first, so two accounts racing with one
   * ID number are serialized and the limit holds. A retry finds its own record.
   */
  async function recordRealName(input: RecordRealNameInput): Promise<{ realNameRecordId: string }> {
    // set when this attempt writes the event; a retry that finds its record asks after the commit
    let wanted: boolean | undefined;
    const recorded = await inTransaction(deps.pool, async (c) => {
      const face = await findFaceRow(c, { id: input.faceRecordId });
      if (!face || face.account_id !== input.accountId || face.status !== 'success') throw failure('FACE_FAILED');
      await lockSubject(c, face.id_idx);

      const existing = await findRealNameRecord(c, input.accountId);
      if (existing) {
        // a retry of this step finds its own record: the face row is this run's
        if (existing.face_record_id === face.id) return { realNameRecordId: existing.id };
        throw failure('REAL_NAME_ALREADY_VERIFIED');
      }
      if ((await subjectCount(c, face.id_idx)) >= input.subjectLimit) throw failure('REAL_NAME_SUBJECT_LIMIT', { limit: input.subjectLimit });
      const account = await findAccount(c, input.accountId, true);
      if (!account) throw failure('REAL_NAME_LOGIN_REQUIRED');
      if (account.real_name_status === 'verified') throw failure('REAL_NAME_ALREADY_VERIFIED');

      const fc = deps.fieldCrypto;
      const realName = fc.decrypt(face.name_enc, faceAad('name', face.face_check_id));
      const idNumber = fc.decrypt(face.id_enc, faceAad('id_number', face.face_check_id));
      if (!idNumberIndex(fc, idNumber).equals(face.id_idx)) throw new Error('face row blind index does not match its ID number');
      const picture = face.picture_enc ? fc.decrypt(face.picture_enc, faceAad('picture', face.face_check_id)) : null;
      const realNameRecordId = await insertRealNameRecord(c, fc, { accountId: input.accountId, flowId: input.flowId, face, realName, idNumber, picture, meta: input.meta });
      await markAccountVerified(c, input.accountId);
      const key = `${input.runKey ?? input.flowId}/real_name.verified`;
      await recordAudit(c, {
        dedupeKey: key,
        accountId: input.accountId,
        flowId: input.flowId,
        type: 'real_name.verified',
        data: { faceRecordId: face.id, realNameRecordId },
        meta: input.meta,
      });
      // The seed's xc_face_ok_hook answer: type, id, table_name (no personal data).
      wanted = await recordCallbackEvent(c, {
        eventKey: key,
        type: 'real_name.verified',
        accountId: input.accountId,
        flowId: input.flowId,
        payload: { accountId: input.accountId, flowId: input.flowId, type: 'personal', id: face.id, table_name: 'face_verifications', realNameRecordId },
      });
      deps.log.info({ flowId: input.flowId, accountId: input.accountId, nameMasked: maskName(realName), idMasked: maskIdNumber(idNumber) }, 'account real-name verified');
      return { realNameRecordId };
    });
    // after the commit: the event is there for the dispatcher to read (the sweeper is the net)
    await notifyWebhookDispatcher(deps, input.accountId, 'real_name.verified', wanted);
    return recorded;
  }

  /** The pre-checks, the pass, the ID check and the certifyId as one step (./checks.ts). */
  async function checkThenIssueStep(input: CheckThenIssueInput): Promise<CheckedThenIssued> {
    return checkThenIssue({ precheckRealName: precheckRealNameStep, spendSecurityPass, checkIdentity, issueCertifyId }, input, Context.current().info.attempt);
  }

  /** The face check settled, then its record made, as one step (./settle-then-record.ts). */
  async function settleThenRecordStep(input: SettleThenRecordInput): Promise<SettledThenRecorded> {
    return settleThenRecord({ consumeFaceQuota, fetchAuthResult, closeFaceRecord, recordRealName }, input, Context.current().info.attempt);
  }

  return { precheckRealName: precheckRealNameStep, checkIdentity, recordRealName, checkThenIssue: checkThenIssueStep, settleThenRecord: settleThenRecordStep };
}

/** What the workflows that call these type their proxy by (a type-only import: nothing of this file enters the bundle). */
export type RealNameActivities = ReturnType<typeof createRealNameActivities>;
