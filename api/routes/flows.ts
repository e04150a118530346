// Routes every flow kind shares: read its state, cancel it, ask for and submit the
// (first) code. The flow id says which kind it is.
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { AppError } from '../../lib/errors';
import { requireScope } from '../../http/auth';
import type { BindFlows } from '../../flows/bind/start';
import { parseFlowId } from '../flow-ids';
import type { RebindFlows } from '../../flows/rebind/start';
import { submitCodeBody } from '../../http/schemas';
import { parse } from '../../http/validation';

export function flowRoutes(client: Client, bind: BindFlows, rebind: RebindFlows): Router {
  const r = Router();
  const isRebind = (flowId: string) => parseFlowId(flowId).kind.startsWith('rebind-');

  r.get('/v1/flows/:flowId', requireScope('flows:read'), async (req, res) => {
    const flowId = req.params.flowId as string;
    res.json({ flow: isRebind(flowId) ? await rebind.state(flowId) : await bind.state(flowId) });
  });

  r.delete('/v1/flows/:flowId', requireScope('flows:write'), async (req, res) => {
    const flowId = req.params.flowId as string;
    const rebinding = isRebind(flowId);
    const { status } = await client.workflow.getHandle(flowId).describe();
    if (status.name !== 'RUNNING') throw new AppError('FLOW_CLOSED');
    res.json({ flow: rebinding ? await rebind.cancel(flowId) : await bind.cancel(flowId) });
  });

  // bind: a new code to the new address; rebind: a new proof code to the old contact
  r.post('/v1/flows/:flowId/code/resend', requireScope('flows:write'), async (req, res) => {
    const flowId = req.params.flowId as string;
    res.json({ flow: isRebind(flowId) ? await rebind.resendProof(flowId) : await bind.resend(flowId) });
  });

  // bind: the code that completes the bind; rebind: the proof code, answered with the unbind token
  r.post('/v1/flows/:flowId/code', requireScope('flows:write'), async (req, res) => {
    const flowId = req.params.flowId as string;
    const rebinding = isRebind(flowId);
    const { code } = parse(submitCodeBody, req.body);
    if (rebinding) res.json({ proof: await rebind.submitProof(flowId, code) });
    else res.json({ result: await bind.submit(flowId, code) });
  });

  return r;
}
