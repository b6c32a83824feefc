/**
 * Each JobSpec option on its own: a JobPoller synthesized into a bare state machine and executed
 * by aws-local-stepfunctions with scripted task answers (no HTTP, no provider; the DynamoDB slot
 * updates are scripted too, by state name), so every path an option adds is checked in
 * milliseconds. Waits and retries take 1 ms; a job's timeout counts waited seconds, not time.
 */
import '../lib/local/polyfill';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import type { Polling } from '../lib/config/common';
import type { SlotPool } from '../lib/config/slot-pools';
import { splitTaskContext, type TaskContext } from '../lib/contract/task-context';
import { JobPoller } from '../lib/constructs/job-poller';
import { article } from '../lib/constructs/names';
import { allStates, flatten, type AslDefinition } from '../lib/local/synthesized';
import type { HandlerCall, JobSpec } from '../lib/providers/job-spec';

const RETRY = { rateLimited: { intervalSeconds: 1, maxAttempts: 1, backoffRate: 1 }, transient: { intervalSeconds: 1, maxAttempts: 2, backoffRate: 1 } };
const POLLING: Polling = { initialIntervalSeconds: 10, maxIntervalSeconds: 10, backoffRate: 1, timeoutMinutes: 1, learnFromHistory: false };
const POOL: SlotPool = { name: 'tenant', limit: 2, waitSeconds: 10, maxWaitMinutes: 1 };

const call = (id: string, payload: HandlerCall['payload'] = {}): HandlerCall => ({ handler: { id: `test/${id}`, entry: '/dev/null' }, payload });
const BASE: JobSpec = { key: 'build', title: 'Build model', subject: 'model', submit: call('submit', { model: 'm1' }), status: call('status') };

/** A handler's answer: a JobResult (`id` job-1 unless given), or a thrown error of that name. */
const result = (outcome: 'running' | 'succeeded' | 'failed', more: Record<string, unknown> = {}) => ({
  id: 'job-1',
  state: outcome.toUpperCase(),
  outcome,
  error: outcome === 'failed' ? 'ModelFailed' : null,
  cause: outcome === 'failed' ? 'the model diverged' : null,
  summary: null,
  ...more,
});
const raise = (name: string) => {
  const error = new Error(`scripted ${name}`);
  error.name = name;
  throw error;
};

/** Answers by state name (a prefix is enough); `n` counts that state's calls from 0. */
type Script = Record<string, (payload: Record<string, unknown>, n: number) => unknown>;

interface JobRun {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  readonly output?: Record<string, unknown>;
  readonly states: string[];
  /** The payloads each task state was sent, by state name (without the task context). */
  readonly calls: Map<string, Array<Record<string, unknown>>>;
  /** The task context of every Lambda call, in order. */
  readonly contexts: Array<Partial<TaskContext>>;
  readonly poller: JobPoller;
}

function build(job: JobSpec, options: { slot?: boolean; polling?: Polling } = {}): { definition: AslDefinition; poller: JobPoller } {
  const stack = new Stack(new App(), 'JobPollerTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const fn = LambdaFunction.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:123456789012:function:handler');
  const table = options.slot ? new dynamodb.Table(stack, 'Slots', { partitionKey: { name: 'pool', type: dynamodb.AttributeType.STRING } }) : undefined;
  const poller = new JobPoller(stack, 'Build', {
    job,
    pipelineName: 'models',
    functionFor: () => fn,
    timeoutFor: () => Duration.seconds(30),
    polling: options.polling ?? POLLING,
    retry: RETRY,
    ...(table ? { slot: { table, pool: POOL } } : {}),
  });
  const machine = new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(poller) });
  const definition = JSON.parse(flatten(stack.resolve((machine.node.defaultChild as sfn.CfnStateMachine).definitionString))) as AslDefinition;
  return { definition, poller };
}

async function runJob(job: JobSpec, script: Script, options: { slot?: boolean; polling?: Polling; input?: Record<string, unknown> } = {}): Promise<JobRun> {
  const { definition, poller } = build(job, options);
  const calls = new Map<string, Array<Record<string, unknown>>>();
  const contexts: Array<Partial<TaskContext>> = [];
  const states = allStates(definition);
  const answer = (name: string) => {
    const key = Object.keys(script).find((prefix) => name.startsWith(prefix));
    return async (input: unknown) => {
      if (key === undefined) throw new Error(`no scripted answer for task '${name}'`);
      const raw = ((input as { Payload?: Record<string, unknown> }).Payload ?? (input as Record<string, unknown>)) ?? {};
      // The task context (execution, state, pipeline) is kept apart: the calls hold what the handler's own schema sees.
      const { event, context } = splitTaskContext(raw);
      const payload = event as Record<string, unknown>;
      if ((input as { Payload?: unknown }).Payload !== undefined) contexts.push(context);
      const seen = calls.get(name) ?? [];
      seen.push(payload);
      calls.set(name, seen);
      const value = script[key](payload, seen.length - 1);
      return name.startsWith('Acquire') || name.startsWith('Check') || name.startsWith('Release') ? value : { Payload: value };
    };
  };
  const handlers = Object.fromEntries(states.filter(([, s]) => s.Type === 'Task').map(([name]) => [name, answer(name)]));
  const machine = new StateMachine(structuredClone(definition) as never, { validationOptions: { checkPaths: true, checkArn: true } });
  const execution = machine.run((options.input ?? {}) as never, {
    overrides: {
      waitTimeOverrides: Object.fromEntries(states.filter(([, s]) => s.Type === 'Wait').map(([name]) => [name, 1])),
      retryIntervalOverrides: Object.fromEntries(states.filter(([, s]) => s.Retry).map(([name]) => [name, 1])),
      taskResourceLocalHandlers: handlers as never,
    },
    // The slot updates read the execution's id and $$.State.EnteredTime, the task contexts $$.State.Name (which the library lacks).
    context: { Execution: { Id: 'arn:aws:states:us-east-1:123456789012:execution:Machine:run-1' }, State: { EnteredTime: '2026-01-01T00:00:00.000Z', Name: 'a state' } } as never,
  });
  const entered: string[] = [];
  const consume = (async () => {
    for await (const event of execution.eventLogs) if (event.type === 'StateEntered') entered.push(event.state.name);
  })();
  let status: JobRun['status'] = 'SUCCEEDED';
  let error: string | undefined;
  let output: Record<string, unknown> | undefined;
  try {
    output = (await execution.result) as Record<string, unknown>;
  } catch (failure) {
    status = 'FAILED';
    error = ((failure as { cause?: { name?: string } }).cause?.name ?? (failure as Error).name) || undefined;
  }
  await consume;
  return { status, error, output, states: entered, calls, contexts, poller };
}

const succeedsAfterOneCheck: Script = {
  'Build model': () => result('running'),
  'Get model status': () => result('succeeded', { summary: { rows: 3 } }),
};

describe('the JobPoller', () => {
  it('polls a job until it succeeds and records it at $.steps.<key>', async () => {
    const run = await runJob(BASE, succeedsAfterOneCheck);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states).toEqual(['Build model', 'Model status', 'Schedule next model check', 'Wait for model', 'Get model status', 'Model status', 'Model done']);
    expect(run.output?.steps).toEqual({ build: { id: 'job-1', state: 'SUCCEEDED', polls: 1, summary: { rows: 3 } } });
    expect(run.calls.get('Get model status')).toEqual([{ jobId: 'job-1' }]);
    // Every Lambda call names the execution, the state ($$.State.Name) and the pipeline, for the handler's log lines.
    expect(run.contexts).toEqual([0, 1].map(() => ({ execution: 'arn:aws:states:us-east-1:123456789012:execution:Machine:run-1', state: 'a state', pipeline: 'models' })));
  });

  it('fails with the remote error when the job fails, and JobTimedOut when the waits reach the timeout', async () => {
    const failed = await runJob(BASE, { 'Build model': () => result('running'), 'Get model status': () => result('failed') });
    expect([failed.status, failed.error]).toEqual(['FAILED', 'ModelFailed']);
    const stuck = await runJob(BASE, { 'Build model': () => result('running'), 'Get model status': () => result('running') });
    expect([stuck.status, stuck.error]).toEqual(['FAILED', 'JobTimedOut']);
    // 60 s budget, 10 s waits: six checks.
    expect(stuck.calls.get('Get model status')).toHaveLength(6);
  });

  it('ends a synchronous job (no status call) on its submit answer', async () => {
    const sync: JobSpec = { key: BASE.key, title: BASE.title, subject: BASE.subject, submit: BASE.submit };
    expect((await runJob(sync, { 'Build model': () => result('succeeded') })).states).toEqual(['Build model', 'Model status', 'Model done']);
    const failed = await runJob(sync, { 'Build model': () => result('failed') });
    expect([failed.error, failed.states.at(-1)]).toEqual(['ModelFailed', 'Model failed']);
    // Anything but success fails a synchronous step: there is no status call to wait for.
    expect((await runJob(sync, { 'Build model': () => result('running') })).states.at(-1)).toBe('Model failed');
  });

  it('retries a transient submit error, then fails "request failed" with the API error', async () => {
    const flaky = await runJob(BASE, { ...succeedsAfterOneCheck, 'Build model': (_p, n) => (n === 0 ? raise('TransientApiError') : result('running')) });
    expect(flaky.status).toBe('SUCCEEDED');
    expect(flaky.calls.get('Build model')).toHaveLength(2);
    const down = await runJob(BASE, { 'Build model': () => raise('AuthFailed') });
    expect([down.error, down.states.at(-1)]).toEqual(['AuthFailed', 'Model request failed']);
  });

  it('runIf: runs only when the execution input flag is true', async () => {
    const job: JobSpec = { ...BASE, runIf: { inputFlag: 'retrain' } };
    const skipped = await runJob(job, succeedsAfterOneCheck, { input: { retrain: false } });
    expect(skipped.states).toEqual(['Decide whether to build model', 'Skip build model']);
    const ran = await runJob(job, succeedsAfterOneCheck, { input: { retrain: true } });
    expect(ran.states.at(-1)).toBe('Model done');
  });

  it('forEach: runs the chain once per item, the item in every call, and collects the summaries', async () => {
    const job: JobSpec = { ...BASE, forEach: { title: 'Build models', items: ['a', 'b', 'c'], payloadField: 'source', maxConcurrency: 2 } };
    const run = await runJob(job, succeedsAfterOneCheck);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.calls.get('Build model')?.map((p) => p.source).sort()).toEqual(['a', 'b', 'c']);
    expect(run.calls.get('Get model status')?.map((p) => p.source).sort()).toEqual(['a', 'b', 'c']);
    expect((run.output?.steps as { build: { items: unknown[] } }).build.items).toHaveLength(3);
  });

  describe('existingJob', () => {
    const found = { ...result('running'), id: 'other-7' };
    const none = { ...result('running'), id: null };
    const beforeSubmit = (policy: 'attach' | 'wait' | 'skip' | 'fail'): JobSpec => ({ ...BASE, existingJob: { find: call('find'), trigger: 'beforeSubmit', policy } });

    it('submits when none is running', async () => {
      const run = await runJob(beforeSubmit('fail'), { ...succeedsAfterOneCheck, 'Find running model': () => none });
      expect(run.states.slice(0, 3)).toEqual(['Find running model', 'Is another model job running', 'Build model']);
      expect(run.status).toBe('SUCCEEDED');
    });

    it('attaches to, waits for, skips or fails on a running one', async () => {
      const attach = await runJob(beforeSubmit('attach'), { ...succeedsAfterOneCheck, 'Find running model': () => found });
      expect(attach.calls.has('Build model')).toBe(false);
      expect(attach.calls.get('Get model status')).toEqual([{ jobId: 'other-7' }]);
      const wait = await runJob(beforeSubmit('wait'), { ...succeedsAfterOneCheck, 'Find running model': (_p, n) => (n < 2 ? found : none) });
      expect(wait.status).toBe('SUCCEEDED');
      expect(wait.calls.get('Find running model')).toHaveLength(3);
      expect(wait.calls.get('Build model')).toHaveLength(1);
      const skip = await runJob(beforeSubmit('skip'), { ...succeedsAfterOneCheck, 'Find running model': () => found });
      expect([skip.status, skip.calls.has('Build model')]).toEqual(['SUCCEEDED', false]);
      const fail = await runJob(beforeSubmit('fail'), { ...succeedsAfterOneCheck, 'Find running model': () => found });
      expect([fail.status, fail.error]).toEqual(['FAILED', 'JobConflict']);
    });

    it('looks after a submit fails with the named error', async () => {
      const job: JobSpec = { ...BASE, existingJob: { find: call('find'), trigger: { submitError: 'AlreadyRunning' }, policy: 'attach' } };
      const run = await runJob(job, { ...succeedsAfterOneCheck, 'Build model': () => raise('AlreadyRunning'), 'Find running model': () => found });
      expect(run.status).toBe('SUCCEEDED');
      expect(run.calls.get('Get model status')).toEqual([{ jobId: 'other-7' }]);
      // Any other submit error is still a request failure.
      const other = await runJob(job, { 'Build model': () => raise('AuthFailed'), 'Find running model': () => found });
      expect([other.error, other.calls.has('Find running model')]).toEqual(['AuthFailed', false]);
    });
  });

  describe('lostSubmit', () => {
    const job: JobSpec = { ...BASE, lostSubmit: { find: call('find-lost', { model: 'm1' }) } };
    const look = 'Look for model job started by the failed submit';

    it('attaches to the job a failed submit started instead of submitting again', async () => {
      const run = await runJob(job, { ...succeedsAfterOneCheck, 'Build model': () => raise('TransientApiError'), [look]: () => ({ ...result('running'), id: 'lost-1' }) });
      expect(run.status).toBe('SUCCEEDED');
      expect(run.calls.get('Build model')).toHaveLength(1);
      expect(run.calls.get('Get model status')).toEqual([{ jobId: 'lost-1' }]);
      expect(run.calls.get(look)).toEqual([{ model: 'm1', createdAfter: { time: expect.any(String), allowanceSeconds: expect.any(Number) } }]);
    });

    it('names its states in good English', () => {
      expect(build(job).definition.States).toHaveProperty(['Has a model submit failed before']);
      expect(['output publish', 'ML model retrain task', 'RealTime workflow update', 'data product update', 'SQL export'].map(article)).toEqual(['an', 'an', 'a', 'a', 'an']);
    });

    it('submits again when there is none, at most retry.transient.maxAttempts times', async () => {
      const none = () => ({ ...result('running'), id: null });
      const again = await runJob(job, { ...succeedsAfterOneCheck, 'Build model': (_p, n) => (n === 0 ? raise('TransientApiError') : result('running')), [look]: none });
      expect([again.status, again.calls.get('Build model')?.length]).toEqual(['SUCCEEDED', 2]);
      const never = await runJob(job, { 'Build model': () => raise('TransientApiError'), [look]: none });
      expect(never.error).toBe('TransientApiError');
      expect(never.calls.get('Build model')).toHaveLength(RETRY.transient.maxAttempts + 1);
      expect(never.calls.get(look)).toHaveLength(RETRY.transient.maxAttempts + 1);
    });
  });

  describe('report', () => {
    const job: JobSpec = { ...BASE, report: { ...call('report'), title: 'Fetch model report' } };

    it('makes the final decision when the final result asks for it', async () => {
      const needed = { summary: { reportNeeded: true } };
      const run = await runJob(job, {
        'Build model': () => result('running'),
        'Get model status': () => result('succeeded', needed),
        'Fetch model report': () => result('failed', { error: 'TooManyQuarantined' }),
      });
      expect([run.status, run.error]).toEqual(['FAILED', 'TooManyQuarantined']);
      expect(run.calls.get('Fetch model report')).toEqual([{ jobId: 'job-1' }]);
      expect(run.states.slice(-2)).toEqual(['Model report outcome', 'Model failed']);
    });

    it('is not called when the result does not ask for it', async () => {
      const run = await runJob(job, { ...succeedsAfterOneCheck, 'Fetch model report': () => raise('NotExpected') });
      expect([run.status, run.calls.has('Fetch model report')]).toEqual(['SUCCEEDED', false]);
    });
  });

  it('statusUpdatesId: each status answer names the job the next check asks about', async () => {
    const job: JobSpec = { ...BASE, statusUpdatesId: true };
    const run = await runJob(job, {
      'Build model': () => ({ ...result('running'), id: null }),
      'Get model status': (_p, n) => (n < 2 ? result('running', { id: `page-${n + 1}` }) : result('succeeded', { id: 'job-9' })),
    });
    expect(run.calls.get('Get model status')?.map((p) => p.jobId)).toEqual([null, 'page-1', 'page-2']);
    expect((run.output?.steps as { build: { id: string } }).build.id).toBe('job-9');
  });

  it('stop: stops the remote job on timeout, and a failed stop does not hide the timeout', async () => {
    const job: JobSpec = { ...BASE, stop: call('stop', { how: 'cancel' }) };
    const stuck = { 'Build model': () => result('running'), 'Get model status': () => result('running') };
    const stopped = await runJob(job, { ...stuck, 'Stop model': () => ({}) });
    expect([stopped.error, stopped.calls.get('Stop model')]).toEqual(['JobTimedOut', [{ how: 'cancel', jobId: 'job-1' }]]);
    const stopFailed = await runJob(job, { ...stuck, 'Stop model': () => raise('ApiRejected') });
    expect(stopFailed.error).toBe('JobTimedOut');
    // The stop descriptor travels with the job, for the cleaner of an execution that ends early.
    expect(build(job).definition.States['Build model']).toMatchObject({ ResultSelector: { stop: { FunctionName: expect.any(String), Payload: { how: 'cancel' } } } });
  });

  it('reportsNextCheck: the status call gets the bounds and the time waited, and its estimate is the next wait', async () => {
    const job: JobSpec = { ...BASE, status: { handler: { id: 'test/status', entry: '/dev/null', reportsNextCheck: true }, payload: {} } };
    const run = await runJob(job, {
      'Build model': () => result('running'),
      'Get model status': (_p, n) => (n === 0 ? { ...result('running'), nextCheckSeconds: 4 } : { ...result('succeeded'), nextCheckSeconds: null }),
    });
    expect(run.calls.get('Get model status')?.[0]).toEqual({ jobId: 'job-1', nextCheck: { minSeconds: 10, maxSeconds: 10, elapsedSeconds: 10, previous: null } });
    expect(run.states).toContain('Schedule model check from its progress');
  });

  it('rejects option combinations a synchronous job cannot run, naming the field', () => {
    const sync = { key: 'load', title: 'Load', subject: 'load', submit: call('submit') };
    expect(() => build({ ...sync, stop: call('stop') } as unknown as JobSpec)).toThrow('load.stop: needs status');
    expect(() => build({ ...sync, lostSubmit: { find: call('find') } })).toThrow('load.lostSubmit: needs status');
    expect(() => build({ ...sync, existingJob: { find: call('find'), trigger: 'beforeSubmit', policy: 'attach' } })).toThrow("load.existingJob.policy: 'attach' needs status");
    expect(() => build({ ...BASE, forEach: { title: 'Each', items: [], payloadField: 'x', maxConcurrency: 0 } })).toThrow(/build\.forEach\.items: .*; build\.forEach\.maxConcurrency: must be a whole number/);
    expect(() => build({ ...BASE, runIf: { inputFlag: 'not a field' } })).toThrow("build.runIf.inputFlag: 'not a field' is not a field name");
  });

  describe('slot', () => {
    it('takes a tenant job slot before submitting and gives it back before the terminal state', async () => {
      const run = await runJob(BASE, { ...succeedsAfterOneCheck, Acquire: () => ({}), Release: () => ({}) }, { slot: true });
      expect(run.states[0]).toBe('Acquire tenant job slot for model');
      expect(run.states.slice(-2)).toEqual(['Release tenant job slot (Model done)', 'Model done']);
      const failed = await runJob(BASE, { 'Build model': () => raise('AuthFailed'), Acquire: () => ({}), Release: () => ({}) }, { slot: true });
      expect(failed.states.slice(-2)).toEqual(['Release tenant job slot (Model request failed)', 'Model request failed']);
    });

    it('waits while the pool is full and gives up with SlotWaitTimedOut', async () => {
      const full = () => raise('DynamoDB.ConditionalCheckFailedException');
      const waited = await runJob(BASE, { ...succeedsAfterOneCheck, Acquire: (_p, n) => (n === 0 ? full() : {}), Check: full, Release: () => ({}) }, { slot: true });
      expect(waited.status).toBe('SUCCEEDED');
      expect(waited.states).toContain('Waiting for a tenant job slot for model');
      const never = await runJob(BASE, { ...succeedsAfterOneCheck, Acquire: full, Check: full }, { slot: true });
      expect([never.error, never.calls.has('Build model')]).toEqual(['SlotWaitTimedOut', false]);
    });

    it('with forEach, holds one slot per item', async () => {
      const job: JobSpec = { ...BASE, forEach: { title: 'Build models', items: ['a', 'b'], payloadField: 'source', maxConcurrency: 2 } };
      const run = await runJob(job, { ...succeedsAfterOneCheck, Acquire: () => ({}), Release: () => ({}) }, { slot: true });
      expect(run.calls.get('Acquire tenant job slot for model')).toHaveLength(2);
      expect(run.poller.slotWaitSeconds).toBeGreaterThan(0);
    });
  });
});
