// The drill's API caller: a client that keeps trying through the faults the drill makes.
// A network error, a timeout or a 5xx is not an answer: the call is repeated (same body)
// until a real answer comes or the step's time is up. Everything else is an answer the
// journey reads. How many calls had to be repeated is part of the drill's report.
import { API_KEY, type Answer } from '../support/stack';

export class GaveUp extends Error {}

export interface CallStats {
  calls: number;
  repeated: number;
}

/** Answers the service gives on purpose with a 5xx: business outcomes, not faults. */
const BUSINESS_5XX = new Set(['FACE_PROVIDER_ERROR', 'ID_CHECK_UNAVAILABLE']);

export class DrillClient {
  readonly stats: CallStats = { calls: 0, repeated: 0 };

  constructor(private readonly baseUrl: string) {}

  async call<T = any>(method: string, path: string, body: unknown, until: number, opts: { key?: string | null; headers?: Record<string, string> } = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const key = opts.key === undefined ? API_KEY : opts.key;
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > until) throw new GaveUp(`${method} ${path}: no answer in time`);
      this.stats.calls += 1;
      if (attempt > 0) this.stats.repeated += 1;
      try {
        const res = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(Math.max(1_000, Math.min(45_000, until - Date.now()))),
        });
        const text = await res.text();
        let parsed: any = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* a non-JSON answer is a fault below */
        }
        if (res.status < 500 || BUSINESS_5XX.has(parsed?.error?.code)) return { status: res.status, body: parsed as T };
      } catch {
        /* refused, reset or timed out: ask again */
      }
      await sleep(Math.min(2_000, 200 * 2 ** Math.min(attempt, 4)));
    }
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
