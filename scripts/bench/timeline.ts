// Where a completion's time goes: each completion's POST on the wall clock beside the server's
// event times of its real-name history, which hosts the face check (the same machine, so the
// same clock), p50 over the level's journeys. Each milestone is one hop a user waits on: a task
// dispatched, a task run, the API's answer.
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import type { JourneyResult } from './journey';
import { percentile } from './stats';

const T = proto.api.enums.v1.EventType;

export const MILESTONES = ['the completion in the real-name history', "the run's workflow task started", 'the real-name flow completed', 'the API answered'] as const;
export type Milestone = (typeof MILESTONES)[number];

export interface CompletionTimeline {
  journeys: number;
  /** p50 ms after the POST was sent, per milestone */
  p50: Record<Milestone, number>;
}

type Event = { eventType?: proto.api.enums.v1.EventType | null; eventTime?: { seconds?: unknown; nanos?: number | null } | null };
const at = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** The first event of one of the types, at or after `from` (ms); its time. */
function first(events: Event[], types: proto.api.enums.v1.EventType[], from: number): number | undefined {
  const e = events.find((x) => x.eventType != null && types.includes(x.eventType) && at(x) >= from);
  return e ? at(e) : undefined;
}

/** At most `sample` journeys' timelines (one history read each). */
export async function completionTimeline(client: Client, results: JourneyResult[], sample = 20): Promise<CompletionTimeline | null> {
  const marks = new Map<Milestone, number[]>(MILESTONES.map((m) => [m, []]));
  let n = 0;
  for (const r of results.filter((x) => x.completion).slice(0, sample)) {
    const [sent, answered] = r.completion!;
    const owner = (await client.workflow.getHandle(r.ids.realNameFlowId).fetchHistory()).events ?? [];
    // the server stamps its events with its own clock reading, 1 ms apart from ours at most
    const arrived = first(owner, [T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED], sent - 1);
    if (arrived === undefined) continue;
    const times: [Milestone, number | undefined][] = [
      ['the completion in the real-name history', arrived],
      ["the run's workflow task started", first(owner, [T.EVENT_TYPE_WORKFLOW_TASK_STARTED], arrived)],
      ['the real-name flow completed', first(owner, [T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED], arrived)],
      ['the API answered', answered],
    ];
    if (times.some(([, t]) => t === undefined)) continue;
    for (const [m, t] of times) marks.get(m)!.push(t! - sent);
    n += 1;
  }
  if (n === 0) return null;
  const p50 = Object.fromEntries(MILESTONES.map((m) => [m, percentile([...marks.get(m)!].sort((a, b) => a - b), 50)])) as Record<Milestone, number>;
  return { journeys: n, p50 };
}
