/**
 * `lostSubmit`: after a submit fails with TransientApiError the API may still have created the
 * job (the answer was lost: no answer in time, a reset connection, a 5xx from a proxy). Instead
 * of the Retry, which would submit blindly and could start a second job:
 *
 *   <title> ─ TransientApiError ─► Count failed <subject> submits ─► Wait after failed <subject> submit
 *      ▲                                                                          │
 *      │                                         Look for <subject> job started by the failed submit
 *      │                                                                          │
 *      └──── none, submits left ◄──── Did the failed <subject> submit start a job ─┴─ found ─► Attach ─► status
 *                                          └─ none, no submits left ─► <Subject> request failed
 *
 * The waits follow the pipeline's transient retry settings, and it submits again at most
 * `retry.transient.maxAttempts` times, like the Retry it replaces. It still looks once after the
 * last failed submit, so a job started by that one is not left running unseen.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { RETRYABLE_ERRORS } from '../../contract/errors';
import type { LostSubmit } from '../../providers/job-spec';
import { article } from '../names';
import { JOB_PATH, MAX_RETRY_DELAY_MINUTES, jobSelector, type JobContext } from './job-context';
import type { JobEnds } from './job-ends';
import type { JobStateNames } from './state-names';
import type { SubmitTask } from './submit-task';

export function lostSubmitRecovery(ctx: JobContext, lost: LostSubmit, ends: JobEnds, submit: SubmitTask, outcome: sfn.Choice): Partial<JobStateNames> {
  const { job, scope } = ctx;
  const { intervalSeconds, maxAttempts, backoffRate } = ctx.props.retry.transient;
  const cap = MAX_RETRY_DELAY_MINUTES * 60;
  // waits[n]: after the (n+1)-th failed submit, computed here (no States.MathMultiply in ASL).
  const waits = Array.from({ length: maxAttempts + 1 }, (_, n) => Math.min(cap, Math.max(1, Math.round(intervalSeconds * backoffRate ** n))));
  const counter = `$.lostSubmits.${job.key}`;
  const first = new sfn.Pass(scope, 'LostSubmitFirst', {
    stateName: `Count failed ${job.subject} submits`,
    comment: 'The submit failed without a usable answer: the job may exist all the same.',
    // When the first submit failed: the look counts jobs created since then (less the submit's
    // time and clock skew), so a job the lost answer created is found even once it is DONE.
    parameters: { failed: 1, wait: waits[0], 'since.$': '$$.State.EnteredTime' },
    resultPath: counter,
  });
  const again = new sfn.Pass(scope, 'LostSubmitAgain', {
    stateName: `Count another failed ${job.subject} submit`,
    parameters: {
      'failed.$': `States.MathAdd(${counter}.failed, 1)`,
      'wait.$': `States.ArrayGetItem(States.Array(${waits.join(', ')}), ${counter}.failed)`,
      'since.$': `${counter}.since`,
    },
    resultPath: counter,
  });
  const count = new sfn.Choice(scope, 'LostSubmitCount', { stateName: `Has ${article(job.subject)} ${job.subject} submit failed before` })
    .when(sfn.Condition.isPresent(counter), again)
    .otherwise(first);
  const wait = new sfn.Wait(scope, 'LostSubmitWait', {
    stateName: `Wait after failed ${job.subject} submit`,
    comment: `Gives the API time to list a job it created (${waits.join(', ')} s).`,
    time: sfn.WaitTime.secondsPath(`${counter}.wait`),
  });
  const requestFailed = ends.requestFailed();
  // A failed attempt began at most its task timeout before the failure was seen.
  const createdAfter = { time: sfn.JsonPath.stringAt(`${counter}.since`), allowanceSeconds: ctx.props.timeoutFor(job.submit).toSeconds() + 10 };
  const find = ctx.invoke('FindLostSubmit', `Look for ${job.subject} job started by the failed submit`, lost.find, {
    resultSelector: jobSelector(ctx.stopDescriptor),
    resultPath: '$.existing',
    onError: requestFailed,
    extraPayload: { ...ctx.itemPayload, createdAfter },
  });
  const attach = new sfn.Pass(scope, 'AttachLostSubmit', {
    stateName: `Attach to ${job.subject} job started by the failed submit`,
    comment: 'The submit reached the API after all: this is the job it started. Polls it instead of starting another.',
    inputPath: '$.existing',
    resultPath: JOB_PATH,
  });
  const decide = new sfn.Choice(scope, 'LostSubmitFound', {
    stateName: `Did the failed ${job.subject} submit start a job`,
    comment: `Submits again at most ${maxAttempts} times.`,
  })
    // IsNull: true, not IsNull: false, which aws-local-stepfunctions does not evaluate.
    .when(sfn.Condition.and(sfn.Condition.isNull('$.existing.id'), sfn.Condition.numberLessThanEquals(`${counter}.failed`, maxAttempts)), submit.task)
    .when(sfn.Condition.isNull('$.existing.id'), requestFailed)
    .otherwise(attach.next(outcome));
  submit.catch(RETRYABLE_ERRORS.transient, count);
  first.next(wait);
  again.next(wait);
  wait.next(find).next(decide);
  return { lostSubmitWait: wait.stateId, findLostSubmit: find.stateId, attachedLostSubmit: attach.stateId };
}
