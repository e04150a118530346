// Routes every flow kind shares: read its state and cancel it, whatever the kind (one
// `state` query and one cancelFlow update). The code routes serve the kinds that have a
// code: bind's completes it, rebind's proves the old contact, recovery's proves the account
// (answered with the recovery grant), password reset's (its reset grant), the security check's
// (its security pass), a face scene's code
// method (the scene's result). The flow id says the kind.
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { AppError } from '../../lib/errors';
import { FLOW_KINDS } from '../../flows/registry';
import { anyFlowStateQuery, cancelFlowUpdate } from '../../flows/shared/contract';
import { requireScope } from '../../http/auth';
import { localizedFor } from '../../http/errors';
import { CONTACT_KINDS, CONTACT } from '../../lib/contact-kinds';
import { BOUND_MESSAGE, type BindResult } from '../../flows/bind/contract';
import { PROOF_ACCEPTED_MESSAGE } from '../../flows/rebind/contract';
import type { BindFlows } from '../../flows/bind/start';
import { parseFlowId } from '../../http/flow-ids';
import { updateFlow } from '../../http/flow-updates';
import type { RebindFlows } from '../../flows/rebind/start';
import type { RecoveryFlows } from '../../flows/recovery/start';
import type { GrantFlows } from '../../http/grant-flows';
import type { FaceSceneFlows } from '../../flows/face-scene/start';
import { submitCodeBody } from '../../http/schemas';
import { parse } from '../../http/validation';
import { queryFlow } from '../../http/flow-queries';

/** What drives the flows with a code, by family. */
export interface CodeFlows {
  bind: BindFlows;
  rebind: RebindFlows;
  recovery: RecoveryFlows;
  passwordReset: GrantFlows;
  securityCheck: GrantFlows;
  scenes: FaceSceneFlows;
}

export function flowRoutes(client: Client, { bind, rebind, recovery, passwordReset, securityCheck, scenes }: CodeFlows): Router {
  const r = Router();
  const familyOf = (flowId: string) => FLOW_KINDS[parseFlowId(flowId).kind].family;
  /** bind, rebind, recovery or a face scene (its code method): the kinds with a code; any other id has no code routes */
  const codeFamilyOf = (flowId: string) => {
    const family = familyOf(flowId);
    if (family !== 'bind' && family !== 'rebind' && family !== 'recovery' && family !== 'password-reset' && family !== 'security-check' && family !== 'face-scene') throw new AppError('FLOW_NOT_FOUND');
    return family;
  };

  /** the contact kind of a bind or rebind flow id */
  const contactOf = (flowId: string) => {
    const { kind } = parseFlowId(flowId);
    return CONTACT_KINDS.find((k) => CONTACT[k].bindFlow === kind || CONTACT[k].rebindFlow === kind) ?? 'phone';
  };
  /** the seed's answer beside a bind's result: its success text, or the error's (localized turns it) */
  const withMessage = (flowId: string, result: BindResult) => ({ ...result, message: result.outcome === 'bound' || !result.error ? BOUND_MESSAGE[contactOf(flowId)] : result.error.message });

  r.get('/v1/flows/:flowId', requireScope('flows:read'), async (req, res) => {
    const flowId = req.params.flowId as string;
    parseFlowId(flowId);
    res.json({ flow: localizedFor(req, await queryFlow(client, client.workflow.getHandle(flowId), anyFlowStateQuery)) });
  });

  r.delete('/v1/flows/:flowId', requireScope('flows:write'), async (req, res) => {
    const flowId = req.params.flowId as string;
    parseFlowId(flowId);
    const handle = client.workflow.getHandle(flowId);
    const { status } = await handle.describe();
    if (status.name !== 'RUNNING') throw new AppError('FLOW_CLOSED');
    await updateFlow(handle, cancelFlowUpdate);
    res.json({ flow: localizedFor(req, await queryFlow(client, handle, anyFlowStateQuery)) });
  });

  // bind: a new code to the new address; rebind: a new proof code to the old contact
  r.post('/v1/flows/:flowId/code/resend', requireScope('flows:write'), async (req, res) => {
    const flowId = req.params.flowId as string;
    const family = codeFamilyOf(flowId);
    const resend = { bind: () => bind.resend(flowId), rebind: () => rebind.resendProof(flowId), recovery: () => recovery.resend(flowId), 'password-reset': () => passwordReset.resend(flowId), 'security-check': () => securityCheck.resend(flowId), 'face-scene': () => scenes.resend(flowId) };
    res.json({ flow: await resend[family]() });
  });

  // bind: the code that completes the bind; rebind: the proof code, answered with the unbind token
  r.post('/v1/flows/:flowId/code', requireScope('flows:write'), async (req, res) => {
    const flowId = req.params.flowId as string;
    const family = codeFamilyOf(flowId);
    const { code } = parse(submitCodeBody, req.body);
    if (family === 'recovery') res.json({ grant: await recovery.submitCode(flowId, code) });
    else if (family === 'password-reset') res.json({ grant: await passwordReset.submitCode(flowId, code) });
    // the security check's grant is the security pass (the real-name start's securityPass)
    else if (family === 'security-check') res.json({ grant: await securityCheck.submitCode(flowId, code) });
    else if (family === 'face-scene') res.json({ result: localizedFor(req, await scenes.submitCode(flowId, code)) });
    else if (family === 'rebind') res.json({ proof: { ...(await rebind.submitProof(flowId, code)), message: PROOF_ACCEPTED_MESSAGE[contactOf(flowId)] } });
    else res.json({ result: localizedFor(req, withMessage(flowId, await bind.submit(flowId, code))) });
  });

  return r;
}
