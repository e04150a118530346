// The fuzz's own accounts, flows, sessions, devices and webhook subscriber, made through the
// API before the run (so they exist in --running mode too), and the hints that make valid
// requests name them: a fuzz request never touches another suite's or a person's data, never
// texts a real number, and never leaves an enabled webhook subscriber behind.
import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { idCheckChar } from '../../lib/idcard';
import type { Json } from './json-text';
import type { Operation } from './openapi-ops';
import type { Hint } from './schema-values';
import { DEFAULT_REAL_NAME_AGREEMENT } from '../../lib/config';

export interface Pools {
  tag: string;
  accounts: string[];
  sessions: string[];
  devices: string[];
  flows: string[];
  webhooks: string[];
  /** the client token of a live face check, for POST /v1/face/completion */
  faceToken: string | null;
}

export interface Api {
  (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

export function apiClient(baseUrl: string, apiKey: string): Api {
  return async (method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: kept as text for the error message */
    }
    return { status: res.status, body: parsed };
  };
}

/** 198 + 8 digits: mainland-valid, outside the sandbox's magic 170… numbers and the other suites' 139…. */
export const ownPhone = fc.integer({ min: 0, max: 99_999_999 }).map((n) => `198${String(n).padStart(8, '0')}`);

/** A valid resident ID number outside the ID-check sandbox's magic ones (all 110101 1990-01-01). */
export const ownIdNumber = fc
  .tuple(fc.integer({ min: 1960, max: 1999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 999 }))
  .map(([y, m, d, s]) => {
    const first17 = `110105${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${String(s).padStart(3, '0')}`;
    return first17 + idCheckChar(first17)!;
  });

const pick = <T>(xs: T[], other?: fc.Arbitrary<T>): fc.Arbitrary<T> => (xs.length ? (other ? fc.oneof(fc.constantFrom(...xs), other) : fc.constantFrom(...xs)) : other!);

export function hintFor(p: Pools, op: Operation): Hint {
  const n = fc.nat({ max: 1e6 });
  return (name): fc.Arbitrary<Json> | undefined => {
    switch (name) {
      case 'id':
        if (op.path.startsWith('/v1/webhooks/')) return pick(p.webhooks, fc.uuid());
        // never an existing delivery: a redeliver would restart another suite's delivery
        if (op.path.startsWith('/v1/webhook-deliveries/')) return fc.stringMatching(/^9\d{17}$/);
        if (op.id === 'POST /v1/accounts') return n.map((i) => `${p.tag}-n${i}`);
        return pick(p.accounts);
      case 'accountId':
        return pick(p.accounts);
      case 'sessionId':
        return pick(p.sessions, n.map((i) => `${p.tag}-s${i}`));
      case 'deviceId':
        return pick(p.devices, n.map((i) => `${p.tag}-d${i}`));
      case 'flowId':
        return pick(p.flows);
      case 'subscriberId':
        return pick(p.webhooks, fc.uuid());
      case 'phone':
        return ownPhone;
      case 'email':
        return n.map((i) => `${p.tag}x${i}@fuzz.example.com`);
      case 'url':
        return fc.constantFrom('http://127.0.0.1:9/fz-hook', 'https://hooks.example.com/fz');
      case 'ip':
        return fc.oneof(fc.ipV4(), fc.ipV6());
      case 'realName':
        return fc.constantFrom('张三', '李四', '阿依古丽·买买提');
      case 'idNumber':
        return ownIdNumber;
      case 'code':
        return fc.stringMatching(/^\d{6}$/);
      case 'metaInfo':
        return fc.string({ maxLength: 20 }).map((s) => JSON.stringify({ apdidToken: s, bioMetaInfo: '4.1.0:2916352,0' }));
      case 'enabled':
        return fc.constant(false);
      case 'to':
        if (!op.path.startsWith('/v1/reports')) return n.map((i) => `${p.tag}x${i}@fuzz.example.com`);
        return reportDate;
      case 'from':
        return reportDate;
      case 'days':
        return fc.constantFrom('1', '7', '30', '0', '007', '999', '-1', '1.5', '1e1', ' 7');
      default:
        return undefined;
    }
  };
}

/** Report window bounds: dates, date-times, and dates at the calendar's edges. */
const reportDate: fc.Arbitrary<Json> = fc.oneof(
  fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2026-02-30', '0000-01-01', '9999-12-31', '+275760-09-13T00:00:00Z', '1970-01-01T00:00:00+14:00', '2026-11-22T24:00:00Z', '2026-11-22T00:00:00-23:59'),
);

async function latestCode(api: Api, kind: 'sms' | 'mail', to: string): Promise<string | null> {
  const q = kind === 'sms' ? `phone=${encodeURIComponent(to)}` : `to=${encodeURIComponent(to)}`;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    const r = await api('GET', `/console/inbox/${kind}/latest-code?${q}`);
    if (r.status === 200) return r.body.code as string;
    if (r.status !== 404) return null; // no sandbox inbox (production): the fixture stays unbound
  }
  return null;
}

async function bind(api: Api, accountId: string, kind: 'phone' | 'email', to: string, log: (s: string) => void): Promise<boolean> {
  const start = await api('POST', `/v1/accounts/${accountId}/${kind}/bind`, kind === 'phone' ? { phone: to } : { email: to });
  if (start.status !== 201) {
    log(`fixture: bind ${kind} of ${accountId} answered ${start.status}`);
    return false;
  }
  const code = await latestCode(api, kind === 'phone' ? 'sms' : 'mail', to);
  if (!code) {
    log(`fixture: no ${kind} code readable for ${accountId}`);
    return false;
  }
  const done = await api('POST', `/v1/flows/bind-${kind}:${accountId}/code`, { code });
  return done.status === 200;
}

const sample = <T>(a: fc.Arbitrary<T>): T => fc.sample(a, { numRuns: 1, seed: randomInt(2 ** 31) })[0]!;

/** Creates the fuzz's own data; what cannot be made (no sandbox inbox) is left out of the pools. */
export async function setUpPools(api: Api, tag: string, log: (s: string) => void): Promise<Pools> {
  const [plain, bound, rn] = [`${tag}-plain`, `${tag}-bound`, `${tag}-rn`];
  for (const id of [plain, bound, rn]) {
    const r = await api('POST', '/v1/accounts', { id });
    if (r.status !== 201 && r.status !== 200) throw new Error(`fixture: POST /v1/accounts answered ${r.status} ${JSON.stringify(r.body)}`);
  }
  const boundOk = (await bind(api, bound, 'phone', sample(ownPhone), log)) && (await bind(api, bound, 'email', `${tag}-b@fuzz.example.com`, log));
  const rnOk = await bind(api, rn, 'phone', sample(ownPhone), log);

  const sessions = [`${tag}-s1`, `${tag}-s2`];
  for (const s of sessions) await api('POST', `/v1/accounts/${bound}/sessions`, { sessionId: s });
  const device = `${tag}-dev`;
  await api('PUT', `/v1/accounts/${rn}/devices/${device}`, { metaInfo: JSON.stringify({ apdidToken: 'fuzz', bioMetaInfo: '4.1.0:2916352,0' }), platform: 'android' });

  let faceToken: string | null = null;
  if (rnOk) {
    const ip = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
    const started = await api('POST', `/v1/accounts/${rn}/real-name`, { realName: '张三', idNumber: sample(ownIdNumber), deviceId: device, environmentSafe: true, agreement: DEFAULT_REAL_NAME_AGREEMENT, client: { ip } });
    if (started.status === 201) faceToken = started.body.flow.clientToken as string;
    else log(`fixture: real-name start answered ${started.status} ${JSON.stringify(started.body)}`);
  }

  // live flows for the flow routes to act on
  await api('POST', `/v1/accounts/${plain}/phone/bind`, { phone: sample(ownPhone) });
  if (boundOk) {
    await api('POST', `/v1/accounts/${bound}/phone/rebind`, { method: 'sms' });
    await api('POST', `/v1/accounts/${bound}/email/rebind`, { method: 'email' });
  }
  const hook = await api('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/fz-hook', eventTypes: ['phone.bound'], description: `fuzz ${tag}`, enabled: false });

  return {
    tag,
    accounts: [plain, bound, rn, `${tag}-ghost`],
    sessions,
    devices: [device],
    flows: [`bind-phone:${plain}`, `bind-email:${plain}`, `bind-phone:${bound}`, `rebind-phone:${bound}`, `rebind-email:${bound}`, `rebind-phone:${rn}`, `bind-phone:${tag}-ghost`],
    webhooks: hook.status === 201 ? [hook.body.subscriber.id as string] : [],
    faceToken,
  };
}
