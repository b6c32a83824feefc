/**
 * The one job every system runs, composed from one file per feature:
 *
 *   [run-if] ─► [from-input] ─► [existing-job] ─► [slot acquire] ─► <title> (submit-task) ─► <Subject> status
 *                                                     └─ [lost-submit]          ├─ [report]
 *                                                                               ├─ succeeded ─► <Subject> done
 *                                                                               ├─ failed ────► <Subject> failed
 *                                                                               └─ running ───► polling-loop (timeout)
 *   all of it once per item with [fan-out].
 *
 * Handlers return `{ id, state, outcome, error, cause, summary }`; the loop only reads `outcome`,
 * so provider knowledge stays in the handlers. Every terminal state is entered through
 * `JobEnds.enter`, which gives a tenant job slot (lib/constructs/job-slots.ts) back first.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { waitSchedule, type WaitSchedule } from '../../polling/wait-schedule';
import { isPolled, jobSpecProblems } from '../../providers/job-spec';
import { JobSlot, slotWaitBudget } from '../job-slots';
import { existingJobCheck } from './existing-job';
import { fanOut } from './fan-out';
import { fromInputChoice } from './from-input';
import { JobContext, type JobPollerProps } from './job-context';
import { JobEnds } from './job-ends';
import { lostSubmitRecovery } from './lost-submit';
import { pollingLoop } from './polling-loop';
import { reportStep } from './report';
import { runIf } from './run-if';
import type { JobStateNames } from './state-names';
import { SubmitTask } from './submit-task';
import { readDurations, recordDurations } from '../step-durations';

import { JOB_PATH } from './job-context';

export { JOB_PATH, type JobPollerProps } from './job-context';
export type { JobStateNames } from './state-names';

export class JobPoller extends sfn.StateMachineFragment {
  readonly startState: sfn.State;
  readonly endStates: sfn.INextable[];
  readonly stateNames: JobStateNames;
  /** The waits between status checks; undefined for a synchronous job. */
  readonly schedule?: WaitSchedule;
  /** Longest the job may wait for tenant job slots (0 without a slot pool), for the execution timeout. */
  readonly slotWaitSeconds: number;

  constructor(scope: Construct, id: string, props: JobPollerProps) {
    super(scope, id);
    const { job } = props;
    const problems = jobSpecProblems(job);
    if (problems.length > 0) throw new Error(`JobPoller ${id}: ${problems.join('; ')}`);
    const ctx = new JobContext(this, props);
    const slot = props.slot ? new JobSlot(this, { ...props.slot, job, perItem: job.forEach !== undefined }) : undefined;
    const rounds = job.forEach ? Math.ceil(job.forEach.items.length / job.forEach.maxConcurrency) : 1;
    this.slotWaitSeconds = props.slot ? rounds * slotWaitBudget(props.slot.pool).maxSeconds : 0;
    this.schedule = isPolled(job) ? waitSchedule(props.polling) : undefined;

    const ends = new JobEnds(ctx, slot);
    const submit = new SubmitTask(ctx, ends);
    const submitEntry = slot?.acquireThen(submit.task, ends.requestFailed()) ?? submit.task;
    const outcome = new sfn.Choice(this, 'Outcome', {
      stateName: `${ctx.Subject} status`,
      comment: `Routes on the outcome the handler derived from the remote state.`,
    });
    // First rule: the report sees final results before they reach done/failed.
    const report = job.report ? reportStep(ctx, job.report, ends, outcome) : undefined;
    outcome
      .when(sfn.Condition.stringEquals('$.job.status.outcome', 'succeeded'), ends.done())
      .when(sfn.Condition.stringEquals('$.job.status.outcome', 'failed'), ends.failed());
    submit.task.next(outcome);

    let names: JobStateNames = {
      submit: job.title,
      done: ends.doneState.stateId,
      failed: ends.failedState.stateId,
      requestFailed: ends.requestFailedState.stateId,
      ...(report ? { report: report.stateId } : {}),
      ...slot?.names,
    };
    // With the step's history: written back after success (lib/constructs/step-durations.ts).
    const endStates: sfn.INextable[] =
      ctx.learns && props.durations ? recordDurations(this, props.durations, job, job.forEach !== undefined, ends.doneState, `${JOB_PATH}.status.durations`) : [ends.doneState];
    if (ctx.learns) names = { ...names, recordDurations: (endStates[0] as unknown as sfn.State).stateId };
    if (isPolled(job) && this.schedule) {
      names = { ...names, ...pollingLoop(ctx, job, ends, outcome, this.schedule) };
    } else {
      // A synchronous API: the submit answer is final, anything but success fails the step.
      outcome.otherwise(ends.failed());
    }

    let entry: sfn.State = submitEntry;
    if (job.existingJob) {
      const waitSeconds = this.schedule?.steady ?? props.polling.maxIntervalSeconds;
      const existing = existingJobCheck(ctx, job.existingJob, ends, { submit, submitEntry, outcome, waitSeconds });
      if (existing.skip) endStates.push(existing.skip);
      if (job.existingJob.trigger === 'beforeSubmit') entry = existing.find;
      names = { ...names, ...existing.names };
    }
    if (job.lostSubmit) names = { ...names, ...lostSubmitRecovery(ctx, job.lostSubmit, ends, submit, outcome) };
    submit.seal();

    if (job.fromInput) {
      const { choose, names: inputNames } = fromInputChoice(ctx, job.fromInput, entry);
      entry = choose;
      names = { ...names, ...inputNames };
    }
    if (ctx.learns && props.durations) {
      // Before anything that may submit: every submit and status call gets the item it read.
      entry = readDurations(this, props.durations, job, job.forEach !== undefined, entry);
      names = { ...names, readDurations: entry.stateId };
    }
    if (job.runIf) {
      const { decide, skip } = runIf(ctx, job.runIf.inputFlag, entry);
      entry = decide;
      endStates.push(skip);
      names = { ...names, skipped: skip.stateId };
    }
    if (job.forEach) {
      const { start, map } = fanOut(ctx, job.forEach, entry);
      this.startState = start;
      this.endStates = [map];
      names = { ...names, fanOut: map.stateId };
    } else {
      this.startState = entry;
      this.endStates = endStates;
    }
    this.stateNames = names;
  }
}
