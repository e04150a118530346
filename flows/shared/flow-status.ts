// Where a flow stands, mirrored into the search attributes operators filter on, and the
// checks every flow's update validators start with. Every flow kind keeps its status here.
import { ApplicationFailure, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { errorOf, failure, type ErrorInfo } from '../../lib/errors';
import { FLOW_OUTCOME, FLOW_STAGE } from '../../lib/search-attributes';
import { FEWER_TASKS, applies, beginRun } from './patches';

export class FlowStatus<Stage extends string, Outcome extends string> {
  outcome: Outcome | null = null;
  error: ErrorInfo | null = null;
  /** a step (an update's body) is in progress: another waits or is refused */
  busy = false;
  /** the stage the search attribute holds (the start sets the first) */
  private indexed: Stage;

  /**
   * @param stage the first stage, which the start sets as the search attribute
   * @param waits the stages the flow waits in for a person (a code, a face): from FEWER_TASKS on
   *   only these and the end are indexed; a stage passed through in milliseconds costs a history
   *   event and is never seen by an operator's filter (the state query tells every stage).
   *   From the baseline on the start may index the first of them already (bind, real-name):
   *   the flow reads what its start set, and sets it again only when it differs.
   * @param ownsSearchAttributes false for a status kept inside another flow's run (a hosted
   *   face check): the run's search attributes are its owner's, and this sets none
   */
  constructor(
    public stage: Stage,
    private readonly waits: readonly Stage[] = [],
    private readonly ownsSearchAttributes = true,
  ) {
    const started = beginRun() ? (workflowInfo().typedSearchAttributes.get(FLOW_STAGE) as Stage | undefined) : undefined;
    this.indexed = started ?? stage;
  }

  get open(): boolean {
    return this.outcome === null;
  }

  setStage(s: Stage): void {
    this.stage = s;
    if (!this.ownsSearchAttributes) return;
    if (!applies(FEWER_TASKS)) {
      upsertSearchAttributes([{ key: FLOW_STAGE, value: s }]);
      return;
    }
    if (this.waits.includes(s) && this.indexed !== s) {
      upsertSearchAttributes([{ key: FLOW_STAGE, value: s }]);
      this.indexed = s;
    }
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
    if (!this.ownsSearchAttributes) {
      this.stage = s;
      return;
    }
    if (!applies(FEWER_TASKS)) {
      this.setStage(s);
      upsertSearchAttributes([{ key: FLOW_OUTCOME, value: o }]);
      return;
    }
    this.stage = s;
    this.indexed = s;
    upsertSearchAttributes([
      { key: FLOW_STAGE, value: s },
      { key: FLOW_OUTCOME, value: o },
    ]);
  }
}
