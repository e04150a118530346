// Where the completion's time goes: journeys one at a time against the running stack, each
// completion's POST timed on the wall clock beside the server's event times of its face check
// and real-name histories (same machine, same clock). Prints the median of each milestone.
//
//   npm start        (another terminal)
//   npm run bench:timeline -- [--journeys 30]
import { ApiDriver, JourneyIdentities, runJourney, type Step } from './journey';
import { attachRunning } from './stack';
import { connectClient } from '../../lib/temporal';
import { percentile } from './stats';

class TimedApi extends ApiDriver {
  readonly at = new Map<string, [number, number]>();
  override async call(step: string, ...rest: Parameters<ApiDriver['call']> extends [string, ...infer R] ? R : never) {
    const s = Date.now();
    try {
      return await super.call(step, ...rest);
    } finally {
      this.at.set(step, [s, Date.now()]);
    }
  }
}

type Event = { eventType?: unknown; eventTime?: { seconds?: unknown; nanos?: unknown } | null };
const ms = (e: Event) => Number(e.eventTime?.seconds ?? 0) * 1000 + Number(e.eventTime?.nanos ?? 0) / 1e6;
const typeOf = (e: Event) => String(e.eventType).replace(/^EVENT_TYPE_/, '');

async function main() {
  const n = Number(process.argv[process.argv.indexOf('--journeys') + 1]) || 30;
  const stack = await attachRunning();
  const client = await connectClient(stack.cfg);
  const who = new JourneyIdentities();
  const marks = new Map<string, number[]>();
  const mark = (name: string, v: number) => marks.set(name, [...(marks.get(name) ?? []), v]);
  for (let i = 0; i < n + 3; i++) {
    const api = new TimedApi({ baseUrl: stack.baseUrl, apiKey: stack.apiKey, inboxUrl: stack.inboxUrl });
    const j = await runJourney(api, who.next('timeline'), { rebind: false });
    if (i < 3) continue; // warm-up
    const [t0, t1] = api.at.get('completion → outcome' satisfies Step)!;
    const face = (await client.workflow.getHandle(j.ids.faceCheckId).fetchHistory()).events ?? [];
    const owner = (await client.workflow.getHandle(j.ids.realNameFlowId).fetchHistory()).events ?? [];
    // the events after the completion arrived, in order, each named by its type and its rank
    const after = (label: string, events: Event[]) => {
      const seen = new Map<string, number>();
      for (const e of events) {
        if (ms(e) < t0 - 1) continue;
        const t = typeOf(e);
        const k = (seen.get(t) ?? 0) + 1;
        seen.set(t, k);
        mark(`${label} ${t}${k > 1 ? ` #${k}` : ''}`, ms(e) - t0);
      }
    };
    after('face', face);
    after('real-name', owner);
    mark('API answered', t1 - t0);
  }
  const rows = [...marks].map(([name, v]) => [name, percentile([...v].sort((a, b) => a - b), 50), v.length] as const).sort((a, b) => a[1] - b[1]);
  console.log(`completion timeline, ${n} journeys one at a time (ms after the POST, p50; n)`);
  for (const [name, p50, count] of rows) console.log(`${p50.toFixed(1).padStart(8)}  ${name}  (${count})`);
  await client.connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
