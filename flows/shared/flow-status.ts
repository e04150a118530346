// Where a flow stands, mirrored into the search attributes operators filter on, and the
// checks every flow's update validators start with. Every flow kind keeps its status here.
import { ApplicationFailure, upsertSearchAttributes } from '@temporalio/workflow';
import { errorOf, failure, type ErrorInfo } from '../../lib/errors';
import { FLOW_OUTCOME, FLOW_STAGE } from '../../lib/search-attributes';

export class FlowStatus<Stage extends string, Outcome extends string> {
  outcome: Outcome | null = null;
  error: ErrorInfo | null = null;
  /** a step (an update's body) is in progress: another waits or is refused */
  busy = false;

  constructor(public stage: Stage) {}

  get open(): boolean {
    return this.outcome === null;
  }

  setStage(s: Stage): void {
    this.stage = s;
    upsertSearchAttributes([{ key: FLOW_STAGE, value: s }]);
  }

  /** For validators: nothing enters history for a closed flow. */
  assertOpen(): void {
    if (!this.open) throw failure('FLOW_CLOSED');
  }

  /** For validators: open, and no step in progress. */
  assertIdle(): void {
    this.assertOpen();
    if (this.busy) throw failure('FLOW_IN_PROGRESS');
  }

  finish(o: Outcome, s: Stage, err?: ApplicationFailure | ErrorInfo | null): void {
    this.outcome = o;
    this.error = !err ? null : err instanceof ApplicationFailure ? errorOf(err) : err;
    this.setStage(s);
    upsertSearchAttributes([{ key: FLOW_OUTCOME, value: o }]);
  }
}
