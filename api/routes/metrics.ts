// GET /metrics for Prometheus: HTTP metrics, process metrics, and flow counts read
// from Temporal's visibility store (started, open, closed by outcome, per flow kind) —
// Temporal is the source of truth for flows, so nothing here can drift from it.
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { Gauge, type Registry } from 'prom-client';
import { API_FLOW_KINDS, FLOW_KINDS } from '../../flows/registry';

export function metricsRoutes(registry: Registry, client: Client): Router {
  const flows = new Gauge({
    name: 'vsaga_flows',
    help: 'Flows by kind and state: started (all), open (running), and closed by outcome',
    labelNames: ['kind', 'state'],
    registers: [registry],
    async collect() {
      const count = async (q: string) => Number((await client.workflow.count(q)).count);
      await Promise.all(
        API_FLOW_KINDS.map(async (kind) => {
          const OUTCOMES = FLOW_KINDS[kind].outcomes;
          const base = `VsFlowKind = '${kind}'`;
          const [started, open, ...closed] = await Promise.all([
            count(base),
            count(`${base} AND ExecutionStatus = 'Running'`),
            ...OUTCOMES.map((o) => count(`${base} AND VsFlowOutcome = '${o}'`)),
          ]);
          this.set({ kind, state: 'started' }, started);
          this.set({ kind, state: 'open' }, open);
          OUTCOMES.forEach((o, i) => closed[i] && this.set({ kind, state: o }, closed[i]!));
        }),
      ).catch(() => {
        /* Temporal unreachable: the HTTP and process metrics still answer */
      });
    },
  });
  void flows;
  const r = Router();
  r.get('/metrics', async (_req, res) => {
    res.set('content-type', registry.contentType).send(await registry.metrics());
  });
  return r;
}
