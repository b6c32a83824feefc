/**
 * What every feature of a JobPoller builds with: the scope its states belong to, the job, the
 * fields each call of a fan-out item gets, and `invoke` — a handler call with the pipeline's
 * retries. Features add states through it, so every task gets the same retries and timeout.
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { RETRYABLE_ERRORS } from '../../contract/errors';
import type { Polling, Retry } from '../../config/common';
import type { StopDescriptor } from '../../contract/stop';
import { TASK_CONTEXT_FIELD, type TaskContext } from '../../contract/task-context';
import type { HandlerCall, JobSpec } from '../../providers/job-spec';
import type { SlotPoolRef } from '../job-slots';
import { DURATIONS_PATH, type StepDurationsRef } from '../step-durations';
import { LEARNED_POLLING_FIELD } from '../../contract/step-durations';
import { lambdaTask } from '../lambda-task';
import { capitalize } from '../names';

/** Where a job's state lives in the execution's data while it runs. */
export const JOB_PATH = '$.job';

/** Longest wait between retries of a call (and between submits after a lost answer). */
export const MAX_RETRY_DELAY_MINUTES = 5;

export interface JobPollerProps {
  readonly job: JobSpec;
  /** The pipeline's name: every handler call carries it (with the execution and state) for its log lines. */
  readonly pipelineName: string;
  /** Resolves a handler id to the pipeline's deployed function. */
  readonly functionFor: (call: HandlerCall) => IFunction;
  /** Lambda timeout of a handler, so the task timeout can sit just above it. */
  readonly timeoutFor: (call: HandlerCall) => Duration;
  /** Waits between status checks and the job's timeout (lib/polling/wait-schedule.ts). */
  readonly polling: Polling;
  /** Retries of rate-limited and transient API errors, for every call the job makes. */
  readonly retry: Retry;
  /**
   * The pipeline's slot pool: every run of the job holds one of its slots.
   * @default no slot: the job is limited only by its own Map concurrency
   */
  readonly slot?: SlotPoolRef;
  /**
   * The stack's step-durations table: the job's submit and status checks are placed from its last
   * successful durations (lib/constructs/step-durations.ts). Polled jobs only.
   * @default no history: the wait schedule alone
   */
  readonly durations?: StepDurationsRef;
}

/** How one handler call is made. */
export interface InvokeOptions {
  /** Maps the Lambda answer to what the state data keeps. */
  readonly resultSelector: Record<string, unknown>;
  readonly resultPath: string;
  /** Fields added to the call's static payload. @default the item field of a fan-out only */
  readonly extraPayload?: Record<string, unknown>;
  /** Where every error not retried goes (`$.failure` holds it). @default none: the caller catches */
  readonly onError?: sfn.IChainable;
  /** Retry TransientApiError; off when the caller handles it. @default true */
  readonly retryTransient?: boolean;
}

export class JobContext {
  readonly job: JobSpec;
  /** The subject as a state name starts: "Record clusters". */
  readonly Subject: string;
  /** In a fan-out each Map iteration's input is `{ item }`: the item goes into every call. */
  readonly itemPayload: Record<string, unknown>;
  /** How to stop the job, kept with it at `$.job.stop` for the cleaner of an execution that ends early. */
  readonly stopDescriptor: StopDescriptor | null;

  constructor(
    /** The JobPoller: every state of the job belongs to it. */
    readonly scope: Construct,
    readonly props: JobPollerProps,
  ) {
    const { job } = props;
    this.job = job;
    this.Subject = capitalize(job.subject);
    this.itemPayload = job.forEach ? { [job.forEach.payloadField]: sfn.JsonPath.stringAt('$.item') } : {};
    this.stopDescriptor = job.stop
      ? { FunctionName: props.functionFor(job.stop).functionArn, Payload: { ...job.stop.payload }, ItemField: job.forEach?.payloadField ?? null }
      : null;
  }

  /** The job learns from its durations: a polled job in a pipeline with a step-durations table. */
  get learns(): boolean {
    return this.props.durations !== undefined && this.job.status !== undefined;
  }

  /**
   * The `learnedPolling` payload field of a submit (`elapsed` 0) or status call (`elapsed` the path
   * of the seconds waited, `lastWait` of the wait before the check): the item read before the
   * submit and the pipeline's polling.
   */
  learnedPayload(elapsed: number | string, lastWait?: string): Record<string, unknown> {
    if (!this.learns) return {};
    const { initialIntervalSeconds, maxIntervalSeconds, backoffRate, timeoutMinutes } = this.props.polling;
    return {
      [LEARNED_POLLING_FIELD]: {
        stored: sfn.JsonPath.objectAt(DURATIONS_PATH),
        elapsedSeconds: typeof elapsed === 'number' ? elapsed : sfn.JsonPath.numberAt(elapsed),
        ...(lastWait ? { lastWaitSeconds: sfn.JsonPath.numberAt(lastWait) } : {}),
        initialIntervalSeconds,
        maxIntervalSeconds,
        backoffRate,
        timeoutSeconds: timeoutMinutes * 60,
      },
    };
  }

  /** The timeout of a task calling `call`: just above its Lambda's. */
  taskTimeout(call: HandlerCall): sfn.Timeout {
    return sfn.Timeout.duration(this.props.timeoutFor(call).plus(Duration.seconds(10)));
  }

  /**
   * A handler call's payload: `fields` plus the task context (execution ARN, state name, pipeline),
   * which the handler frame logs with every line (lib/contract/task-context.ts).
   */
  taskPayload(fields: Record<string, unknown>): sfn.TaskInput {
    const context: Record<keyof TaskContext, string> = {
      execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
      state: sfn.JsonPath.stringAt('$$.State.Name'),
      pipeline: this.props.pipelineName,
    };
    return sfn.TaskInput.fromObject({ ...fields, [TASK_CONTEXT_FIELD]: context });
  }

  /** A handler call with the pipeline's retries (rate limits, transient errors, an expired token). */
  invoke(id: string, stateName: string, call: HandlerCall, options: InvokeOptions): tasks.LambdaInvoke {
    const { rateLimited, transient } = this.props.retry;
    const task = lambdaTask(this.scope, id, {
      stateName,
      lambdaFunction: this.props.functionFor(call),
      payload: this.taskPayload({ ...call.payload, ...(options.extraPayload ?? this.itemPayload) }),
      resultSelector: options.resultSelector,
      resultPath: options.resultPath,
      taskTimeout: this.taskTimeout(call),
    });
    task.addRetry({
      errors: [...RETRYABLE_ERRORS.rateLimited],
      interval: Duration.seconds(rateLimited.intervalSeconds),
      maxAttempts: rateLimited.maxAttempts,
      backoffRate: rateLimited.backoffRate,
      maxDelay: Duration.minutes(MAX_RETRY_DELAY_MINUTES),
      jitterStrategy: sfn.JitterType.FULL,
    });
    if (options.retryTransient !== false) {
      task.addRetry({
        errors: [...RETRYABLE_ERRORS.transient],
        interval: Duration.seconds(transient.intervalSeconds),
        maxAttempts: transient.maxAttempts,
        backoffRate: transient.backoffRate,
        maxDelay: Duration.minutes(MAX_RETRY_DELAY_MINUTES),
        jitterStrategy: sfn.JitterType.FULL,
      });
    }
    // The handler dropped the expired token before throwing: the retry makes a fresh one at once.
    task.addRetry({ errors: [...RETRYABLE_ERRORS.tokenExpired], interval: Duration.seconds(1), maxAttempts: 2, backoffRate: 1 });
    if (options.onError) task.addCatch(options.onError, { errors: ['States.ALL'], resultPath: '$.failure' });
    return task;
  }
}

/**
 * A submit-like answer, as kept at `$.job`: id, status, a fresh poll counter and, for stoppable
 * jobs, how to stop it (read from the history by the cleaner when an execution ends early).
 */
export function jobSelector(stop: StopDescriptor | null, learned = false): Record<string, unknown> {
  return { id: sfn.JsonPath.stringAt('$.Payload.id'), status: statusSelector(learned ? '$.Payload.nextCheckSeconds' : undefined, learned), poll: { count: 0, wait: 0, waited: 0 }, stop };
}

/**
 * The handler's answer, as kept at `$.job.status`: with `nextCheckSeconds` for estimating
 * handlers and calls given the step's history, and `durations` (the history to store) for the latter.
 */
export function statusSelector(nextCheckSeconds?: string, learned = false): Record<string, unknown> {
  return {
    state: sfn.JsonPath.stringAt('$.Payload.state'),
    outcome: sfn.JsonPath.stringAt('$.Payload.outcome'),
    error: sfn.JsonPath.stringAt('$.Payload.error'),
    cause: sfn.JsonPath.stringAt('$.Payload.cause'),
    summary: sfn.JsonPath.stringAt('$.Payload.summary'),
    ...(nextCheckSeconds ? { nextCheckSeconds: sfn.JsonPath.numberAt(nextCheckSeconds) } : {}),
    ...(learned ? { durations: sfn.JsonPath.stringAt('$.Payload.durations') } : {}),
  };
}
