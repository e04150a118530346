// The API's view of flow ids: the registry's parse, answering FLOW_NOT_FOUND for an id no
// caller may address.
import { AppError } from '../lib/errors';
import { parseFlowId as parse, type ApiFlowKind } from '../flows/registry';


export function parseFlowId(flowId: string): { kind: ApiFlowKind; accountId: string } {
  const parsed = parse(flowId);
  if (!parsed) throw new AppError('FLOW_NOT_FOUND');
  return parsed;
}
