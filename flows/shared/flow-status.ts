// Where a flow stands, mirrored into the search attributes operators filter on.
import { upsertSearchAttributes, type ApplicationFailure } from '@temporalio/workflow';
import { errorOf, type ErrorInfo } from '../../lib/errors';
import { FLOW_OUTCOME, FLOW_STAGE } from '../../lib/search-attributes';

export class FlowStatus<Stage extends string, Outcome extends string> {
  outcome: Outcome | null = null;
  error: ErrorInfo | null = null;

  constructor(public stage: Stage) {}

  get open(): boolean {
    return this.outcome === null;
  }

  setStage(s: Stage): void {
    this.stage = s;
    upsertSearchAttributes([{ key: FLOW_STAGE, value: s }]);
  }

  finish(o: Outcome, s: Stage, err?: ApplicationFailure): void {
    this.outcome = o;
    this.error = err ? errorOf(err) : null;
    this.setStage(s);
    upsertSearchAttributes([{ key: FLOW_OUTCOME, value: o }]);
  }
}
