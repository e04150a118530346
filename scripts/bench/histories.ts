// What one journey leaves in Temporal: each workflow's history (bind, real-name with the face
// check it hosts, the rebind when run), counted by what costs the server a write and the worker a task.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import type { JourneyIds } from './journey';

const T = proto.api.enums.v1.EventType;
const GRPC_NOT_FOUND = 5;

export interface HistoryCount {
  workflow: string;
  events: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
  searchAttributeUpserts: number;
  timers: number;
  signals: number;
  updates: number;
  children: number;
}

export async function countHistory(client: Client, workflowId: string, label: string): Promise<HistoryCount> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const c: HistoryCount = { workflow: label, events: 0, workflowTasks: 0, activities: 0, localActivities: 0, searchAttributeUpserts: 0, timers: 0, signals: 0, updates: 0, children: 0 };
  for (const e of history.events ?? []) {
    c.events += 1;
    switch (e.eventType) {
      case T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        c.workflowTasks += 1;
        break;
      case T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        c.activities += 1;
        break;
      case T.EVENT_TYPE_MARKER_RECORDED:
        if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') c.localActivities += 1;
        break;
      case T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        c.searchAttributeUpserts += 1;
        break;
      case T.EVENT_TYPE_TIMER_STARTED:
        c.timers += 1;
        break;
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        c.signals += 1;
        break;
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        c.updates += 1;
        break;
      case T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        c.children += 1;
        break;
      default:
    }
  }
  return c;
}

export async function journeyHistories(client: Client, ids: JourneyIds): Promise<{ workflows: HistoryCount[]; total: HistoryCount }> {
  const list: [string, string][] = [
    [ids.bindFlowId, 'bind-phone'],
    [ids.realNameFlowId, 'real-name'],
  ];
  if (ids.rebindFlowId) list.push([ids.rebindFlowId, 'rebind-phone']);
  // the real-name run hosts its face check (hosted-face): a face-check workflow only for a run begun before
  const faceCheck = countHistory(client, ids.faceCheckId, 'face check').catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === GRPC_NOT_FOUND) return null;
    throw err;
  });
  const [face, ...counted] = await Promise.all([faceCheck, ...list.map(([id, label]) => countHistory(client, id, label))]);
  const workflows = face ? [...counted.slice(0, 2), face, ...counted.slice(2)] : counted;
  const total = workflows.reduce<HistoryCount>(
    (t, w) => {
      for (const k of Object.keys(t) as (keyof HistoryCount)[]) if (k !== 'workflow') (t[k] as number) += w[k] as number;
      return t;
    },
    { workflow: 'journey', events: 0, workflowTasks: 0, activities: 0, localActivities: 0, searchAttributeUpserts: 0, timers: 0, signals: 0, updates: 0, children: 0 },
  );
  return { workflows, total };
}
