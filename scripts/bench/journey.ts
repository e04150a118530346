// One journey as an integrator and the user's app drive it over the HTTP API: the platform
// creates the account, binds a phone (the user reads the code off the sandbox inbox, as their
// phone would show it), relays the app's face metaInfo, starts real-name verification, and the
// app posts the face SDK's completion with its client token, which answers with the outcome.
// Optionally a rebind of the phone proven by SMS. Each step's wall time is kept; reading a code
// off the inbox is the user, not a step.
import { randomBytes, randomInt } from 'node:crypto';
import http from 'node:http';
import { idCheckChar } from '../../lib/idcard';
import { DEFAULT_REAL_NAME_AGREEMENT } from '../../lib/config';
import { requestUrl } from '../../test/support/http-request';

export const STEPS = [
  'create account',
  'bind start',
  'bind submit',
  'register device',
  'real-name start',
  'completion → outcome',
] as const;
export const REBIND_STEPS = ['rebind start', 'rebind proof submit', 'rebind new contact', 'rebind new code submit'] as const;
export type Step = (typeof STEPS)[number] | (typeof REBIND_STEPS)[number];

export interface JourneyTarget {
  baseUrl: string;
  apiKey: string;
  inboxUrl: string;
}

/** The workflows one journey ran, to read their histories. */
export interface JourneyIds {
  accountId: string;
  bindFlowId: string;
  realNameFlowId: string;
  faceCheckId: string;
  rebindFlowId: string | null;
}

export interface JourneyResult {
  ids: JourneyIds;
  steps: [Step, number][];
  totalMs: number;
  /** the completion's POST on the wall clock (epoch ms): sent, answered (./timeline.ts); over the API only */
  completion?: [number, number];
}

/** What the face SDK's uni.getFacialRecognitionMetaInfo() gives (no sandbox magic word: a pass). */
export const META_INFO = JSON.stringify({ apdidToken: 'bench-apdid', appName: 'com.gonglun.app', appVersion: '1.0.0', bioMetaInfo: '4.1.0:2916352,0' });

/** A valid resident ID number, not one of the sandbox's magic ones (those are born 1990-01-01). */
export function randomIdNumber(): string {
  const first17 = `110105${1960 + randomInt(0, 40)}${String(randomInt(1, 13)).padStart(2, '0')}${String(randomInt(1, 29)).padStart(2, '0')}${String(randomInt(0, 1000)).padStart(3, '0')}`;
  return first17 + idCheckChar(first17)!;
}

const drawnPhones = new Set<string>();
/**
 * A mainland mobile number never drawn before in this process: 10,000 open flows draw 15,000 of
 * 10^8, where two equal draws are likely (and one is an honest PHONE_TAKEN, not the product's fault).
 */
export function randomPhone(): string {
  for (;;) {
    const phone = `139${String(randomInt(0, 1e8)).padStart(8, '0')}`;
    if (drawnPhones.has(phone)) continue;
    drawnPhones.add(phone);
    return phone;
  }
}

/** Identities of one bench run: account ids, and a client IP per journey from the benchmarking range
 *  198.18.0.0/15, so no per-IP limit (ID check gap, real-name starts) couples two journeys. */
export class JourneyIdentities {
  readonly tag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  private n = 0;
  private ipBase = randomInt(0, 65536);

  next(prefix = 'bench'): { accountId: string; ip: string } {
    const i = ++this.n;
    const ipn = (this.ipBase + i) % 131072;
    return { accountId: `${prefix}-${this.tag}-${i}`, ip: `198.${18 + (ipn >> 16)}.${(ipn >> 8) & 255}.${ipn & 255}` };
  }
}

export class StepError extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(`${step}: ${message}`);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON answers, read by field
type Json = any;

/**
 * The driver's HTTP: node:http over kept-alive sockets. The driver shares the machine's cores
 * with what it measures; with global fetch it spent 0.013–0.016 CPU s a journey, with this
 * 0.007–0.009 (the bench prints it beside the product's parts; docs/testing.md).
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export class ApiDriver {
  constructor(readonly t: JourneyTarget) {}

  async call(step: string, method: string, path: string, body: unknown, expect: number[], headers: Record<string, string> = { authorization: `Bearer ${this.t.apiKey}` }): Promise<Json> {
    const json = body === undefined ? undefined : JSON.stringify(body);
    const sent = json === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)) };
    const res = await requestUrl(`${this.t.baseUrl}${path}`, method, { headers: sent, body: json, agent });
    if (!expect.includes(res.status)) throw new StepError(step, `HTTP ${res.status} ${res.text.slice(0, 300)}`);
    if (res.text && res.json === undefined) throw new StepError(step, `HTTP ${res.status}, not JSON: ${res.text.slice(0, 300)}`);
    return res.json ?? null;
  }

  /** The newest code the sandbox holds for the address; `after`: one that differs from it. */
  async latestCode(kind: 'sms' | 'mail', to: string, after?: string): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const res = await requestUrl(`${this.t.inboxUrl}/api/${kind}/latest-code?${kind === 'sms' ? 'phone' : 'to'}=${encodeURIComponent(to)}`, 'GET', { agent });
      if (res.status === 200) {
        const { code } = res.json as { code: string };
        if (code !== after) return code;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new StepError('inbox', `no ${kind} code for ${to}`);
  }
}

/** Times a journey's steps, each by its name, and the journey from now. */
export function stepTimer() {
  const steps: [Step, number][] = [];
  const t0 = performance.now();
  const step = async <T>(name: Step, fn: () => Promise<T>): Promise<T> => {
    const s = performance.now();
    const v = await fn();
    steps.push([name, performance.now() - s]);
    return v;
  };
  return { steps, t0, step };
}

export async function runJourney(api: ApiDriver, who: { accountId: string; ip: string }, opts: { rebind: boolean }): Promise<JourneyResult> {
  const { accountId: id, ip } = who;
  const { steps, t0, step } = stepTimer();
  const client = { ip, userAgent: 'GongLunApp/4.0.8 (Android 14)', fingerprint: `dev-${id}` };

  await step('create account', () => api.call('create account', 'POST', '/v1/accounts', { id }, [201]));
  const phone = randomPhone();
  await step('bind start', () => api.call('bind start', 'POST', `/v1/accounts/${id}/phone/bind`, { phone, client }, [201]));
  const bindCode = await api.latestCode('sms', phone);
  const bound = await step('bind submit', () => api.call('bind submit', 'POST', `/v1/flows/bind-phone:${id}/code`, { code: bindCode }, [200]));
  if (bound?.result?.outcome !== 'bound') throw new StepError('bind submit', `outcome ${JSON.stringify(bound)}`);

  const deviceId = `app-${id}`;
  await step('register device', () => api.call('register device', 'PUT', `/v1/accounts/${id}/devices/${deviceId}`, { metaInfo: META_INFO, platform: 'android' }, [200, 201]));
  const started = await step('real-name start', () =>
    api.call('real-name start', 'POST', `/v1/accounts/${id}/real-name`, { realName: '张三', idNumber: randomIdNumber(), deviceId, environmentSafe: true, agreement: DEFAULT_REAL_NAME_AGREEMENT, client }, [200, 201]),
  );
  const flow = started.flow as { certifyId: string; clientToken: string; faceCheckId: string; flowId: string };
  const sentAt = Date.now();
  const done = await step('completion → outcome', () =>
    api.call(
      'completion → outcome',
      'POST',
      '/v1/face/completion',
      { deviceId, certifyId: flow.certifyId, errSubject: 'uni-facialRecognitionVerify', errCode: 0, errMsg: 'startFacialRecognitionVerify:ok', cause: { code: 1000 } },
      [200],
      { 'x-face-token': flow.clientToken },
    ),
  );
  const completion: [number, number] = [sentAt, Date.now()];
  if (done?.result?.outcome !== 'verified') throw new StepError('completion → outcome', `outcome ${JSON.stringify(done)}`);

  let rebindFlowId: string | null = null;
  if (opts.rebind) {
    rebindFlowId = `rebind-phone:${id}`;
    await step('rebind start', () => api.call('rebind start', 'POST', `/v1/accounts/${id}/phone/rebind`, { method: 'sms', client }, [201]));
    const proofCode = await api.latestCode('sms', phone, bindCode);
    const proof = await step('rebind proof submit', () => api.call('rebind proof submit', 'POST', `/v1/flows/${rebindFlowId}/code`, { code: proofCode }, [200]));
    const token = proof.proof.unbindToken as string;
    const next = randomPhone();
    await step('rebind new contact', () => api.call('rebind new contact', 'POST', `/v1/flows/${rebindFlowId}/new-contact`, { phone: next, token, client }, [200]));
    const newCode = await api.latestCode('sms', next);
    const rebound = await step('rebind new code submit', () => api.call('rebind new code submit', 'POST', `/v1/flows/${rebindFlowId}/new-contact/code`, { code: newCode, token }, [200]));
    if (rebound?.result?.outcome !== 'rebound') throw new StepError('rebind new code submit', `outcome ${JSON.stringify(rebound)}`);
  }
  return {
    ids: { accountId: id, bindFlowId: `bind-phone:${id}`, realNameFlowId: flow.flowId, faceCheckId: flow.faceCheckId, rebindFlowId },
    steps,
    totalMs: performance.now() - t0,
    completion,
  };
}
