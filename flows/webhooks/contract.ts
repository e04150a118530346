// Messages and shapes of the webhook workflows, defined once and imported by the
// workflows, the activities that start them, the API and the tests.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { STATE_QUERY } from '../shared/contract';

/** Everything a dispatcher run needs, resolved from config by whoever starts it. */
export interface DispatcherInput {
  accountId: string;
  httpTimeoutMs: number;
  retry: { initialMs: number; maxIntervalMs: number; windowSec: number };
  /** the run ends when nothing happened for this long (a new event starts it again) */
  idleSec: number;
  /** deliveries per run before continueAsNew (history stays bounded) */
  maxPerRun: number;
}

/** One delivery to attempt: the row id and its attempt sequence (run). */
export interface PendingDelivery {
  deliveryId: string;
  run: number;
  subscriberId: string;
}

export type DeliveryOutcome = 'delivered' | 'skipped' | 'failed';

export interface DispatcherState {
  accountId: string;
  /** per subscriber: the delivery being attempted and how many wait behind it */
  lanes: { subscriberId: string; current: string | null; queued: number }[];
  completedThisRun: number;
  draining: boolean;
}

/** "Look for new events / pending deliveries of this account." Carries no data. */
export const eventsRecordedSignal = defineSignal<[]>('eventsRecorded');
export const dispatcherStateQuery = defineQuery<DispatcherState>(STATE_QUERY);

export const dispatcherWorkflowId = (accountId: string) => `webhooks:${accountId}`;
