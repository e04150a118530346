// Reading a flow's state by its query, for an API caller who waits. The server holds a query
// no worker answers (none running, or the one that had the flow restarting) for 30 s before it
// fails; the caller is answered SERVICE_UNAVAILABLE (http/errors.ts) after STATE_QUERY_MS instead.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { QueryDefinition } from '@temporalio/common';

/**
 * What one state query is given. A worker answers in milliseconds, but one that arrives while a
 * local step runs waits for the end of that workflow task, or its heartbeat: every 8 s of the
 * 10 s task timeout when the step is retried (test/e2e/repeated-runs.test.ts reads a flow so).
 */
export const STATE_QUERY_MS = 10_000;

export function queryFlow<T>(client: Client, handle: WorkflowHandle, query: QueryDefinition<T>, ms = STATE_QUERY_MS): Promise<T> {
  return client.withDeadline(Date.now() + ms, () => handle.query(query));
}
