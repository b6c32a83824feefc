/**
 * The local history in the shape GetExecutionHistory returns, and the local clients the deployed
 * end-of-run functions get: what the deployed readers (lambdas/shared/execution-history.ts) see
 * of a local run is what they would see of a deployed one.
 */
import { GetExecutionHistoryCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { readExecutionHistory } from '../lambdas/shared/execution-history';
import { localLambda, localStepFunctions } from '../lib/local/end-of-run';
import { awsExecutionHistory, type TaskCall } from '../lib/local/execution-history';
import { ExecutionRegistry, type HistoryEvent } from '../lib/local/runner';

const ARN = 'arn:aws:states:eu-west-1:111122223333:execution:Continuum-x:local-1';
const SUBMIT = (source: string) => ({ FunctionName: 'arn:aws:lambda:eu-west-1:111122223333:function:Submit', Payload: { sourceId: source, inFlightCleanup: { JobKey: 'load' } } });
const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);

const history: HistoryEvent[] = [
  { type: 'ExecutionStarted', timestamp: t0, input: { a: 1 } },
  { type: 'StateEntered', timestamp: t0 + 1, state: { name: 'Submit load', type: 'Task', input: { item: 'src_a' } }, index: 0 },
  { type: 'StateEntered', timestamp: t0 + 1, state: { name: 'Submit load', type: 'Task', input: { item: 'src_b' } }, index: 1 },
  { type: 'StateExited', timestamp: t0 + 5, state: { name: 'Submit load', type: 'Task', output: { item: 'src_a', job: { id: 'job_a' } } }, index: 0 },
  { type: 'StateRetried', timestamp: t0 + 6, state: { name: 'Submit load', type: 'Task' } },
  { type: 'ExecutionAborted', timestamp: t0 + 9 },
];
const tasks: TaskCall[] = [
  { state: 'Submit load', parameters: SUBMIT('src_a'), scheduledAt: t0 + 2, answer: { at: t0 + 4, output: { StatusCode: 200, Payload: { id: 'job_a' } } } },
  // Answered with a lost answer: the call may have created its job.
  { state: 'Submit load', parameters: SUBMIT('src_b'), scheduledAt: t0 + 2, answer: { at: t0 + 3, error: 'TransientApiError', cause: '{}' } },
  // Failed for good: no job.
  { state: 'Submit load', parameters: SUBMIT('src_c'), scheduledAt: t0 + 3, answer: { at: t0 + 3, error: 'NotFound', cause: '{}' } },
  // Never answered before the end.
  { state: 'Submit load', parameters: SUBMIT('src_d'), scheduledAt: t0 + 7 },
];

describe('awsExecutionHistory', () => {
  const events = awsExecutionHistory(history, tasks, ARN);

  it('orders state and task events by time with ids from 1, typed by state kind; retries and aborts as AWS names them', () => {
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskSucceeded',
      'TaskStateExited',
      'TaskScheduled',
      'TaskStarted',
      'ExecutionAborted',
    ]);
    expect(events.every((e, i) => i === 0 || e.timestamp!.getTime() >= events[i - 1].timestamp!.getTime())).toBe(true);
    expect(events[1].stateEnteredEventDetails).toEqual({ name: 'Submit load', input: JSON.stringify({ item: 'src_a' }) });
  });

  it('chains each answer to its TaskStarted and each TaskStarted to its TaskScheduled', () => {
    const byId = new Map(events.map((e) => [e.id!, e]));
    const succeeded = events.find((e) => e.type === 'TaskSucceeded')!;
    const started = byId.get(succeeded.previousEventId!)!;
    expect(started.type).toBe('TaskStarted');
    expect(JSON.parse(byId.get(started.previousEventId!)!.taskScheduledEventDetails!.parameters!)).toEqual(SUBMIT('src_a'));
  });

  it('read by the deployed reader through the local client, paged: the in-flight submits are the lost and the unanswered ones', async () => {
    const sfn = localStepFunctions(() => events, new ExecutionRegistry());
    const pages: number[] = [];
    const paging = { send: async (command: GetExecutionHistoryCommand) => {
      const page = await sfn.send(new GetExecutionHistoryCommand({ ...command.input, maxResults: 5 }));
      pages.push(page.events!.length);
      return page;
    } };
    const read = await readExecutionHistory(paging, ARN);
    expect(pages).toEqual([5, 5, 5, 1]);
    expect(read.startedAt).toBe(new Date(t0).toISOString());
    expect(read.scheduled).toEqual([SUBMIT('src_b'), SUBMIT('src_d')]);
    expect(read.states.filter((s) => s.data !== undefined).map((s) => s.data)).toContainEqual({ item: 'src_a', job: { id: 'job_a' } });
  });
});

describe('the local clients', () => {
  it('ListExecutions answers the running executions of the state machine', async () => {
    const registry = new ExecutionRegistry();
    registry.add('arn:sm', 'arn:sm:e1', t0);
    const sfn = localStepFunctions(() => [], registry);
    const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: 'arn:sm', statusFilter: 'RUNNING' }));
    expect(executions).toEqual([{ executionArn: 'arn:sm:e1', stateMachineArn: 'arn:sm', name: 'e1', status: 'RUNNING', startDate: new Date(t0) }]);
  });

  it('Invoke answers the handler result, or FunctionError with the error JSON as Lambda does', async () => {
    const lambda = localLambda(async (name, payload) => {
      if ((payload as { fail?: boolean }).fail) throw Object.assign(new Error(JSON.stringify({ errorType: 'NotFound', errorMessage: 'no job' })), { name: 'NotFound' });
      return { name, payload };
    });
    const ok = await lambda.send(new InvokeCommand({ FunctionName: 'Stop', Payload: new TextEncoder().encode('{"jobId":"j"}') }));
    expect(ok.FunctionError).toBeUndefined();
    expect(JSON.parse(new TextDecoder().decode(ok.Payload))).toEqual({ name: 'Stop', payload: { jobId: 'j' } });
    const failed = await lambda.send(new InvokeCommand({ FunctionName: 'Stop', Payload: new TextEncoder().encode('{"fail":true}') }));
    expect(failed.FunctionError).toBe('Unhandled');
    expect(JSON.parse(new TextDecoder().decode(failed.Payload))).toEqual({ errorType: 'NotFound', errorMessage: 'no job' });
  });
});
