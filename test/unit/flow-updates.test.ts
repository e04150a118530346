// Which failures of an Update RPC the API sends again with the same update id
// (http/flow-updates.ts): the two the server gives while a flow's workflow task failed.
import { ServiceError } from '@temporalio/client';
import { abortedByTaskFailure } from '../../http/flow-updates';

describe('an update sent again after a failed workflow task', () => {
  it.each([
    ['aborted with its task', new ServiceError('Update failed', { cause: new Error('9 FAILED_PRECONDITION: Unable to perform workflow execution update due to unexpected workflow task failure.') })],
    ['sent while the task is failed', new ServiceError('9 FAILED_PRECONDITION: Unable to perform workflow execution update due to Workflow Task in failed state.')],
  ])('%s: sent again', (_label, err) => {
    expect(abortedByTaskFailure(err)).toBe(true);
  });

  it.each([
    ['a flow that is not there', new ServiceError('5 NOT_FOUND: workflow not found')],
    ['a business rejection', new Error('CODE_WRONG')],
    ['anything else', new ServiceError('14 UNAVAILABLE: connection refused')],
  ])('%s: not sent again', (_label, err) => {
    expect(abortedByTaskFailure(err)).toBe(false);
  });
});
