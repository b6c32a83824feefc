/**
 * The polling loop on its own:
 *
 *   <Subject> status ─ running ─► Schedule next <subject> check ─► Wait for <subject> ─► Get <subject> status ─┐
 *          ▲                                                                                                │
 *          └──────────────────────────────── [Note <subject> id] ◄──────────────────────────────────────────┘
 *          └─ waited the timeout ─► timeout.ts
 *
 * Waits come from `waitSchedule` (computed at synth time, indexed by the poll count); a status
 * handler that reads the job's progress (`reportsNextCheck`), or any status call given the step's
 * duration history (lib/constructs/step-durations.ts), may name the next wait instead.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { WaitSchedule } from '../../polling/wait-schedule';
import type { PolledJob } from '../../providers/job-spec';
import { JOB_PATH, statusSelector, type JobContext } from './job-context';
import type { JobEnds } from './job-ends';
import { timeoutStates } from './timeout';

export function pollingLoop(ctx: JobContext, job: PolledJob, ends: JobEnds, outcome: sfn.Choice, schedule: WaitSchedule) {
  const count = `${JOB_PATH}.poll.count`;
  // Seconds waited so far: the timeout is a budget of waited seconds (see waitSchedule).
  const waited = `${JOB_PATH}.poll.waited`;
  const { initialIntervalSeconds: initial, maxIntervalSeconds: max, backoffRate } = ctx.props.polling;
  const estimates = job.status.handler.reportsNextCheck === true;
  // Answers name the next wait: from the job's progress, or from the step's history.
  const named = estimates || ctx.learns;
  const pass = (id: string, stateName: string, parameters: Record<string, unknown>, comment?: string) =>
    new sfn.Pass(ctx.scope, id, { stateName, ...(comment ? { comment } : {}), parameters, resultPath: `${JOB_PATH}.poll` });

  const wait = new sfn.Wait(ctx.scope, 'Wait', {
    stateName: `Wait for ${job.subject}`,
    comment:
      backoffRate === 1
        ? `Waits ${schedule.steady} s between checks (${schedule.maxPolls} checks at most).`
        : `Waits ${Math.round((backoffRate - 1) * 100)} % of the time the job has run, ${schedule.growing[0]} s at least and ${schedule.steady} s at most (${schedule.maxPolls} checks at most)` +
          (estimates ? ", or as long as the job's progress says it still needs" : '') +
          (ctx.learns ? ', or where the step\'s last durations say it ends.' : '.'),
    time: sfn.WaitTime.secondsPath(`${JOB_PATH}.poll.wait`),
  });
  const next = `States.ArrayGetItem(States.Array(${schedule.growing.join(', ')}), ${count})`;
  const grow = pass('Backoff', `Schedule next ${job.subject} check`, { 'count.$': `States.MathAdd(${count}, 1)`, 'wait.$': next, 'waited.$': `States.MathAdd(${waited}, ${next})` }, 'The growing waits are computed at synth time and indexed by the poll count.');
  const steady = pass('Steady', `Schedule ${job.subject} check at max interval`, { 'count.$': `States.MathAdd(${count}, 1)`, wait: schedule.steady, 'waited.$': `States.MathAdd(${waited}, ${schedule.steady})` });
  const estimated = `${JOB_PATH}.status.nextCheckSeconds`;
  const fromEstimate = named
    ? pass(
        'FromEstimate',
        estimates ? `Schedule ${job.subject} check from its progress` : `Schedule ${job.subject} check from its durations`,
        { 'count.$': `States.MathAdd(${count}, 1)`, 'wait.$': estimated, 'waited.$': `States.MathAdd(${waited}, ${estimated})` },
        estimates
          ? `The status handler estimated when the job will be done (between ${initial} and ${max} s${ctx.learns ? ", or sooner where the step's durations say so" : ''}).`
          : "The answer placed the next check from the step's last durations (lambdas/shared/learned-polling.ts).",
      )
    : undefined;
  const timeout = timeoutStates(ctx, job, ends, schedule, estimates);

  const baseSelector = statusSelector(named ? '$.Payload.nextCheckSeconds' : undefined, ctx.learns);
  const status = ctx.invoke('Status', `Get ${job.subject} status`, job.status, {
    resultSelector: job.statusUpdatesId ? { ...baseSelector, id: sfn.JsonPath.stringAt('$.Payload.id') } : baseSelector,
    resultPath: `${JOB_PATH}.status`,
    onError: ends.requestFailed(),
    extraPayload: {
      ...ctx.itemPayload,
      jobId: sfn.JsonPath.stringAt(`${JOB_PATH}.id`),
      // The previous answer's summary holds the handler's last progress reading (see next-check.ts).
      ...(estimates ? { nextCheck: { minSeconds: initial, maxSeconds: max, elapsedSeconds: sfn.JsonPath.numberAt(waited), previous: sfn.JsonPath.stringAt(`${JOB_PATH}.status.summary`) } } : {}),
      ...ctx.learnedPayload(waited, `${JOB_PATH}.poll.wait`),
    },
  });
  // The answer's id becomes the job's id: the next check, a stop and the step record use it.
  const trackId = job.statusUpdatesId
    ? new sfn.Pass(ctx.scope, 'TrackId', {
        stateName: `Note ${job.subject} id`,
        comment: 'The status check may name the job (or where to look for it next): keep that as the job id.',
        // Parameters (not InputPath) so that a null id is copied like any value.
        parameters: { 'id.$': `${JOB_PATH}.status.id`, 'status.$': `${JOB_PATH}.status`, 'poll.$': `${JOB_PATH}.poll` },
        resultPath: JOB_PATH,
      })
    : undefined;

  outcome.when(sfn.Condition.numberGreaterThanEquals(waited, schedule.timeoutSeconds), timeout.entry);
  // Not every answer carries an estimate (a found job's does not): test presence first.
  if (fromEstimate) outcome.when(sfn.Condition.and(sfn.Condition.isPresent(estimated), sfn.Condition.isNumeric(estimated)), fromEstimate.next(wait));
  outcome.when(sfn.Condition.numberLessThan(count, schedule.growing.length), grow).otherwise(steady);
  grow.next(wait);
  steady.next(wait);
  wait.next(status);
  if (trackId) status.next(trackId).next(outcome);
  else status.next(outcome);

  return { status: status.stateId, wait: wait.stateId, timedOut: timeout.timedOut.stateId, ...(trackId ? { trackId: trackId.stateId } : {}) };
}
