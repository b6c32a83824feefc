/**
 * The execution cleanup: which jobs an ended execution left running (pure), and the deployed
 * cleaner reading a paged GetExecutionHistory and invoking stop functions (SDK clients mocked).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetExecutionHistoryCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandler } from '../lambdas/cleanup/stop-unfinished-jobs';
import { inFlightSubmits, knownJobIds, type InFlightCleanup } from '../lambdas/cleanup/in-flight-jobs';
import { unfinishedJobs, type StopDescriptor } from '../lambdas/cleanup/unfinished-jobs';
import { setLogSink } from '../lambdas/shared/logger';

const STOP: StopDescriptor = { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:StopJob', Payload: { kind: 'load' }, ItemField: null };
const job = (id: string, outcome: string, extra: Record<string, unknown> = {}) => ({ job: { id, status: { outcome }, poll: { count: 1 }, stop: STOP, ...extra } });

describe('unfinishedJobs', () => {
  it('returns the jobs whose last seen outcome is running, with the stop payload and job id', () => {
    const states = [job('job_1', 'running'), job('job_1', 'succeeded'), job('job_2', 'running'), job('job_2', 'running')];
    expect(unfinishedJobs(states)).toEqual([{ jobId: 'job_2', FunctionName: STOP.FunctionName, Payload: { kind: 'load', jobId: 'job_2' } }]);
  });

  it('treats failed and already stopped jobs as finished', () => {
    expect(unfinishedJobs([job('a', 'running'), job('a', 'failed'), job('b', 'running', { stopped: { at: 't' } })])).toEqual([]);
  });

  it('adds the Map item to the payload of a per-item job', () => {
    const perItem: StopDescriptor = { ...STOP, ItemField: 'sourceId' };
    const states = [
      { item: 'src-1', job: { id: 'j1', status: { outcome: 'running' }, stop: perItem } },
      { item: 'src-2', job: { id: 'j2', status: { outcome: 'running' }, stop: perItem } },
      { item: 'src-2', job: { id: 'j2', status: { outcome: 'succeeded' }, stop: perItem } },
    ];
    expect(unfinishedJobs(states)).toEqual([{ jobId: 'j1', FunctionName: STOP.FunctionName, Payload: { kind: 'load', sourceId: 'src-1', jobId: 'j1' } }]);
  });

  it('ignores jobs that cannot be stopped, jobs without an id and data that is not a job', () => {
    expect(unfinishedJobs([{ job: { id: 'x', status: { outcome: 'running' }, stop: null } }, { job: { id: null, status: { outcome: 'running' }, stop: STOP } }, null, 'text', { steps: {} }])).toEqual([]);
  });
});

describe('the deployed cleaner', () => {
  const sfn = mockClient(SFNClient);
  const lambda = mockClient(LambdaClient);
  afterEach(() => {
    sfn.reset();
    lambda.reset();
  });

  const event = (executionArn: string) =>
    ({ detail: { executionArn, stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:Continuum-x', status: 'ABORTED' } }) as never;

  it('reads every history page and invokes the stop function of each unfinished job, reporting failures', async () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:Continuum-x:run-1';
    sfn
      .on(GetExecutionHistoryCommand, { executionArn: arn, nextToken: undefined })
      .resolves({ events: [{ type: 'TaskStateExited', id: 1, timestamp: new Date(), stateExitedEventDetails: { name: 'Load source', output: JSON.stringify(job('j1', 'running')) } }], nextToken: 'page-2' })
      .on(GetExecutionHistoryCommand, { executionArn: arn, nextToken: 'page-2' })
      .resolves({
        events: [
          { type: 'TaskStateEntered', id: 2, timestamp: new Date(), stateEnteredEventDetails: { name: 'Publish', input: JSON.stringify(job('j2', 'running')) } },
          { type: 'ExecutionAborted', id: 3, timestamp: new Date() },
        ],
      });
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200 })
      .on(InvokeCommand, { Payload: new TextEncoder().encode(JSON.stringify({ kind: 'load', jobId: 'j2' })) })
      .resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode('{"errorType":"NotFound"}') as never });

    const result = await createHandler({ sfn: sfn as unknown as SFNClient, lambda: lambda as unknown as LambdaClient })(event(arn));

    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(2);
    expect(sfn.commandCalls(GetExecutionHistoryCommand)[0].args[0].input).toMatchObject({ includeExecutionData: true });
    expect(lambda.commandCalls(InvokeCommand).map((c) => JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)))).toEqual([
      { kind: 'load', jobId: 'j1' },
      { kind: 'load', jobId: 'j2' },
    ]);
    expect(result).toEqual({ executionArn: arn, stopped: ['j1'], failed: [{ jobId: 'j2', error: 'Unhandled: {"errorType":"NotFound"}' }] });
  });

  it('logs each refused stop call with the execution ARN, the job and the reason', async () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:Continuum-x:run-2';
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [{ type: 'TaskStateExited', id: 1, timestamp: new Date(), stateExitedEventDetails: { name: 'Load source', output: JSON.stringify(job('j9', 'running')) } }],
    });
    lambda.on(InvokeCommand).rejects(Object.assign(new Error('User is not authorized to perform: lambda:InvokeFunction'), { name: 'AccessDeniedException' }));
    const lines: string[] = [];
    const previous = setLogSink((line) => lines.push(line));
    try {
      await createHandler({ sfn: sfn as unknown as SFNClient, lambda: lambda as unknown as LambdaClient })(event(arn));
    } finally {
      setLogSink(previous);
    }
    const refused = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.level === 'error');
    expect(refused).toEqual([
      expect.objectContaining({
        message: 'stop call refused: the remote job may still be running',
        execution: arn,
        jobId: 'j9',
        stopFunction: STOP.FunctionName,
        error: 'AccessDeniedException: User is not authorized to perform: lambda:InvokeFunction',
      }),
    ]);
  });

  it('calls a stop again when it met a transient error or a 429, up to 4 calls; a refusal of another kind is not repeated', async () => {
    const arn = 'arn:aws:states:us-east-1:123456789012:execution:Continuum-x:run-3';
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { type: 'TaskStateExited', id: 1, timestamp: new Date(), stateExitedEventDetails: { name: 'Load', output: JSON.stringify(job('j1', 'running')) } },
        { type: 'TaskStateExited', id: 2, timestamp: new Date(), stateExitedEventDetails: { name: 'Load', output: JSON.stringify(job('j2', 'running')) } },
        { type: 'TaskStateExited', id: 3, timestamp: new Date(), stateExitedEventDetails: { name: 'Load', output: JSON.stringify(job('j3', 'running')) } },
      ],
    });
    const failure = (errorType: string) => ({ StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode(JSON.stringify({ errorType, errorMessage: 'x' })) as never });
    const payload = (jobId: string) => new TextEncoder().encode(JSON.stringify({ kind: 'load', jobId }));
    lambda
      .on(InvokeCommand, { Payload: payload('j1') })
      .resolvesOnce(failure('TransientApiError'))
      .resolvesOnce(failure('RateLimited'))
      .resolves({ StatusCode: 200 })
      .on(InvokeCommand, { Payload: payload('j2') })
      .resolves(failure('TransientApiError'))
      .on(InvokeCommand, { Payload: payload('j3') })
      .resolves(failure('NotFound'));

    const result = await createHandler({ sfn: sfn as unknown as SFNClient, lambda: lambda as unknown as LambdaClient }, {}, { delayMs: 0 })(event(arn));

    const calls = (jobId: string) => lambda.commandCalls(InvokeCommand).filter((c) => JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array)).jobId === jobId).length;
    expect([calls('j1'), calls('j2'), calls('j3')]).toEqual([3, 4, 1]);
    expect(result.stopped).toEqual(['j1']);
    expect(result.failed.map((f) => f.jobId)).toEqual(['j2', 'j3']);
  });

  it('starts no retry once its time budget is spent (the slots must still be released inside the Lambda timeout)', async () => {
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [{ type: 'TaskStateExited', id: 1, timestamp: new Date(), stateExitedEventDetails: { name: 'Load', output: JSON.stringify(job('j1', 'running')) } }],
    });
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode('{"errorType":"TransientApiError"}') as never });
    const result = await createHandler({ sfn: sfn as unknown as SFNClient, lambda: lambda as unknown as LambdaClient }, {}, { delayMs: 0, budgetMs: -1 })(event('arn:e'));
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
    expect(result.failed.map((f) => f.jobId)).toEqual(['j1']);
  });

  it('stops nothing when every job finished', async () => {
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [{ type: 'PassStateExited', id: 1, timestamp: new Date(), stateExitedEventDetails: { name: 'x', output: JSON.stringify(job('j1', 'succeeded')) } }] });
    const result = await createHandler({ sfn: sfn as unknown as SFNClient, lambda: lambda as unknown as LambdaClient })(event('arn:e'));
    expect(result.stopped).toEqual([]);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  describe('jobs whose submit was in flight (ListExecutions and Invoke mocked: no local server answers them here; e2e/abort.test.ts runs the same code against a simulator)', () => {
    const FIND = 'arn:aws:lambda:us-east-1:123456789012:function:FindJob';
    const cleanup: InFlightCleanup = { JobKey: 'load', Find: { FunctionName: FIND, Payload: { kind: 'load' } }, Stop: { ...STOP, ItemField: 'sourceId' } };
    const started = new Date('2026-12-01T10:00:00Z');
    const history = (arn: string) =>
      sfn.on(GetExecutionHistoryCommand, { executionArn: arn }).resolves({
        events: [
          { type: 'ExecutionStarted', id: 1, timestamp: started },
          { type: 'TaskScheduled', id: 2, timestamp: started, taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: JSON.stringify({ FunctionName: 'Create', Payload: { kind: 'load', sourceId: 'src_b', inFlightCleanup: cleanup } }) } },
          { type: 'ExecutionFailed', id: 3, timestamp: new Date() },
        ],
      });
    const payloads = () => lambda.commandCalls(InvokeCommand).map((c) => [c.args[0].input.FunctionName, JSON.parse(new TextDecoder().decode(c.args[0].input.Payload as Uint8Array))]);

    it('alone: asks the look for a job created since the execution started and stops the running one', async () => {
      const arn = 'arn:aws:states:us-east-1:123456789012:execution:Continuum-x:run-2';
      history(arn);
      sfn.on(ListExecutionsCommand).resolves({ executions: [] });
      lambda.on(InvokeCommand, { FunctionName: FIND }).resolves({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ id: 'job_b', outcome: 'running' })) as never });
      lambda.on(InvokeCommand, { FunctionName: STOP.FunctionName }).resolves({ StatusCode: 200, Payload: new TextEncoder().encode('{}') as never });

      const result = await createHandler({ sfn: sfn as unknown as SFNClient, lambda: lambda as unknown as LambdaClient })(event(arn));
      expect(payloads()).toEqual([
        [FIND, { kind: 'load', sourceId: 'src_b', createdAfter: { time: started.toISOString(), allowanceSeconds: 0 } }],
        [STOP.FunctionName, { kind: 'load', sourceId: 'src_b', jobId: 'job_b' }],
      ]);
      expect(result).toEqual({ executionArn: arn, stopped: ['job_b'], failed: [], stoppedInFlight: [{ jobKey: 'load', item: 'src_b', jobId: 'job_b' }] });
      expect(sfn.commandCalls(ListExecutionsCommand)[0].args[0].input).toMatchObject({ statusFilter: 'RUNNING' });
    });

    it('a submit that was answered (succeeded, or failed other than TransientApiError) is not in flight: no look', async () => {
      const arn = 'arn:aws:states:us-east-1:123456789012:execution:Continuum-x:run-4';
      const scheduled = (id: number, sourceId: string) => ({
        type: 'TaskScheduled' as const,
        id,
        timestamp: started,
        taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1', parameters: JSON.stringify({ FunctionName: 'Create', Payload: { kind: 'load', sourceId, inFlightCleanup: cleanup } }) },
      });
      sfn.on(GetExecutionHistoryCommand, { executionArn: arn }).resolves({
        events: [
          { type: 'ExecutionStarted', id: 1, timestamp: started },
          scheduled(2, 'src_a'),
          { type: 'TaskStarted', id: 3, previousEventId: 2, timestamp: started },
          { type: 'TaskFailed', id: 4, previousEventId: 3, timestamp: started, taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'NotFound' } },
          scheduled(5, 'src_b'),
          { type: 'TaskStarted', id: 6, previousEventId: 5, timestamp: started },
          { type: 'TaskFailed', id: 7, previousEventId: 6, timestamp: started, taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'TransientApiError' } },
        ],
      });
      sfn.on(ListExecutionsCommand).resolves({ executions: [] });
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify({ id: null, outcome: 'succeeded' })) as never });
      await createHandler({ sfn: sfn as unknown as SFNClient, lambda: lambda as unknown as LambdaClient })(event(arn));
      // Only src_b's submit, whose answer was lost, is looked for.
      expect(payloads().map(([, payload]) => payload.sourceId)).toEqual(['src_b']);
    });

    it('another execution of the state machine runs: it may hold a job of that configuration, so nothing is looked for', async () => {
      const arn = 'arn:aws:states:us-east-1:123456789012:execution:Continuum-x:run-3';
      history(arn);
      sfn.on(ListExecutionsCommand).resolves({ executions: [{ executionArn: 'arn:other', stateMachineArn: 'sm', name: 'other', status: 'RUNNING', startDate: new Date() }] });
      const result = await createHandler({ sfn: sfn as unknown as SFNClient, lambda: lambda as unknown as LambdaClient })(event(arn));
      expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
      expect(result.stopped).toEqual([]);
    });
  });
});

describe('inFlightSubmits and knownJobIds', () => {
  it('one look per job key and item, from the scheduled parameters that carry a descriptor; ids the state data names are known', () => {
    const cleanup: InFlightCleanup = { JobKey: 'load', Find: { FunctionName: 'F', Payload: { kind: 'load' } }, Stop: { ...STOP, ItemField: 'sourceId' } };
    const submit = (sourceId: string) => ({ FunctionName: 'C', Payload: { kind: 'load', sourceId, inFlightCleanup: cleanup } });
    expect(inFlightSubmits([submit('a'), submit('a'), submit('b'), { FunctionName: 'G', Payload: { jobId: 'x' } }, null])).toEqual([
      { cleanup, item: 'a' },
      { cleanup, item: 'b' },
    ]);
    expect([...knownJobIds([job('j1', 'running'), { existing: { id: 'j2' } }, { job: { id: null } }])]).toEqual(['j1', 'j2']);
  });
});
