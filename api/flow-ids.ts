// Flow ids are workflow ids: "<kind>:<accountId>", one live flow per account and kind.
// They hold no personal data (the account id is the platform's opaque user id).
import { AppError } from '../lib/errors';

/** the kinds GET/DELETE /v1/flows/:flowId and the code routes serve */
const FLOW_KINDS = ['bind-phone', 'bind-email', 'rebind-phone', 'rebind-email'] as const;

export type FlowKind = (typeof FLOW_KINDS)[number];

const isFlowKind = (kind: string): kind is FlowKind => (FLOW_KINDS as readonly string[]).includes(kind);

export function flowIdOf(kind: FlowKind, accountId: string): string {
  return `${kind}:${accountId}`;
}

export function parseFlowId(flowId: string): { kind: FlowKind; accountId: string } {
  const i = flowId.indexOf(':');
  const kind = flowId.slice(0, i);
  const accountId = flowId.slice(i + 1);
  if (i <= 0 || !isFlowKind(kind) || !/^[A-Za-z0-9_.:-]{1,64}$/.test(accountId)) throw new AppError('FLOW_NOT_FOUND');
  return { kind, accountId };
}
