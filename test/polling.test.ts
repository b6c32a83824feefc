/**
 * The polling loop on its own: a JobPoller synthesized into a bare state machine and executed by
 * aws-local-stepfunctions with scripted status answers, so every wait the ASL chooses can be
 * read from the history (no HTTP, no provider). Covers the elapsed-proportional schedule, the
 * waited-seconds timeout and a status handler that names the next wait from the job's progress.
 */
import '../lib/local/polyfill';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import aslValidator from 'asl-validator';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { clampWait, nextCheckFromPace, progressMark, progressShare, withNextCheck, type NextCheckRequest } from '../lambdas/shared/next-check';
import { running } from '../lambdas/shared/job-result';
import type { Polling } from '../lib/config/common';
import { splitTaskContext } from '../lib/contract/task-context';
import { JobPoller } from '../lib/constructs/job-poller';
import { allStates, flatten, type AslDefinition } from '../lib/local/synthesized';
import { checkTimes, waitSchedule } from '../lib/polling/wait-schedule';
import type { JobSpec } from '../lib/providers/job-spec';

const RETRY = { rateLimited: { intervalSeconds: 1, maxAttempts: 1, backoffRate: 1 }, transient: { intervalSeconds: 1, maxAttempts: 1, backoffRate: 1 } };

function loopDefinition(polling: Polling, reportsNextCheck: boolean): AslDefinition {
  const stack = new Stack(new App(), 'PollingTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const fn = LambdaFunction.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:us-east-1:123456789012:function:handler');
  const job: JobSpec = {
    key: 'build',
    title: 'Build model',
    subject: 'model',
    submit: { handler: { id: 'test/submit', entry: '/dev/null' }, payload: {} },
    status: { handler: { id: 'test/status', entry: '/dev/null', reportsNextCheck }, payload: {} },
  };
  const poller = new JobPoller(stack, 'Build', { job, pipelineName: 'models', functionFor: () => fn, timeoutFor: () => Duration.seconds(30), polling, retry: RETRY });
  const machine = new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(poller) });
  const definition = stack.resolve((machine.node.defaultChild as sfn.CfnStateMachine).definitionString);
  return JSON.parse(flatten(definition)) as AslDefinition;
}

interface LoopRun {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly error?: string;
  /** Seconds of every Wait, in order. */
  readonly waits: number[];
  /** The payloads the status task sent. */
  readonly statusPayloads: Array<Record<string, unknown>>;
  readonly states: string[];
}

/**
 * Runs the loop: the remote job "finishes" `finishAt` seconds after submission (on the Waits'
 * clock); `answer` may add fields to a running status answer (e.g. nextCheckSeconds).
 */
async function runLoop(definition: AslDefinition, finishAt: number, answer: (payload: Record<string, unknown>) => Record<string, unknown> = () => ({})): Promise<LoopRun> {
  let clock = 0;
  const waits: number[] = [];
  const statusPayloads: Array<Record<string, unknown>> = [];
  const result = (outcome: 'running' | 'succeeded') => ({ id: 'job-1', state: outcome.toUpperCase(), outcome, error: null, cause: null, summary: null });
  const machine = new StateMachine(structuredClone(definition) as never, { validationOptions: { checkPaths: true, checkArn: true } });
  const waitStates = allStates(definition).filter(([, s]) => s.Type === 'Wait').map(([name]) => name);
  const execution = machine.run({} as never, {
    // Every task's payload names the execution and state (the library has no $$.State).
    context: { Execution: { Id: 'arn:aws:states:us-east-1:123456789012:execution:Machine:run-1' }, State: { Name: 'a state' } } as never,
    overrides: {
      // 1 ms, not 0: a real timer tick lets the event consumer below move the clock first.
      waitTimeOverrides: Object.fromEntries(waitStates.map((name) => [name, 1])),
      taskResourceLocalHandlers: {
        'Build model': async () => ({ Payload: result('running') }),
        'Get model status': async (input: unknown) => {
          const payload = splitTaskContext((input as { Payload: Record<string, unknown> }).Payload).event as Record<string, unknown>;
          statusPayloads.push(payload);
          // An estimating handler answers nextCheckSeconds every time (null once the job is over).
          const final = 'nextCheck' in payload ? { ...result('succeeded'), nextCheckSeconds: null } : result('succeeded');
          return { Payload: clock >= finishAt ? final : { ...result('running'), ...answer(payload) } };
        },
      } as never,
    },
  });
  const states: string[] = [];
  const consume = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type !== 'StateEntered') continue;
      states.push(event.state.name);
      if (event.state.type === 'Wait') {
        const seconds = (event.state.input as { job: { poll: { wait: number } } }).job.poll.wait;
        waits.push(seconds);
        clock += seconds;
      }
    }
  })();
  let status: LoopRun['status'] = 'SUCCEEDED';
  let error: string | undefined;
  try {
    await execution.result;
  } catch (failure) {
    status = 'FAILED';
    error = ((failure as { cause?: { name?: string } }).cause?.name ?? (failure as Error).name) || undefined;
  }
  await consume;
  return { status, error, waits, statusPayloads, states };
}

const DEFAULTS: Polling = { initialIntervalSeconds: 5, maxIntervalSeconds: 300, backoffRate: 1.1, timeoutMinutes: 120, learnFromHistory: false };

describe('the polling loop', () => {
  it('waits as the schedule says: 10 % of the time so far, 5 s to 300 s', async () => {
    const definition = loopDefinition(DEFAULTS, false);
    const run = await runLoop(definition, 3600);
    const expected = checkTimes(waitSchedule(DEFAULTS), 3600);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.waits.reduce((at, w, i) => [...at, (at[i - 1] ?? 0) + w], [] as number[])).toEqual(expected);
    expect(run.waits.at(-1)).toBe(300);
    // An estimating handler is not asked for one unless its HandlerRef says so.
    expect(run.statusPayloads[0]).toEqual({ jobId: 'job-1' });
    expect(JSON.stringify(definition)).not.toContain('nextCheck');
  });

  it('times out when the waits add up to the timeout, after the same checks as the schedule counts', async () => {
    const polling = { ...DEFAULTS, timeoutMinutes: 10 };
    const run = await runLoop(loopDefinition(polling, false), Infinity);
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('JobTimedOut');
    expect(run.statusPayloads).toHaveLength(waitSchedule(polling).maxPolls);
    expect(run.waits.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(600);
    expect(run.waits.slice(0, -1).reduce((a, b) => a + b, 0)).toBeLessThan(600);
  });

  it('waits as long as an estimating status handler says, and follows the schedule when it has no estimate', async () => {
    const definition = loopDefinition(DEFAULTS, true);
    expect(aslValidator(structuredClone(definition) as never, { checkPaths: true, checkArn: true }).isValid).toBe(true);
    // A 20-minute job that queues for 60 s, then reports linear progress: the handler keeps each
    // reading in the summary and estimates from the pace between the last two.
    const run = await runLoop(definition, 1200, (payload) => {
      const request = payload.nextCheck as NextCheckRequest;
      const done = request.elapsedSeconds < 60 ? null : (request.elapsedSeconds - 60) / 1140;
      return { summary: progressMark(done, request), nextCheckSeconds: nextCheckFromPace(done, request) };
    });
    expect(run.status).toBe('SUCCEEDED');
    // The handler gets the pipeline's bounds, the time waited so far, and the previous answer's summary.
    expect(run.statusPayloads[0]).toEqual({ jobId: 'job-1', nextCheck: { minSeconds: 5, maxSeconds: 300, elapsedSeconds: 5, previous: null } });
    expect(run.statusPayloads.at(-1)!.nextCheck).toMatchObject({ previous: { progressDone: expect.any(Number), progressAtSeconds: expect.any(Number) } });
    // The schedule until two readings give a pace (the checks at 60 and 66 s, while it queues the
    // share is unknown), then the remaining 1134 s at that pace, in waits of at most 300 s.
    expect(run.waits).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 300, 300, 300, 234]);
    expect(run.waits.reduce((a, b) => a + b, 0)).toBe(1200);
    expect(run.states).toContain('Schedule model check from its progress');
    // The schedule alone checks 45 times for the same job.
    expect(checkTimes(waitSchedule(DEFAULTS), 1200)).toHaveLength(45);
  });

  it('keeps the timeout a budget of seconds when estimates are short', async () => {
    const polling = { ...DEFAULTS, timeoutMinutes: 2 };
    const run = await runLoop(loopDefinition(polling, true), Infinity, () => ({ nextCheckSeconds: 7 }));
    expect(run.error).toBe('JobTimedOut');
    // 5 s (the submit answer has no estimate), then 7 s waits: 5 + 17 × 7 = 124 ≥ 120 s, 18 checks.
    expect(run.waits).toEqual([5, ...Array<number>(17).fill(7)]);
    expect(run.statusPayloads).toHaveLength(18);
  });
});

describe('next-check estimates', () => {
  const request = { minSeconds: 5, maxSeconds: 300, elapsedSeconds: 120 };

  it('extrapolate the remaining time from the pace between two readings, clamped to the pipeline intervals', () => {
    // 40 % done 60 s ago, 50 % now: 10 % a minute, so the other half takes 300 s.
    const at = (elapsedSeconds: number, previous: NextCheckRequest['previous']) => ({ ...request, elapsedSeconds, previous });
    expect(nextCheckFromPace(0.5, at(120, { progressDone: 0.4, progressAtSeconds: 60 }))).toBe(300);
    expect(nextCheckFromPace(0.9, at(120, { progressDone: 0.6, progressAtSeconds: 60 }))).toBe(20);
    expect(nextCheckFromPace(0.999, at(120, { progressDone: 0.5, progressAtSeconds: 60 }))).toBe(5);
    expect(nextCheckFromPace(0.2, at(120, { progressDone: 0.1, progressAtSeconds: 60 }))).toBe(300);
    // One reading is not a pace: a job that queued before it started would be checked late.
    expect(nextCheckFromPace(0.5, at(120, null))).toBeNull();
    expect(nextCheckFromPace(0.5, at(120, { progressDone: null, progressAtSeconds: null }))).toBeNull();
    // No progress since, progress that restarted, finished, unknown: follow the schedule.
    for (const previousDone of [0.5, 0.7]) expect(nextCheckFromPace(0.5, at(120, { progressDone: previousDone, progressAtSeconds: 60 }))).toBeNull();
    for (const unknown of [null, undefined, 1, Number.NaN]) expect(nextCheckFromPace(unknown, at(120, { progressDone: 0.4, progressAtSeconds: 60 }))).toBeNull();
    expect(nextCheckFromPace(0.5, undefined)).toBeNull();
    expect(clampWait(12.2, request)).toBe(13);
  });

  it('keep the reading in the summary for the next check', () => {
    expect(progressMark(0.25, request)).toEqual({ progressDone: 0.25, progressAtSeconds: 120 });
    expect(progressMark(null, request)).toEqual({});
    expect(progressMark(0.25, undefined)).toEqual({});
  });

  it('read the share from progress counters or a percentage in the message', () => {
    expect(progressShare({ message: 'Computing and uploading recommendations', n_total: 44, n_processed: 11 })).toBe(0.25);
    expect(progressShare('uploading 95%')).toBe(0.95);
    expect(progressShare({ message: 'recalibrated 50% of item popularity scores' })).toBe(0.5);
    expect(progressShare({ message: 'trained model 38c6744c' })).toBeNull();
    expect(progressShare(null)).toBeNull();
  });

  it('travel with the job result', () => {
    expect(withNextCheck(running('t1', 'RUNNING'), 40)).toEqual({ id: 't1', state: 'RUNNING', outcome: 'running', error: null, cause: null, summary: null, nextCheckSeconds: 40 });
  });
});
