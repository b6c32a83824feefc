/**
 * A job's timeout: the polling loop enters it once the waits add up to `polling.timeoutMinutes`
 * (a budget of waited seconds, see lib/polling/wait-schedule.ts). With a `stop` call the remote job
 * is stopped first, best effort, so nothing keeps running unseen; then the run fails JobTimedOut.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RETRYABLE_ERRORS, errorName } from '../../contract/errors';
import type { WaitSchedule } from '../../polling/wait-schedule';
import type { HandlerCall, PolledJob } from '../../providers/job-spec';
import { lambdaTask } from '../lambda-task';
import { JOB_PATH, type JobContext } from './job-context';
import type { JobEnds } from './job-ends';

/** The states a timed-out job goes through: `[Stop <subject>] ─► <Subject> timed out`. */
export function timeoutStates(ctx: JobContext, job: PolledJob, ends: JobEnds, schedule: WaitSchedule, estimates: boolean): { entry: sfn.IChainable; timedOut: sfn.Fail } {
  const { timeoutMinutes } = ctx.props.polling;
  const timedOut = new sfn.Fail(ctx.scope, 'TimedOut', {
    stateName: `${ctx.Subject} timed out`,
    comment: `Still running after ${timeoutMinutes} minutes (${schedule.maxPolls} checks).`,
    error: errorName('JobTimedOut'),
    cause: estimates
      ? `${job.title} did not finish within ${timeoutMinutes} minutes.`
      : `${job.title} did not finish within ${timeoutMinutes} minutes (${schedule.maxPolls} status checks).`,
  });
  const end = ends.enter(timedOut);
  return { entry: job.stop ? stopThen(ctx, job.stop, end) : end, timedOut };
}

/** Best effort: a failed stop must not hide the timeout, so every error continues to the Fail. */
function stopThen(ctx: JobContext, call: HandlerCall, timedOut: sfn.State): sfn.IChainable {
  const stop = lambdaTask(ctx.scope, 'Stop', {
    stateName: `Stop ${ctx.job.subject}`,
    comment: 'Stops the remote job so nothing keeps running unseen after the timeout.',
    lambdaFunction: ctx.props.functionFor(call),
    payload: ctx.taskPayload({ ...call.payload, ...ctx.itemPayload, jobId: sfn.JsonPath.stringAt(`${JOB_PATH}.id`) }),
    // Marks the job stopped, so the cleaner does not stop it a second time.
    resultSelector: { requested: true },
    resultPath: `${JOB_PATH}.stopped`,
    taskTimeout: ctx.taskTimeout(call),
  });
  stop.addRetry({ errors: [...RETRYABLE_ERRORS.tokenExpired], interval: Duration.seconds(1), maxAttempts: 2, backoffRate: 1 });
  stop.addCatch(timedOut, { errors: ['States.ALL'], resultPath: '$.stopFailure' });
  return stop.next(timedOut);
}
