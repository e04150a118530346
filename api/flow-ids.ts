// Flow ids are workflow ids: "<kind>:<accountId>", one live flow per account and kind.
// They hold no personal data (the account id is the platform's opaque user id).
import { AppError } from '../lib/errors';

export const FLOW_KINDS = {
  'bind-phone': { workflowType: 'bindPhone' },
  'bind-email': { workflowType: 'bindEmail' },
  'rebind-phone': { workflowType: 'phoneRebind' },
  'rebind-email': { workflowType: 'emailRebind' },
} as const;

export type FlowKind = keyof typeof FLOW_KINDS;

export function flowIdOf(kind: FlowKind, accountId: string): string {
  return `${kind}:${accountId}`;
}

export function parseFlowId(flowId: string): { kind: FlowKind; accountId: string } {
  const i = flowId.indexOf(':');
  const kind = flowId.slice(0, i) as FlowKind;
  const accountId = flowId.slice(i + 1);
  if (i <= 0 || !(kind in FLOW_KINDS) || !/^[A-Za-z0-9_.:-]{1,64}$/.test(accountId)) throw new AppError('FLOW_NOT_FOUND');
  return { kind, accountId };
}
