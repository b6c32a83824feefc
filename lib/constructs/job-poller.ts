/**
 * The one polling loop every system uses:
 *
 *   <title> (submit) ─► <Subject> status? ─ running ─► Schedule next <subject> check ─► Wait for <subject>
 *                          ▲                                                               │
 *                          └──────────────────── Get <subject> status ◄────────────────────┘
 *                       ├─ succeeded ─► <Subject> done ─► next step
 *                       ├─ failed ────► <Subject> failed        (Fail: remote reason + message)
 *                       └─ out of polls ► [Stop <subject>] ─► <Subject> timed out (Fail: JobTimedOut)
 *
 * Handlers return `{ id, state, outcome, error, cause, summary }`; the loop only reads `outcome`,
 * so provider knowledge stays in the handlers. Waits and the timeout come from `waitSchedule`.
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { RETRYABLE_ERRORS } from '../../lambdas/shared/errors';
import type { Polling, Retry } from '../config/common';
import { waitSchedule, type WaitSchedule } from '../polling/wait-schedule';
import type { HandlerCall, JobSpec } from '../providers/job-spec';
import { capitalize, lowerFirst } from './names';

/** Where a job's state lives in the execution's data while it runs. */
export const JOB_PATH = '$.job';

export interface JobPollerProps {
  readonly job: JobSpec;
  /** Resolves a handler id to the pipeline's deployed function. */
  readonly functionFor: (call: HandlerCall) => IFunction;
  /** Lambda timeout of a handler, so the task timeout can sit just above it. */
  readonly timeoutFor: (call: HandlerCall) => Duration;
  readonly polling: Polling;
  readonly retry: Retry;
}

/** State names of one job, recorded in the template so tools can follow an execution. */
export interface JobStateNames {
  readonly submit: string;
  readonly status?: string;
  readonly wait?: string;
  readonly done: string;
  readonly failed: string;
  readonly requestFailed: string;
  readonly timedOut?: string;
  readonly skipped?: string;
}

export class JobPoller extends sfn.StateMachineFragment {
  readonly startState: sfn.State;
  readonly endStates: sfn.INextable[];
  readonly stateNames: JobStateNames;
  readonly schedule?: WaitSchedule;

  constructor(scope: Construct, id: string, private readonly props: JobPollerProps) {
    super(scope, id);
    const { job } = props;
    const Subject = capitalize(job.subject);

    const requestFailed = new sfn.Fail(this, 'RequestFailed', {
      stateName: `${Subject} request failed`,
      comment: `${job.title}: the API call failed (auth, not found, rejected, malformed answer, or retries used up).`,
      errorPath: '$.failure.Error',
      causePath: '$.failure.Cause',
    });
    const failed = new sfn.Fail(this, 'Failed', {
      stateName: `${Subject} failed`,
      comment: `${job.title}: the remote job ended unsuccessfully; error and cause come from the remote system.`,
      errorPath: `${JOB_PATH}.status.error`,
      causePath: `${JOB_PATH}.status.cause`,
    });
    const done = new sfn.Pass(this, 'Done', {
      stateName: `${Subject} done`,
      comment: `Records the job's id, final state and poll count at $.steps.${job.key}.`,
      parameters: {
        'id.$': `${JOB_PATH}.id`,
        'state.$': `${JOB_PATH}.status.state`,
        'polls.$': `${JOB_PATH}.poll.count`,
        'summary.$': `${JOB_PATH}.status.summary`,
      },
      resultPath: `$.steps.${job.key}`,
    });

    const submit = this.invoke('Submit', job.title, job.submit, {
      id: sfn.JsonPath.stringAt('$.Payload.id'),
      status: statusSelector(),
      poll: { count: 0, wait: 0 },
    }, JOB_PATH, requestFailed);

    const outcome = new sfn.Choice(this, 'Outcome', {
      stateName: `${Subject} status`,
      comment: `Routes on the outcome the handler derived from the remote state.`,
    })
      .when(sfn.Condition.stringEquals(`${JOB_PATH}.status.outcome`, 'succeeded'), done)
      .when(sfn.Condition.stringEquals(`${JOB_PATH}.status.outcome`, 'failed'), failed);
    submit.next(outcome);

    let names: JobStateNames = { submit: job.title, done: done.stateId, failed: failed.stateId, requestFailed: requestFailed.stateId };
    if (job.status) {
      const loop = this.pollingLoop(job, Subject, outcome, requestFailed);
      this.schedule = loop.schedule;
      names = { ...names, status: loop.statusName, wait: loop.waitName, timedOut: loop.timedOutName };
    } else {
      // A synchronous API: the submit answer is final, anything but success fails the step.
      outcome.otherwise(failed);
    }

    if (job.runIf) {
      const skip = new sfn.Pass(this, 'Skip', {
        stateName: `Skip ${lowerFirst(job.title)}`,
        comment: `Execution input field '${job.runIf.inputFlag}' is not true.`,
      });
      const flag = `$.${job.runIf.inputFlag}`;
      this.startState = new sfn.Choice(this, 'RunIf', {
        stateName: `Decide whether to ${lowerFirst(job.title)}`,
        comment: `Runs '${job.title}' only when the execution input has ${job.runIf.inputFlag}: true.`,
      })
        .when(sfn.Condition.and(sfn.Condition.isPresent(flag), sfn.Condition.booleanEquals(flag, true)), submit)
        .otherwise(skip);
      this.endStates = [done, skip];
      names = { ...names, skipped: skip.stateId };
    } else {
      this.startState = submit;
      this.endStates = [done];
    }
    this.stateNames = names;
  }

  private pollingLoop(job: JobSpec, Subject: string, outcome: sfn.Choice, requestFailed: sfn.Fail) {
    const schedule = waitSchedule(this.props.polling);
    const count = `${JOB_PATH}.poll.count`;

    const wait = new sfn.Wait(this, 'Wait', {
      stateName: `Wait for ${job.subject}`,
      comment: `Waits ${schedule.growing.join(', ')} s, then ${schedule.steady} s between checks (${schedule.maxPolls} checks at most).`,
      time: sfn.WaitTime.secondsPath(`${JOB_PATH}.poll.wait`),
    });
    const grow = new sfn.Pass(this, 'Backoff', {
      stateName: `Schedule next ${job.subject} check`,
      comment: 'Waits grow by the backoff rate: the schedule is computed at synth time and indexed by the poll count.',
      parameters: {
        'count.$': `States.MathAdd(${count}, 1)`,
        'wait.$': `States.ArrayGetItem(States.Array(${schedule.growing.join(', ')}), ${count})`,
      },
      resultPath: `${JOB_PATH}.poll`,
    });
    const steady = new sfn.Pass(this, 'Steady', {
      stateName: `Schedule ${job.subject} check at max interval`,
      parameters: { 'count.$': `States.MathAdd(${count}, 1)`, wait: schedule.steady },
      resultPath: `${JOB_PATH}.poll`,
    });
    const timedOut = new sfn.Fail(this, 'TimedOut', {
      stateName: `${Subject} timed out`,
      comment: `Still running after ${this.props.polling.timeoutMinutes} minutes (${schedule.maxPolls} checks).`,
      error: 'JobTimedOut',
      cause: `${job.title} did not finish within ${this.props.polling.timeoutMinutes} minutes (${schedule.maxPolls} status checks).`,
    });
    const onTimeout: sfn.IChainable = job.stop ? this.stopThen(job, timedOut) : timedOut;

    const status = this.invoke('Status', `Get ${job.subject} status`, job.status!, statusSelector(), `${JOB_PATH}.status`, requestFailed, {
      jobId: sfn.JsonPath.stringAt(`${JOB_PATH}.id`),
    });

    outcome
      .when(sfn.Condition.numberGreaterThanEquals(count, schedule.maxPolls), onTimeout)
      .when(sfn.Condition.numberLessThan(count, schedule.growing.length), grow)
      .otherwise(steady);
    grow.next(wait);
    steady.next(wait);
    wait.next(status);
    status.next(outcome);

    return { schedule, statusName: status.stateId, waitName: wait.stateId, timedOutName: timedOut.stateId };
  }

  /** Best effort: a failed stop must not hide the timeout, so every error continues to the Fail. */
  private stopThen(job: JobSpec, timedOut: sfn.Fail): sfn.IChainable {
    const stop = new tasks.LambdaInvoke(this, 'Stop', {
      stateName: `Stop ${job.subject}`,
      comment: 'Stops the remote job so nothing keeps running unseen after the timeout.',
      lambdaFunction: this.props.functionFor(job.stop!),
      payload: sfn.TaskInput.fromObject({ ...job.stop!.payload, jobId: sfn.JsonPath.stringAt(`${JOB_PATH}.id`) }),
      resultPath: sfn.JsonPath.DISCARD,
      taskTimeout: sfn.Timeout.duration(this.props.timeoutFor(job.stop!).plus(Duration.seconds(10))),
    });
    stop.addCatch(timedOut, { errors: ['States.ALL'], resultPath: '$.stopFailure' });
    return stop.next(timedOut);
  }

  private invoke(
    id: string,
    stateName: string,
    call: HandlerCall,
    resultSelector: Record<string, unknown>,
    resultPath: string,
    onError: sfn.IChainable,
    extraPayload: Record<string, unknown> = {},
  ): tasks.LambdaInvoke {
    const { rateLimited, transient } = this.props.retry;
    const task = new tasks.LambdaInvoke(this, id, {
      stateName,
      lambdaFunction: this.props.functionFor(call),
      payload: sfn.TaskInput.fromObject({ ...call.payload, ...extraPayload }),
      resultSelector,
      resultPath,
      taskTimeout: sfn.Timeout.duration(this.props.timeoutFor(call).plus(Duration.seconds(10))),
    });
    task.addRetry({
      errors: [...RETRYABLE_ERRORS.rateLimited],
      interval: Duration.seconds(rateLimited.intervalSeconds),
      maxAttempts: rateLimited.maxAttempts,
      backoffRate: rateLimited.backoffRate,
      maxDelay: Duration.minutes(5),
      jitterStrategy: sfn.JitterType.FULL,
    });
    task.addRetry({
      errors: [...RETRYABLE_ERRORS.transient],
      interval: Duration.seconds(transient.intervalSeconds),
      maxAttempts: transient.maxAttempts,
      backoffRate: transient.backoffRate,
      maxDelay: Duration.minutes(5),
      jitterStrategy: sfn.JitterType.FULL,
    });
    task.addCatch(onError, { errors: ['States.ALL'], resultPath: '$.failure' });
    return task;
  }
}

/** The handler's answer, as kept at `$.job.status`. */
function statusSelector(): Record<string, string> {
  return {
    state: sfn.JsonPath.stringAt('$.Payload.state'),
    outcome: sfn.JsonPath.stringAt('$.Payload.outcome'),
    error: sfn.JsonPath.stringAt('$.Payload.error'),
    cause: sfn.JsonPath.stringAt('$.Payload.cause'),
    summary: sfn.JsonPath.stringAt('$.Payload.summary'),
  };
}
