/**
 * Target of the "execution ended early" EventBridge rule (ABORTED, TIMED_OUT, FAILED): reads the
 * execution's history and invokes the stop function of every remote job it left running, so
 * nothing keeps running unseen after a run is stopped in the console or fails halfway.
 *
 * Best effort and idempotent: a stop that fails is logged and the others still run; stopping a
 * job that has just finished is harmless for every supported system.
 *
 * With slot pools (JOB_SLOTS_TABLE, JOB_SLOT_POOLS) it then releases every tenant job slot the
 * execution still holds (./job-slots.ts): after the stops, so a slot frees only once its job
 * was told to stop, and even when reading the history failed, so a slot never stays held.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import type { FunctionInvoker, StepFunctionsReader } from '../shared/clients';
import { RETRYABLE_ERRORS } from '../shared/errors';
import { Logger } from '../shared/logger';
import { releaseExecutionSlots } from './job-slots';
import { readExecutionHistory, type ExecutionStatusChange } from '../shared/execution-history';
import { inFlightSubmits, knownJobIds, stopInFlightJobs, type InFlightJob } from './in-flight-jobs';
import { unfinishedJobs, type UnfinishedJob } from './unfinished-jobs';

export interface CleanupResult {
  readonly executionArn: string;
  readonly stopped: string[];
  readonly failed: Array<{ jobId: string; error: string }>;
  /** Tenant job slots released (holder ids), when the stack has slot pools. */
  readonly releasedSlots?: string[];
  /** Those of `stopped` whose submit was in flight, with their job key and Map item (when there are any). */
  readonly stoppedInFlight?: InFlightJob[];
}

/** Where the slot pools live (from the function's environment). */
export interface SlotTableEnvironment {
  readonly JOB_SLOTS_TABLE?: string;
  /** Comma-separated pool names. */
  readonly JOB_SLOT_POOLS?: string;
}

/** What the cleaner calls; each defaults to the SDK client (the local runner passes its own). */
export interface CleanupClients {
  readonly sfn?: StepFunctionsReader;
  readonly lambda?: FunctionInvoker;
  readonly dynamodb?: DynamoDBClient;
}

/** How the cleaner retries a stop or look the API answered with a transient error or a 429. */
export interface CleanupRetry {
  /** Calls per stop or look, the first included. @default 4 */
  readonly attempts?: number;
  /** Milliseconds before the first retry, doubled for each next one. @default 1000 */
  readonly delayMs?: number;
  /**
   * No retry starts once this many milliseconds of the invocation have passed, so the stops of
   * many hanging jobs still end well inside the 5-minute Lambda timeout and the slots are released. @default 120000
   */
  readonly budgetMs?: number;
}

export function createHandler(clients: CleanupClients = {}, env: SlotTableEnvironment = process.env, retry: CleanupRetry = {}) {
  const sfn: StepFunctionsReader = clients.sfn ?? new SFNClient({});
  // A stop or look that meets a 502 or a reset would otherwise leave its job running for good
  // (found by the chaos runs, #14): the cleaner tries again, bounded well inside its 5 minutes.
  const invocation = { startedAt: 0 };
  const lambda = retryingTransientErrors(clients.lambda ?? new LambdaClient({}), retry.attempts ?? 4, retry.delayMs ?? 1000, () => Date.now() - invocation.startedAt < (retry.budgetMs ?? 120_000));
  const logger = new Logger({ handler: 'cleanup/stop-unfinished-jobs' });
  const slotTable = env.JOB_SLOTS_TABLE;
  const slotPools = (env.JOB_SLOT_POOLS ?? '').split(',').filter(Boolean);
  const dynamodb = slotTable ? (clients.dynamodb ?? new DynamoDBClient({})) : undefined;

  /** Release the execution's slots; throws when some could not be released (EventBridge retries the event). */
  const releaseSlots = async (executionArn: string): Promise<string[]> => {
    if (!dynamodb || !slotTable) return [];
    const slots = await releaseExecutionSlots(dynamodb, slotTable, slotPools, executionArn);
    if (slots.released.length > 0) logger.info('released tenant job slots', { execution: executionArn, released: slots.released });
    if (slots.failed.length > 0) {
      logger.warn('some tenant job slots could not be released', { execution: executionArn, failed: slots.failed });
      throw new Error(`could not release ${slots.failed.length} tenant job slot(s) of ${executionArn}: ${slots.failed.map((f) => f.error).join('; ')}`);
    }
    return slots.released;
  };

  return async (event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>): Promise<CleanupResult> => {
    invocation.startedAt = Date.now();
    const { executionArn } = event.detail;
    let stopped: Omit<CleanupResult, 'releasedSlots'>;
    try {
      stopped = await stopJobs(event.detail);
    } catch (error) {
      await releaseSlots(executionArn);
      throw error;
    }
    const releasedSlots = await releaseSlots(executionArn);
    return dynamodb ? { ...stopped, releasedSlots } : stopped;
  };

  async function stopJobs({ executionArn, stateMachineArn, status }: ExecutionStatusChange): Promise<CleanupResult> {
    const history = await readExecutionHistory(sfn, executionArn);
    const states = history.states.map((state) => state.data);
    const jobs = unfinishedJobs(states);
    logger.info('execution ended early', { execution: executionArn, status, unfinishedJobs: jobs.map((j) => j.jobId) });
    const result: { -readonly [K in keyof CleanupResult]: CleanupResult[K] } = { executionArn, stopped: [], failed: [] };
    for (const job of jobs) {
      const error = await stop(lambda, job);
      if (error) {
        // One line per refused stop, with what a person needs to stop the job by hand.
        logger.error('stop call refused: the remote job may still be running', { execution: executionArn, status, jobId: job.jobId, stopFunction: job.FunctionName, error });
        result.failed.push({ jobId: job.jobId, error });
      } else result.stopped.push(job.jobId);
    }
    // Jobs whose submit was in flight when the run ended (./in-flight-jobs.ts).
    const submits = inFlightSubmits(history.scheduled);
    if (submits.length > 0 && history.startedAt) {
      const others = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 10 }));
      const running = (others.executions ?? []).filter((e) => e.executionArn !== executionArn).map((e) => e.executionArn);
      if (running.length > 0) {
        logger.warn('not looking for jobs whose submit was in flight: other executions run and may hold jobs of the same configurations', { execution: executionArn, running });
      } else {
        const inFlight = await stopInFlightJobs(submits, knownJobIds(states), history.startedAt, (name, payload) => invokeOrThrow(lambda, name, payload));
        if (inFlight.stopped.length > 0) logger.info('stopped jobs whose submit was in flight', { execution: executionArn, stopped: inFlight.stopped });
        result.stopped.push(...inFlight.stopped.map((job) => job.jobId));
        if (inFlight.stopped.length > 0) result.stoppedInFlight = inFlight.stopped;
        result.failed.push(...inFlight.failed.map((job) => ({ jobId: job.jobId, error: job.error ?? '' })));
      }
    }
    if (result.failed.length > 0) logger.warn('some jobs could not be stopped', { execution: result.executionArn, ...result });
    return result;
  }
}

/** Errors of a function answer that another call may not meet (the handlers' retryable names). */
const RETRYABLE = new Set<string>([...RETRYABLE_ERRORS.transient, ...RETRYABLE_ERRORS.rateLimited, ...RETRYABLE_ERRORS.tokenExpired]);

function retryingTransientErrors(lambda: FunctionInvoker, attempts: number, delayMs: number, withinBudget: () => boolean): FunctionInvoker {
  return {
    send: async (command: InvokeCommand) => {
      for (let attempt = 1; ; attempt += 1) {
        const answer = await lambda.send(command);
        if (!answer.FunctionError || attempt >= attempts || !RETRYABLE.has(errorTypeOf(answer.Payload)) || !withinBudget()) return answer;
        await new Promise((resolve) => setTimeout(resolve, delayMs * 2 ** (attempt - 1)));
      }
    },
  };
}

function errorTypeOf(payload: Uint8Array | undefined): string {
  try {
    return String((JSON.parse(new TextDecoder().decode(payload)) as { errorType?: unknown }).errorType ?? '');
  } catch {
    return '';
  }
}

/** Invoke one stop function; the error text when it failed. */
async function stop(lambda: FunctionInvoker, job: UnfinishedJob): Promise<string | undefined> {
  try {
    const answer = await lambda.send(
      new InvokeCommand({ FunctionName: job.FunctionName, Payload: new TextEncoder().encode(JSON.stringify(job.Payload)) }),
    );
    if (!answer.FunctionError) return undefined;
    const body = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
    return `${answer.FunctionError}: ${body.slice(0, 500)}`;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

/** Invoke a function and answer its result; a function error throws. */
async function invokeOrThrow(lambda: FunctionInvoker, functionName: string, payload: unknown): Promise<unknown> {
  const answer = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
  const body = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
  if (answer.FunctionError) throw Object.assign(new Error(body.slice(0, 500)), { name: answer.FunctionError });
  return body ? JSON.parse(body) : null;
}

let handlerInstance: ReturnType<typeof createHandler> | undefined;
export const handler = (event: Parameters<ReturnType<typeof createHandler>>[0]) => (handlerInstance ??= createHandler())(event);
