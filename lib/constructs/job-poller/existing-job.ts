/**
 * `existingJob`: a conflicting unfinished job, found before submitting (Tamr Cloud: another job
 * of the same data product) or after the submit fails with a named error (Crossing Minds:
 * TASK_ALREADY_RUNNING). Then, by policy: attach to it, wait for it, skip the step, or fail.
 *
 *   Find running <subject> ─► Is another <subject> job running ─ none ─► (acquire slot ►) submit
 *                                 └─ one ─► attach ► status | wait ► find again | skip | JobConflict
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { errorName } from '../../contract/errors';
import type { ExistingJob } from '../../providers/job-spec';
import { lowerFirst } from '../names';
import { JOB_PATH, jobSelector, type JobContext } from './job-context';
import type { JobEnds } from './job-ends';
import type { JobStateNames } from './state-names';
import type { SubmitTask } from './submit-task';

export interface ExistingJobProps {
  readonly submit: SubmitTask;
  /** Where "none running" goes before submitting: the slot acquire when the job needs a slot. */
  readonly submitEntry: sfn.State;
  /** The status Choice an attached job is routed through. */
  readonly outcome: sfn.Choice;
  /** Seconds between looks while waiting for the running job. */
  readonly waitSeconds: number;
}

export function existingJobCheck(ctx: JobContext, existing: ExistingJob, ends: JobEnds, props: ExistingJobProps) {
  const { job, Subject, scope } = ctx;
  // Found before submitting: no slot is held yet (the slot is taken once the job will be
  // submitted). Found after a failed submit: the slot taken for that submit is still held.
  const afterSubmit = typeof existing.trigger === 'object';
  const find = ctx.invoke('FindExisting', `Find running ${job.subject}`, existing.find, {
    resultSelector: jobSelector(ctx.stopDescriptor),
    resultPath: '$.existing',
    onError: ends.requestFailed(afterSubmit),
  });
  const decide = new sfn.Choice(scope, 'Existing', {
    stateName: `Is another ${job.subject} job running`,
    comment: `Policy when one is: ${existing.policy}.`,
  }).when(sfn.Condition.isNull('$.existing.id'), afterSubmit ? props.submit.task : props.submitEntry);
  find.next(decide);
  if (typeof existing.trigger === 'object') props.submit.catch([existing.trigger.submitError], find);

  let skip: sfn.Pass | undefined;
  let names: Partial<JobStateNames> = { findExisting: find.stateId };
  switch (existing.policy) {
    case 'attach': {
      const attach = new sfn.Pass(scope, 'Attach', {
        stateName: `Attach to running ${job.subject}`,
        comment: "Polls the job that was already running as this step's job.",
        inputPath: '$.existing',
        resultPath: JOB_PATH,
      });
      decide.otherwise(attach.next(props.outcome));
      names = { ...names, attached: attach.stateId };
      break;
    }
    case 'wait': {
      const wait = new sfn.Wait(scope, 'WaitExisting', { stateName: `Wait for the running ${job.subject} job`, time: sfn.WaitTime.duration(Duration.seconds(props.waitSeconds)) });
      decide.otherwise(wait.next(find));
      names = { ...names, waitExisting: wait.stateId };
      break;
    }
    case 'skip':
      skip = new sfn.Pass(scope, 'SkipExisting', { stateName: `Skip ${lowerFirst(job.title)} while one runs` });
      decide.otherwise(ends.enter(skip, 'success', afterSubmit));
      names = { ...names, skippedExisting: skip.stateId };
      break;
    case 'fail': {
      const conflict = new sfn.Fail(scope, 'Conflict', {
        stateName: `${Subject} conflicts with a running job`,
        error: errorName('JobConflict'),
        cause: `${job.title}: another ${job.subject} job is still running (onConflict: fail).`,
      });
      decide.otherwise(ends.enter(conflict, 'failure', afterSubmit));
      names = { ...names, conflict: conflict.stateId };
      break;
    }
  }
  return { find, skip, names };
}
