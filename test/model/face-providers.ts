// The face providers in the model: which provider a scene's check goes to, and what each
// provider's sandbox answers for each device the model registers. The chain of a scene is the
// operator's choice (PUT /v1/face-providers/:scene), else the configured one (MODEL_ENV); only the
// providers that serve the device are asked (an app device: dcloud, aliyun; a mini-program
// user: wechat), none: FACE_CLIENT_UNSUPPORTED. A provider that cannot serve anyone now passes
// the check to the next one before anything is billed; the last one's error is the answer.
// Each device says, through its sandbox magic, what each provider does with it:
//
//   device      client                      dcloud           aliyun           wechat
//   ok          metaInfo, no word           success          success          -
//   fail        metaInfo sandbox:fail       FAIL             success          -
//   upstream    metaInfo sandbox:upstream   unavailable      success          -
//   processing  metaInfo sandbox:processing not finished     success          -
//   pending     metaInfo sandbox:pending    not finished     not finished     -
//   a204        metaInfo sandbox:204        success          FAIL             -
//   a500        metaInfo sandbox:500        success          unavailable      -
//   mp-ok       openid …_sbx_10000          -                -                success
//   mp-fail     openid …_sbx_10004          -                -                FAIL
//   mp-wait     openid, never played        -                -                not finished
//   mp-play     openid, played by the model -                -                success
//
// "not finished": the verdict is asked until the retries run out, then the check is rejected
// and the unit refunded. An outage (./provider-commands.ts) makes one provider unavailable for
// every device while one start runs.
import fc from 'fast-check';
import { ModelError, note, type AccountModel, type FaceCheckModel, type FaceDevice, type FaceScene, type ProviderName, type Verdict, type World } from './world';

/** The configured order the model stack runs with (./stack.ts passes CONFIGURED_ENV): a default and two scenes of their own. */
export const CONFIGURED: { default: ProviderName[]; byScene: Partial<Record<FaceScene, ProviderName[]>> } = {
  default: ['dcloud', 'wechat'],
  byScene: { recovery: ['aliyun', 'dcloud'], unfreeze: ['aliyun'] },
};
export const CONFIGURED_ENV = {
  FACE_PROVIDERS: CONFIGURED.default.join(','),
  FACE_PROVIDERS_BY_SCENE: Object.entries(CONFIGURED.byScene)
    .map(([s, l]) => `${s}=${l.join(',')}`)
    .join(';'),
};

/** What a device registers: a metaInfo with the sandboxes' magic word, or an openid with WeChat's tail. */
export const DEVICE_CLIENT: Record<FaceDevice, { word: string | null } | { tail: string | null }> = {
  ok: { word: null },
  fail: { word: 'fail' },
  upstream: { word: 'upstream' },
  processing: { word: 'processing' },
  pending: { word: 'pending' },
  a204: { word: '204' },
  a500: { word: '500' },
  'mp-ok': { tail: '_sbx_10000' },
  'mp-fail': { tail: '_sbx_10004' },
  'mp-wait': { tail: null },
  'mp-play': { tail: null },
};

const isApp = (d: FaceDevice) => 'word' in DEVICE_CLIENT[d];
const serves = (p: ProviderName, d: FaceDevice) => (p === 'wechat' ? !isApp(d) : isApp(d));

/** A provider's refusal at issue, as its adapter passes it on: errCode, errMsg, and the code the face row's failover list keeps. */
interface Unavailable {
  code: string;
  errCode: number | string;
  errMsg: string;
}
const UNAVAILABLE: Record<ProviderName, Unavailable> = {
  dcloud: { code: '55001', errCode: 55001, errMsg: '实人认证服务商服务不可用,请联系DCloud处理' },
  aliyun: { code: '500', errCode: '500', errMsg: '系统错误' },
  wechat: { code: '-1', errCode: -1, errMsg: 'system error' },
};

function unavailable(w: World, p: ProviderName, d: FaceDevice): boolean {
  return w.outage === p || (p === 'dcloud' && d === 'upstream') || (p === 'aliyun' && d === 'a500');
}

function verdictOf(p: ProviderName, d: FaceDevice): Verdict {
  if (p === 'dcloud') return d === 'fail' ? 'fail' : d === 'processing' || d === 'pending' ? 'pending' : 'success';
  if (p === 'aliyun') return d === 'a204' ? 'fail' : d === 'pending' ? 'pending' : 'success';
  return d === 'mp-fail' ? 'fail' : d === 'mp-wait' ? 'pending' : 'success';
}

/** The chain a check of this scene asks now. */
export function chainOf(w: World, scene: FaceScene): ProviderName[] {
  return w.providers[scene] ?? CONFIGURED.byScene[scene] ?? CONFIGURED.default;
}

export type StartPrediction =
  | { issued: true; provider: ProviderName; failover: { provider: ProviderName; code: string }[]; verdict: Verdict }
  | { issued: false; status: 409; code: 'FACE_CLIENT_UNSUPPORTED'; providers: string }
  | { issued: false; status: 502; code: 'FACE_PROVIDER_ERROR'; provider: ProviderName; errCode: number | string; errMsg: string };

/** What issuing a check of this scene on this device does, as the face check's failover loop would. */
export function predictStart(w: World, scene: FaceScene, device: FaceDevice): StartPrediction {
  const chain = chainOf(w, scene);
  const serving = chain.filter((p) => serves(p, device));
  if (serving.length === 0) return { issued: false, status: 409, code: 'FACE_CLIENT_UNSUPPORTED', providers: chain.join(',') };
  const failover: { provider: ProviderName; code: string }[] = [];
  for (const p of serving) {
    if (!unavailable(w, p, device)) return { issued: true, provider: p, failover, verdict: verdictOf(p, device) };
    failover.push({ provider: p, code: UNAVAILABLE[p].code });
  }
  const last = serving[serving.length - 1]!;
  return { issued: false, status: 502, code: 'FACE_PROVIDER_ERROR', provider: last, errCode: UNAVAILABLE[last].errCode, errMsg: UNAVAILABLE[last].errMsg };
}

/** A device whose check of this scene is issued and passes now, if the chain has one (for the commands that want the happy path). */
export function passingDevice(w: World, scene: FaceScene): FaceDevice | null {
  for (const d of ['ok', 'mp-ok'] as const) {
    const p = predictStart(w, scene, d);
    if (p.issued && p.verdict === 'success') return d;
  }
  return null;
}

/** The face row a check issued leaves: its provider and the ones it failed over from. */
const rowKey = (provider: string, failover: { provider: string; code: string }[] | null) => [provider, ...(failover ?? []).map((f) => `after ${f.provider}:${f.code}`)].join(' ');
export { rowKey as faceRowKey };

/**
 * A check issued as predicted: the start's `provider` is the one the model expects, the face
 * row is counted, and the check's model carries who decides and what the verdict will be.
 */
export function issuedCheck(
  w: World,
  a: AccountModel,
  p: StartPrediction,
  device: FaceDevice,
  answer: { certifyId: string; clientToken: string; faceCheckId: string; provider: unknown },
  deadline: number,
  what: string,
): FaceCheckModel {
  if (!p.issued) throw new ModelError(`${what}: issued, but the model expected ${p.code}`);
  if (answer.provider !== p.provider) throw new ModelError(`${what}: provider ${JSON.stringify(answer.provider)}, expected ${p.provider} (failover ${JSON.stringify(p.failover)})`);
  faceRowIssued(a, p.provider, p.failover);
  note(w, `face issued: ${rowKey(p.provider, p.failover)}`);
  return { device, certifyId: answer.certifyId, clientToken: answer.clientToken, faceCheckId: answer.faceCheckId, deadline, provider: p.provider, verdict: p.verdict };
}

export function faceRowIssued(a: AccountModel, provider: ProviderName, failover: { provider: string; code: string }[]): void {
  const key = rowKey(provider, failover);
  a.faceRows[key] = (a.faceRows[key] ?? 0) + 1;
}

/** The provider answered a verdict (SUCCESS or FAIL): api:face and api:face:<provider> count it, once per check. */
export function verdictCounted(w: World, a: AccountModel, face: Pick<FaceCheckModel, 'provider' | 'verdict'>): void {
  note(w, `face verdict: ${face.provider} ${face.verdict}`);
  if (face.verdict === 'pending') return;
  a.verdicts[face.provider] = (a.verdicts[face.provider] ?? 0) + 1;
}

/** The outcome a completion answers for the provider's verdict (a face scene, recovery, rebind: success / fail / rejected). */
export const completionOutcome = (v: Verdict) => (v === 'success' ? 'success' : v === 'fail' ? 'fail' : 'rejected');

/** The device a face start runs on: mostly the happy path, every other row of the table above too. */
export const faceDevice = fc.constantFrom<FaceDevice>('ok', 'ok', 'ok', 'fail', 'upstream', 'processing', 'pending', 'a204', 'a500', 'mp-ok', 'mp-ok', 'mp-fail', 'mp-wait', 'mp-play');
