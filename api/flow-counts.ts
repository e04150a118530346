// The flow counts behind vsaga_flows, read from Temporal's visibility store by a refresher,
// not by the scrape: a scrape costs the same however many flows or scrapers there are, and a
// slow or unreachable Temporal never holds a scrape up. Temporal stays the source of truth;
// the counts are as old as the last refresh, and the metrics say how old.
import type { CountWorkflowExecution } from '@temporalio/client';
import { API_FLOW_KINDS, FLOW_KINDS } from '../flows/registry';

export type CountQuery = (query: string) => Promise<Pick<CountWorkflowExecution, 'count' | 'groups'>>;

export interface FlowCount {
  kind: string;
  /** started (all), open (running), or an outcome */
  state: string;
  value: number;
}

export interface FlowCountsSnapshot {
  /** empty until a refresh has succeeded */
  counts: FlowCount[];
  /** seconds since the last successful refresh; before the first, since the refresher started */
  ageSeconds: number;
}

export interface FlowCountsOptions {
  count: CountQuery;
  intervalMs: number;
  /** how long a scrape waits for the very first refresh; later scrapes never wait */
  firstWaitMs?: number;
  /** visibility queries in flight at once, so a refresh is not a burst on the visibility store */
  concurrency?: number;
  onFailure?: (err: unknown) => void;
  now?: () => number;
}

/**
 * Per kind a caller starts: one count grouped by ExecutionStatus (started = the sum, open = the
 * Running group; Temporal groups by ExecutionStatus only) and one count per outcome, since
 * VsFlowOutcome cannot be grouped by.
 */
export function flowCountQueries(): { kind: string; query: string; read: (r: Pick<CountWorkflowExecution, 'count' | 'groups'>) => FlowCount[] }[] {
  return API_FLOW_KINDS.flatMap((kind) => {
    const base = `VsFlowKind = '${kind}'`;
    return [
      {
        kind,
        query: `${base} GROUP BY ExecutionStatus`,
        read: (r: Pick<CountWorkflowExecution, 'count' | 'groups'>) => [
          { kind, state: 'started', value: r.groups.reduce((n, g) => n + Number(g.count), 0) },
          { kind, state: 'open', value: Number(r.groups.find((g) => groupValue(g) === 'Running')?.count ?? 0) },
        ],
      },
      ...FLOW_KINDS[kind].outcomes.map((o) => ({
        kind,
        query: `${base} AND VsFlowOutcome = '${o}'`,
        read: (r: Pick<CountWorkflowExecution, 'count' | 'groups'>) => [{ kind, state: o, value: Number(r.count) }],
      })),
    ];
  });
}

/** The SDK decodes a group's value as a legacy search attribute: a list (['Running']). */
const groupValue = (g: CountWorkflowExecution['groups'][number]): string => String([g.groupValues[0]].flat()[0]);

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

export class FlowCounts {
  private counts: FlowCount[] = [];
  private refreshedAt: number | null = null;
  private startedAt: number | null = null;
  private inFlight: Promise<void> | null = null;
  /** the first refresh or firstWaitMs, whichever ends first: the one thing a scrape may wait for */
  private firstWait: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly o: FlowCountsOptions) {
    this.now = o.now ?? Date.now;
  }

  /**
   * The counts of the last successful refresh. The first call starts the refresher (so an API
   * nobody scrapes puts no load on Temporal); until its first refresh ends, or firstWaitMs after
   * the start, calls wait for it, so the first scrape after a start is not empty. No later call
   * waits, whatever Temporal does.
   */
  async read(): Promise<FlowCountsSnapshot> {
    this.start();
    if (this.firstWait) await this.firstWait;
    return this.snapshot();
  }

  snapshot(): FlowCountsSnapshot {
    const since = this.refreshedAt ?? this.startedAt ?? this.now();
    return { counts: this.counts, ageSeconds: Math.max(0, (this.now() - since) / 1000) };
  }

  /** Refreshes now, then every intervalMs after the last refresh ended; idempotent. */
  start(): void {
    if (this.startedAt !== null || this.stopped) return;
    this.startedAt = this.now();
    const first = this.refresh();
    void first.then(() => this.schedule());
    let timeout: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((r) => (timeout = setTimeout(r, this.o.firstWaitMs ?? 5000).unref()));
    this.firstWait = Promise.race([first, bound]).finally(() => {
      clearTimeout(timeout);
      this.firstWait = null;
    });
  }

  /** No further refresh; one in flight finishes but schedules nothing. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    // counted from the end of a refresh, so a slow visibility store is never asked twice at once
    this.timer = setTimeout(() => void this.refresh().then(() => this.schedule()), this.o.intervalMs);
    // a refresher must not keep a process (or a test run) alive on its own
    this.timer.unref();
  }

  /** One refresh; while one is in flight, that one. */
  refresh(): Promise<void> {
    this.inFlight ??= this.query()
      .then((counts) => {
        this.counts = counts;
        this.refreshedAt = this.now();
      })
      // a failed refresh keeps the last counts whole, rather than a mix of two moments
      .catch((err: unknown) => this.o.onFailure?.(err))
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  private async query(): Promise<FlowCount[]> {
    const results = await mapLimited(flowCountQueries(), this.o.concurrency ?? 4, async (q) => q.read(await this.o.count(q.query)));
    return results.flat();
  }
}
