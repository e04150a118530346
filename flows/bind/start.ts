// Starting and driving the first-time bind flows through the Temporal client.
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Config } from '../../lib/config';
import { codeLimits } from '../../http/code-limits';
import { CONTACT } from '../../lib/contact-kinds';
import { ACCOUNT_ID, FLOW_KIND, FLOW_STAGE } from '../../lib/search-attributes';
import { bindEmail, bindPhone } from './workflow';
import { submitCodeUpdate, type BindInput, type BindResult } from './contract';
import { requestCodeUpdate, type CodeSent, type ContactKind, type RequestMeta } from '../shared/contract';
import { parseFlowId } from '../../http/flow-ids';
import { flowIdOf } from '../registry';
import { closingUpdate, updateFlow } from '../../http/flow-updates';

/** The workflow function of each kind (its name is the workflow type histories record). */
const WORKFLOW = { phone: bindPhone, email: bindEmail } as const satisfies Record<ContactKind, unknown>;

export class BindFlows {
  constructor(
    private readonly client: Client,
    private readonly cfg: Config,
  ) {}

  /** Starts the flow and sends the first code in one call (update-with-start). */
  async start(kind: ContactKind, accountId: string, target: string, meta: RequestMeta, sessionId?: string): Promise<CodeSent> {
    const { bindScene: scene, bindFlow: flowKind, channel, mask } = CONTACT[kind];
    const input: BindInput = {
      accountId,
      kind,
      target,
      targetMasked: mask(target),
      scene,
      channel,
      limits: codeLimits(this.cfg, scene, this.cfg.flows.bindFlowTtlSec),
      meta,
      sessionId,
    };
    const startWorkflowOperation = new WithStartWorkflowOperation(WORKFLOW[kind], {
      workflowId: flowIdOf(flowKind, accountId),
      taskQueue: this.cfg.temporal.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [
        { key: FLOW_KIND, value: flowKind },
        { key: ACCOUNT_ID, value: accountId },
        // the stage it waits in: the flow sends the code in its first task (flows/shared/flow-status.ts)
        { key: FLOW_STAGE, value: 'awaiting_code' },
      ],
    });
    return this.client.workflow.executeUpdateWithStart(requestCodeUpdate, { args: [], startWorkflowOperation });
  }

  async resend(flowId: string): Promise<CodeSent> {
    parseFlowId(flowId);
    return updateFlow(this.client.workflow.getHandle(flowId), requestCodeUpdate);
  }

  async submit(flowId: string, code: string): Promise<BindResult> {
    parseFlowId(flowId);
    return closingUpdate(this.client.workflow.getHandle(flowId), submitCodeUpdate, 'bound', { code });
  }
}
