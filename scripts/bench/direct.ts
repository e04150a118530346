// The direct baseline: the provider calls and database writes one journey makes, in this one
// process, without Temporal — the product's own functions called in the order the API and the
// workflows call them (the API's reads, abuse limits and pre-checks, then each activity as its
// workflow calls it, with the same inputs). What is left between a journey step and its direct
// twin is the price of durability: workflow tasks, history writes, the update and signal round
// trips and the API's waiting on them. The activities run with no Temporal client and nobody
// subscribes to webhooks, so the knock after a commit does nothing, as in the journeys: the
// event's own statement tells that nobody wants it (db/events.ts).
import { randomBytes } from 'node:crypto';
import type { Config } from '../../lib/config';
import { createActivities } from '../../flows/activities';
import { createActivityDeps } from '../../worker/deps';
import { CONTACT } from '../../lib/contact-kinds';
import { codeLimits } from '../../http/code-limits';
import { AbuseLimits } from '../../http/abuse-limits';
import { tokenForStartedCheck, verifyFaceToken } from '../../lib/face-token';
import { boundIndex, findAccount, insertAccount } from '../../db/accounts';
import { precheckRealName, upsertDevice } from '../../db/real-name';
import { ApiDriver, META_INFO, stepTimer, randomIdNumber, randomPhone, StepError, type JourneyResult } from './journey';

export interface Direct {
  run(who: { accountId: string; ip: string }, opts: { rebind: boolean }): Promise<JourneyResult>;
  close(): Promise<void>;
}

const nonce = () => randomBytes(6).toString('hex');

export function startDirect(cfg: Config, inbox: ApiDriver): Direct {
  // the worker's own clients; silent, as the worker's log would only add cost here
  const deps = createActivityDeps({ ...cfg, logLevel: 'silent' }, { withTemporal: false });
  const acts = createActivities(deps);
  const limits = new AbuseLimits(deps.redis, deps.fieldCrypto, cfg);
  const bindLimits = codeLimits(cfg, 'bind_phone', cfg.flows.bindFlowTtlSec);
  const proofLimits = codeLimits(cfg, 'unbind_phone', cfg.flows.rebindFlowTtlSec);
  const r = cfg.realName;

  async function run(who: { accountId: string; ip: string }, opts: { rebind: boolean }): Promise<JourneyResult> {
    const { accountId: id, ip } = who;
    const meta = { ip, userAgent: 'GongLunApp/4.0.8 (Android 14)', fingerprint: `dev-${id}` };
    const { steps, t0, step } = stepTimer();

    await step('create account', () => insertAccount(deps.pool, id));

    const bindFlowId = `bind-phone:${id}`;
    const bindRun = `${bindFlowId}/${nonce()}`;
    const phone = randomPhone();
    const sent = await step('bind start', async () => {
      if (!(await findAccount(deps.pool, id))) throw new StepError('bind start', 'account missing');
      await limits.contactCheck(id, ip);
      return acts.sendCode({
        flowId: bindFlowId,
        runKey: bindRun,
        requestKey: `${bindRun}/code/1`,
        accountId: id,
        scene: 'bind_phone',
        channel: 'sms',
        target: phone,
        prechecks: [{ lacks: 'phone' }, { unclaimed: 'PHONE_TAKEN' }],
        perDay: bindLimits.perDay,
        resendGapSec: bindLimits.resendGapSec,
      });
    });
    const bindCode = await inbox.latestCode('sms', phone);
    await step('bind submit', async () => {
      const { ok } = await acts.checkCode({ flowId: bindFlowId, codeId: sent.codeId, code: bindCode, submissionKey: `${bindRun}/code/submit/1` });
      if (!ok) throw new StepError('bind submit', 'code refused');
      await acts.commitBind({ runKey: bindRun, flowId: bindFlowId, accountId: id, kind: 'phone', target: phone, meta, keepSessionId: null });
    });

    const deviceId = `app-${id}`;
    await step('register device', async () => {
      if (!(await findAccount(deps.pool, id))) throw new StepError('register device', 'account missing');
      await upsertDevice(deps.pool, deps.fieldCrypto, { accountId: id, deviceId, metaInfo: META_INFO, platform: 'android', ip, userAgent: meta.userAgent });
    });

    const realNameFlowId = `real-name:${id}`;
    const rnRun = `${realNameFlowId}/${nonce()}`;
    const faceCheckId = `${realNameFlowId}/${rnRun.split('/')[1]}/face`;
    const idNumber = randomIdNumber();
    const settings = { subjectLimit: r.subjectLimit, freePerAccount: r.faceFreePerAccount };
    const started = await step('real-name start', async () => {
      const pre = await precheckRealName(deps.pool, deps.fieldCrypto, {
        accountId: id,
        realName: '张三',
        idNumber,
        deviceId,
        environmentSafe: true,
        enabled: r.enabled,
        faceEnabled: r.faceEnabled,
        ...settings,
        priceCny: r.facePriceCny,
        beforeSharedChecks: () => limits.realNameStart(id, ip),
      });
      if (!pre.ok) throw new StepError('real-name start', pre.code);
      const requestDigest = deps.fieldCrypto.blindIndex('real_name_request', `personal\0${pre.realName}\0${pre.idNumber}`).toString('hex');
      await acts.precheckRealName({ flowId: realNameFlowId, accountId: id, realName: pre.realName, idNumber: pre.idNumber, deviceId, environmentSafe: true, ...settings });
      await acts.checkIdentity({ flowId: realNameFlowId, callKey: `${rnRun}/id-check`, accountId: id, realName: pre.realName, idNumber: pre.idNumber, clientIp: ip, perDay: r.idCheckPerIpPerDay, gapSec: r.idCheckGapSec });
      const issued = await acts.issueCertifyId({
        faceCheckId,
        ownerFlowId: realNameFlowId,
        accountId: id,
        scene: 'personal',
        identity: { realName: pre.realName, idNumber: pre.idNumber },
        deviceId,
        requestDigest,
        needPicture: r.collectPicture,
        ttlSec: r.faceTokenTtlSec,
        meta,
      });
      const expiresAt = new Date(Date.now() + r.faceTokenTtlSec * 1000).toISOString();
      return { ...issued, clientToken: tokenForStartedCheck(r.clientTokenKey, { flowId: realNameFlowId, faceCheckId, expiresAt }, deviceId) };
    });
    await step('completion → outcome', async () => {
      const claims = verifyFaceToken(r.clientTokenKey, started.clientToken);
      if (!claims) throw new StepError('completion → outcome', 'token refused');
      await limits.faceCompletion(claims.faceCheckId);
      await acts.consumeFaceQuota({ faceCheckId, accountId: id });
      const auth = await acts.fetchAuthResult({ faceCheckId, ownerFlowId: realNameFlowId, accountId: id, certifyId: started.certifyId });
      if (auth.authState !== 'SUCCESS') throw new StepError('completion → outcome', auth.authState);
      await acts.closeFaceRecord({ faceRecordId: started.faceRecordId, status: 'success', data: { authState: auth.authState, score: auth.score ?? null, quality: auth.quality ?? null, picture: 'off' } });
      await acts.recordRealName({ flowId: realNameFlowId, runKey: rnRun, accountId: id, faceRecordId: started.faceRecordId, subjectLimit: r.subjectLimit, meta });
    });

    if (opts.rebind) {
      const flowId = `rebind-phone:${id}`;
      const runKey = `${flowId}/${nonce()}`;
      let expectedContactIdx = '';
      const proof = await step('rebind start', async () => {
        const account = await findAccount(deps.pool, id);
        if (!account) throw new StepError('rebind start', 'account missing');
        expectedContactIdx = boundIndex(account, 'phone')!.toString('hex');
        return acts.sendCode({
          flowId,
          runKey,
          requestKey: `${runKey}/proof/1`,
          accountId: id,
          scene: 'unbind_phone',
          channel: 'sms',
          targetOfAccount: 'phone',
          prechecks: [{ has: 'phone' }],
          perDay: proofLimits.perDay,
          resendGapSec: proofLimits.resendGapSec,
        });
      });
      const proofCode = await inbox.latestCode('sms', phone, bindCode);
      await step('rebind proof submit', async () => {
        const { ok } = await acts.checkCode({ flowId, codeId: proof.codeId, code: proofCode, submissionKey: `${runKey}/proof/submit/1` });
        if (!ok) throw new StepError('rebind proof submit', 'code refused');
        await acts.issueUnbindToken();
      });
      const next = randomPhone();
      const fresh = await step('rebind new contact', async () => {
        await limits.contactCheck(id, ip);
        return acts.sendCode({
          flowId,
          runKey,
          requestKey: `${runKey}/new/1`,
          accountId: id,
          scene: 'bind_phone',
          channel: 'sms',
          target: next,
          prechecks: [{ has: 'phone' }, { unclaimed: 'PHONE_TAKEN' }],
          perDay: bindLimits.perDay,
          resendGapSec: bindLimits.resendGapSec,
        });
      });
      const newCode = await inbox.latestCode('sms', next);
      await step('rebind new code submit', async () => {
        const { ok } = await acts.checkCode({ flowId, codeId: fresh.codeId, code: newCode, submissionKey: `${runKey}/new/submit/1` });
        if (!ok) throw new StepError('rebind new code submit', 'code refused');
        await acts.commitRebind({
          runKey,
          flowId,
          accountId: id,
          kind: 'phone',
          method: 'sms',
          target: next,
          targetMasked: CONTACT.phone.mask(next),
          expectedContactIdx,
          meta,
          keepSessionId: null,
        });
        await acts.sendQueuedRebindNotices({ runKey, accountId: id, kind: 'phone', newTargetMasked: CONTACT.phone.mask(next) });
      });
    }
    return { ids: { accountId: id, bindFlowId, realNameFlowId, faceCheckId, rebindFlowId: null }, steps, totalMs: performance.now() - t0 };
  }

  return {
    run,
    close: () => deps.close(),
  };
}
