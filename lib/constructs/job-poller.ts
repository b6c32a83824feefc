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
 * so provider knowledge stays in the handlers. Waits and the timeout come from `waitSchedule`;
 * a status handler that reads the job's progress (`reportsNextCheck`) may name the next wait.
 *
 * Options of a JobSpec add states around the loop: `runIf` (a Choice on an execution-input flag),
 * `existingJob` (find a conflicting unfinished job before submitting, or when the submit fails
 * with a named error, then attach / wait / skip / fail) and `forEach` (a Map running the whole
 * chain once per item, at most `maxConcurrency` at once). `statusUpdatesId` adds "Note <subject> id"
 * after each status check, so the job id can be learnt or moved on by the checks themselves.
 *
 * `report` adds one post-terminal call. When a final result (outcome succeeded or failed) has
 * `summary.reportNeeded === true`, the status Choice sends it to the report task instead:
 *
 *   <Subject> status ─ final and summary.reportNeeded ─► <report title> ─► <Subject> report outcome
 *                                                                              ├─ succeeded ─► <Subject> done
 *                                                                              └─ otherwise ─► <Subject> failed
 *
 * The report's JobResult replaces `$.job.status` (its summary, error and cause are what `done`
 * records and `failed` reports), so the report handler makes the final decision. It runs once:
 * its own answer is routed by the second Choice, never back through the status Choice. It gets
 * the same retries as every task, and an API error ends in `<Subject> request failed`.
 *
 * With a `slot` (the pipeline's slot pool, lib/constructs/job-slots.ts) the job takes a tenant
 * job slot right before it submits and gives it back before each of its terminal states.
 */
import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { InFlightCleanup } from '../../lambdas/cleanup/in-flight-jobs';
import type { StopDescriptor } from '../../lambdas/cleanup/unfinished-jobs';
import { RETRYABLE_ERRORS } from '../../lambdas/shared/errors';
import type { Polling, Retry } from '../config/common';
import { waitSchedule, type WaitSchedule } from '../polling/wait-schedule';
import type { ForEach, HandlerCall, JobSpec, LostSubmit, ReportCall } from '../providers/job-spec';
import { ITEM_INDEX_FIELD, JobSlot, slotWaitBudget, type SlotPoolRef } from './job-slots';
import { capitalize, lowerFirst } from './names';

/** Where a job's state lives in the execution's data while it runs. */
export const JOB_PATH = '$.job';

/** Longest wait between retries of a call (and between submits after a lost answer). */
const MAX_RETRY_DELAY_MINUTES = 5;

export interface JobPollerProps {
  readonly job: JobSpec;
  /** Resolves a handler id to the pipeline's deployed function. */
  readonly functionFor: (call: HandlerCall) => IFunction;
  /** Lambda timeout of a handler, so the task timeout can sit just above it. */
  readonly timeoutFor: (call: HandlerCall) => Duration;
  readonly polling: Polling;
  readonly retry: Retry;
  /** The pipeline's slot pool: every run of the job holds one of its slots. */
  readonly slot?: SlotPoolRef;
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
  readonly findExisting?: string;
  /** existingJob: attached to the running job, skipped because of it, or failed on the conflict. */
  readonly attached?: string;
  readonly skippedExisting?: string;
  readonly conflict?: string;
  /** statusUpdatesId: the Pass that copies the status answer's id to `$.job.id`. */
  readonly trackId?: string;
  readonly fanOut?: string;
  readonly report?: string;
  /** slotPool: the state that takes the job's tenant job slot, the wait while the pool is full, the give-up. */
  readonly acquireSlot?: string;
  readonly slotWait?: string;
  readonly slotWaitTimedOut?: string;
  /** lostSubmit: the wait after a failed submit, the look for the job it may have started, the attach to it. */
  readonly lostSubmitWait?: string;
  readonly findLostSubmit?: string;
  readonly attachedLostSubmit?: string;
}

export class JobPoller extends sfn.StateMachineFragment {
  readonly startState: sfn.State;
  readonly endStates: sfn.INextable[];
  readonly stateNames: JobStateNames;
  readonly schedule?: WaitSchedule;
  /** Longest the job may wait for tenant job slots (0 without a slot pool), for the execution timeout. */
  readonly slotWaitSeconds: number;
  private readonly itemPayload: Record<string, unknown>;
  private readonly stopDescriptor: StopDescriptor | null;

  constructor(scope: Construct, id: string, private readonly props: JobPollerProps) {
    super(scope, id);
    const { job } = props;
    const Subject = capitalize(job.subject);
    // In a fan-out, each Map iteration's input is `{ item }`: the item goes into every call.
    this.itemPayload = job.forEach ? { [job.forEach.payloadField]: sfn.JsonPath.stringAt('$.item') } : {};
    this.stopDescriptor = job.stop
      ? { FunctionName: props.functionFor(job.stop).functionArn, Payload: { ...job.stop.payload }, ItemField: job.forEach?.payloadField ?? null }
      : null;
    const slot = props.slot ? new JobSlot(this, { ...props.slot, job, perItem: job.forEach !== undefined }) : undefined;
    // Every terminal state a job can reach while it may hold a slot is entered through a release.
    const released = (terminal: sfn.State, outcome: 'success' | 'failure' = 'failure'): sfn.State => slot?.releaseBefore(terminal, outcome) ?? terminal;
    const rounds = job.forEach ? Math.ceil(job.forEach.items.length / job.forEach.maxConcurrency) : 1;
    this.slotWaitSeconds = props.slot ? rounds * slotWaitBudget(props.slot.pool).maxSeconds : 0;

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

    const existingError = typeof job.existingJob?.trigger === 'object' ? job.existingJob.trigger.submitError : undefined;
    // With lostSubmit, a transient failure is not retried blindly: the job may exist (below).
    const submit = this.invoke('Submit', job.title, job.submit, jobSelector(this.stopDescriptor), JOB_PATH, released(requestFailed), { ...this.itemPayload, ...this.inFlightCleanup(job) }, {
      callerCatches: existingError !== undefined || job.lostSubmit !== undefined,
      retryTransient: job.lostSubmit === undefined,
    });
    const acquire = slot?.acquireThen(submit, released(requestFailed));
    const submitEntry: sfn.State = acquire ?? submit;

    const outcome = new sfn.Choice(this, 'Outcome', {
      stateName: `${Subject} status`,
      comment: `Routes on the outcome the handler derived from the remote state.`,
    });
    // The report rule must come first: it catches final results before they reach done/failed.
    const report = job.report ? this.reportStep(job, job.report, Subject, outcome, released(done, 'success'), released(failed), released(requestFailed)) : undefined;
    outcome
      .when(sfn.Condition.stringEquals(`${JOB_PATH}.status.outcome`, 'succeeded'), released(done, 'success'))
      .when(sfn.Condition.stringEquals(`${JOB_PATH}.status.outcome`, 'failed'), released(failed));
    submit.next(outcome);

    let names: JobStateNames = {
      submit: job.title,
      done: done.stateId,
      failed: failed.stateId,
      requestFailed: requestFailed.stateId,
      ...(report ? { report: report.stateId } : {}),
      ...slot?.names,
    };
    const ends: sfn.INextable[] = [done];
    this.schedule = job.status ? waitSchedule(props.polling) : undefined;
    if (job.status) {
      const loop = this.pollingLoop(job, Subject, outcome, released(requestFailed), released, this.schedule!);
      names = { ...names, status: loop.statusName, wait: loop.waitName, timedOut: loop.timedOutName, trackId: loop.trackIdName };
    } else {
      // A synchronous API: the submit answer is final, anything but success fails the step.
      outcome.otherwise(released(failed));
    }

    let entry: sfn.State = submitEntry;
    if (job.existingJob) {
      // Found before submitting: no slot is held yet (the slot is taken once the job will be
      // submitted). Found after a failed submit: the slot taken for that submit is still held.
      const holdsSlot = job.existingJob.trigger !== 'beforeSubmit';
      const existing = this.existingJobCheck(job, Subject, submit, holdsSlot ? submit : submitEntry, outcome, holdsSlot ? released(requestFailed) : requestFailed, (terminal, outcome) =>
        holdsSlot ? released(terminal, outcome) : terminal,
      );
      if (existing.skip) ends.push(existing.skip);
      if (job.existingJob.trigger === 'beforeSubmit') entry = existing.find;
      names = { ...names, findExisting: existing.find.stateId, ...existing.names };
    }
    if (job.lostSubmit) names = { ...names, ...this.lostSubmitRecovery(job, job.lostSubmit, Subject, submit, outcome, released(requestFailed)) };
    // Catchers apply in order: the named errors handled above come before the catch-all.
    if (existingError !== undefined || job.lostSubmit) submit.addCatch(released(requestFailed), { errors: ['States.ALL'], resultPath: '$.failure' });

    if (job.runIf) {
      const skip = new sfn.Pass(this, 'Skip', {
        stateName: `Skip ${lowerFirst(job.title)}`,
        comment: `Execution input field '${job.runIf.inputFlag}' is not true.`,
      });
      const flag = `$.${job.runIf.inputFlag}`;
      entry = new sfn.Choice(this, 'RunIf', {
        stateName: `Decide whether to ${lowerFirst(job.title)}`,
        comment: `Runs '${job.title}' only when the execution input has ${job.runIf.inputFlag}: true.`,
      })
        .when(sfn.Condition.and(sfn.Condition.isPresent(flag), sfn.Condition.booleanEquals(flag, true)), entry)
        .otherwise(skip);
      ends.push(skip);
      names = { ...names, skipped: skip.stateId };
    }

    if (job.forEach) {
      const map = this.fanOut(job, job.forEach, entry);
      this.startState = map.start;
      this.endStates = [map.map];
      names = { ...names, fanOut: map.map.stateId };
    } else {
      this.startState = entry;
      this.endStates = ends;
    }
    this.stateNames = names;
  }

  /**
   * [in-flight cleanup, #14] What the execution cleanup needs to find and stop a job whose submit
   * was still in flight when the run ended (its answer never reached the state data): read from
   * the submit's TaskScheduled parameters in the history; the submit handler ignores the field.
   */
  private inFlightCleanup(job: JobSpec): { inFlightCleanup?: InFlightCleanup } {
    if (!job.lostSubmit || !this.stopDescriptor) return {};
    const find = job.lostSubmit.find;
    return { inFlightCleanup: { JobKey: job.key, Find: { FunctionName: this.props.functionFor(find).functionArn, Payload: { ...find.payload } }, Stop: this.stopDescriptor } };
  }

  /** One Map iteration per item; each iteration is this job's whole submit/poll chain. */
  private fanOut(job: JobSpec, forEach: ForEach, entry: sfn.State) {
    const list = new sfn.Pass(this, 'Items', {
      stateName: `List ${lowerFirst(forEach.title)}`,
      comment: `The ${forEach.items.length} items to run '${job.title}' for.`,
      result: sfn.Result.fromArray([...forEach.items]),
      resultPath: `$.items.${job.key}`,
    });
    const map = new sfn.Map(this, 'ForEach', {
      stateName: forEach.title,
      comment: `At most ${forEach.maxConcurrency} at once.`,
      itemsPath: `$.items.${job.key}`,
      maxConcurrency: forEach.maxConcurrency,
      // With a slot pool each item holds its own slot, named by the item's index.
      itemSelector: { 'item.$': '$$.Map.Item.Value', steps: {}, ...(this.props.slot ? { [`${ITEM_INDEX_FIELD}.$`]: '$$.Map.Item.Index' } : {}) },
      resultSelector: { 'items.$': `$[*].steps.${job.key}` },
      resultPath: `$.steps.${job.key}`,
    });
    map.itemProcessor(entry);
    list.next(map);
    return { start: list, map };
  }

  /**
   * Find a conflicting unfinished job, then attach to it, wait for it, skip, or fail. `submitEntry`
   * is where "none running" goes (the slot acquire before the submit, when one is needed);
   * `released` puts the slot release in front of a terminal state when a slot may be held.
   */
  private existingJobCheck(
    job: JobSpec,
    Subject: string,
    submit: tasks.LambdaInvoke,
    submitEntry: sfn.State,
    outcome: sfn.Choice,
    requestFailed: sfn.State,
    released: (terminal: sfn.State, outcome?: 'success' | 'failure') => sfn.State,
  ) {
    const existing = job.existingJob!;
    const find = this.invoke('FindExisting', `Find running ${job.subject}`, existing.find, jobSelector(this.stopDescriptor), '$.existing', requestFailed, this.itemPayload);
    const decide = new sfn.Choice(this, 'Existing', {
      stateName: `Is another ${job.subject} job running`,
      comment: `Policy when one is: ${existing.policy}.`,
    }).when(sfn.Condition.isNull('$.existing.id'), submitEntry);
    find.next(decide);
    if (typeof existing.trigger === 'object') {
      submit.addCatch(find, { errors: [existing.trigger.submitError], resultPath: '$.failure' });
    }

    let skip: sfn.Pass | undefined;
    const names: { attached?: string; skippedExisting?: string; conflict?: string } = {};
    switch (existing.policy) {
      case 'attach': {
        const attach = new sfn.Pass(this, 'Attach', {
          stateName: `Attach to running ${job.subject}`,
          comment: 'Polls the job that was already running as this step\'s job.',
          inputPath: '$.existing',
          resultPath: JOB_PATH,
        });
        decide.otherwise(attach.next(outcome));
        names.attached = attach.stateId;
        break;
      }
      case 'wait': {
        const wait = new sfn.Wait(this, 'WaitExisting', {
          stateName: `Wait for the running ${job.subject} job`,
          time: sfn.WaitTime.duration(Duration.seconds(this.schedule?.steady ?? this.props.polling.maxIntervalSeconds)),
        });
        decide.otherwise(wait.next(find));
        break;
      }
      case 'skip':
        skip = new sfn.Pass(this, 'SkipExisting', { stateName: `Skip ${lowerFirst(job.title)} while one runs` });
        decide.otherwise(released(skip, 'success'));
        names.skippedExisting = skip.stateId;
        break;
      case 'fail': {
        const conflict = new sfn.Fail(this, 'Conflict', {
          stateName: `${Subject} conflicts with a running job`,
          error: 'JobConflict',
          cause: `${job.title}: another ${job.subject} job is still running (onConflict: fail).`,
        });
        decide.otherwise(released(conflict));
        names.conflict = conflict.stateId;
        break;
      }
    }
    return { find, skip, names };
  }

  /**
   * After a submit fails with TransientApiError the API may still have created the job (the answer
   * was lost: no answer in time, a reset connection, a 5xx from a proxy). Instead of the Retry,
   * which would submit blindly and could start a second job:
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
  private lostSubmitRecovery(job: JobSpec, lost: LostSubmit, Subject: string, submit: tasks.LambdaInvoke, outcome: sfn.Choice, requestFailed: sfn.State): Partial<JobStateNames> {
    const { intervalSeconds, maxAttempts, backoffRate } = this.props.retry.transient;
    const cap = MAX_RETRY_DELAY_MINUTES * 60;
    // waits[n]: after the (n+1)-th failed submit, computed here (no States.MathMultiply in ASL).
    const waits = Array.from({ length: maxAttempts + 1 }, (_, n) => Math.min(cap, Math.max(1, Math.round(intervalSeconds * backoffRate ** n))));
    const counter = `$.lostSubmits.${job.key}`;
    const first = new sfn.Pass(this, 'LostSubmitFirst', {
      stateName: `Count failed ${job.subject} submits`,
      comment: 'The submit failed without a usable answer: the job may exist all the same.',
      // When the first submit failed: the look counts jobs created since then (less the submit's
      // time and clock skew), so a job the lost answer created is found even once it is DONE.
      parameters: { failed: 1, wait: waits[0], 'since.$': '$$.State.EnteredTime' },
      resultPath: counter,
    });
    const again = new sfn.Pass(this, 'LostSubmitAgain', {
      stateName: `Count another failed ${job.subject} submit`,
      parameters: {
        'failed.$': `States.MathAdd(${counter}.failed, 1)`,
        'wait.$': `States.ArrayGetItem(States.Array(${waits.join(', ')}), ${counter}.failed)`,
        'since.$': `${counter}.since`,
      },
      resultPath: counter,
    });
    const count = new sfn.Choice(this, 'LostSubmitCount', { stateName: `Has a ${job.subject} submit failed before` })
      .when(sfn.Condition.isPresent(counter), again)
      .otherwise(first);
    const wait = new sfn.Wait(this, 'LostSubmitWait', {
      stateName: `Wait after failed ${job.subject} submit`,
      comment: `Gives the API time to list a job it created (${waits.join(', ')} s).`,
      time: sfn.WaitTime.secondsPath(`${counter}.wait`),
    });
    // A failed attempt began at most its task timeout before the failure was seen.
    const createdAfter = { time: sfn.JsonPath.stringAt(`${counter}.since`), allowanceSeconds: this.props.timeoutFor(job.submit).toSeconds() + 10 };
    const find = this.invoke('FindLostSubmit', `Look for ${job.subject} job started by the failed submit`, lost.find, jobSelector(this.stopDescriptor), '$.existing', requestFailed, {
      ...this.itemPayload,
      createdAfter,
    });
    const attach = new sfn.Pass(this, 'AttachLostSubmit', {
      stateName: `Attach to ${job.subject} job started by the failed submit`,
      comment: 'The submit reached the API after all: this is the job it started. Polls it instead of starting another.',
      inputPath: '$.existing',
      resultPath: JOB_PATH,
    });
    const decide = new sfn.Choice(this, 'LostSubmitFound', {
      stateName: `Did the failed ${job.subject} submit start a job`,
      comment: `Submits again at most ${maxAttempts} times.`,
    })
      // IsNull: true, not IsNull: false, which aws-local-stepfunctions does not evaluate.
      .when(sfn.Condition.and(sfn.Condition.isNull('$.existing.id'), sfn.Condition.numberLessThanEquals(`${counter}.failed`, maxAttempts)), submit)
      .when(sfn.Condition.isNull('$.existing.id'), requestFailed)
      .otherwise(attach.next(outcome));
    submit.addCatch(count, { errors: [...RETRYABLE_ERRORS.transient], resultPath: '$.failure' });
    first.next(wait);
    again.next(wait);
    wait.next(find).next(decide);
    return { lostSubmitWait: wait.stateId, findLostSubmit: find.stateId, attachedLostSubmit: attach.stateId };
  }

  private pollingLoop(
    job: JobSpec,
    Subject: string,
    outcome: sfn.Choice,
    requestFailed: sfn.State,
    released: (terminal: sfn.State) => sfn.State,
    schedule: WaitSchedule,
  ) {
    const count = `${JOB_PATH}.poll.count`;
    // Seconds waited so far: the timeout is a budget of waited seconds (see waitSchedule).
    const waited = `${JOB_PATH}.poll.waited`;
    const { initialIntervalSeconds: initial, maxIntervalSeconds: max, backoffRate } = this.props.polling;
    const estimates = job.status!.handler.reportsNextCheck === true;

    const wait = new sfn.Wait(this, 'Wait', {
      stateName: `Wait for ${job.subject}`,
      comment:
        backoffRate === 1
          ? `Waits ${schedule.steady} s between checks (${schedule.maxPolls} checks at most).`
          : `Waits ${Math.round((backoffRate - 1) * 100)} % of the time the job has run, ${schedule.growing[0]} s at least and ${schedule.steady} s at most (${schedule.maxPolls} checks at most)` +
            (estimates ? ', or as long as the job\'s progress says it still needs.' : '.'),
      time: sfn.WaitTime.secondsPath(`${JOB_PATH}.poll.wait`),
    });
    const next = `States.ArrayGetItem(States.Array(${schedule.growing.join(', ')}), ${count})`;
    const grow = new sfn.Pass(this, 'Backoff', {
      stateName: `Schedule next ${job.subject} check`,
      comment: 'The growing waits are computed at synth time and indexed by the poll count.',
      parameters: {
        'count.$': `States.MathAdd(${count}, 1)`,
        'wait.$': next,
        'waited.$': `States.MathAdd(${waited}, ${next})`,
      },
      resultPath: `${JOB_PATH}.poll`,
    });
    const steady = new sfn.Pass(this, 'Steady', {
      stateName: `Schedule ${job.subject} check at max interval`,
      parameters: { 'count.$': `States.MathAdd(${count}, 1)`, wait: schedule.steady, 'waited.$': `States.MathAdd(${waited}, ${schedule.steady})` },
      resultPath: `${JOB_PATH}.poll`,
    });
    const estimated = `${JOB_PATH}.status.nextCheckSeconds`;
    const fromEstimate = estimates
      ? new sfn.Pass(this, 'FromEstimate', {
          stateName: `Schedule ${job.subject} check from its progress`,
          comment: `The status handler estimated when the job will be done (between ${initial} and ${max} s).`,
          parameters: { 'count.$': `States.MathAdd(${count}, 1)`, 'wait.$': estimated, 'waited.$': `States.MathAdd(${waited}, ${estimated})` },
          resultPath: `${JOB_PATH}.poll`,
        })
      : undefined;
    const timedOut = new sfn.Fail(this, 'TimedOut', {
      stateName: `${Subject} timed out`,
      comment: `Still running after ${this.props.polling.timeoutMinutes} minutes (${schedule.maxPolls} checks).`,
      error: 'JobTimedOut',
      cause: estimates
        ? `${job.title} did not finish within ${this.props.polling.timeoutMinutes} minutes.`
        : `${job.title} did not finish within ${this.props.polling.timeoutMinutes} minutes (${schedule.maxPolls} status checks).`,
    });
    const onTimeout: sfn.IChainable = job.stop ? this.stopThen(job, released(timedOut)) : released(timedOut);

    const baseSelector = statusSelector(estimates ? '$.Payload.nextCheckSeconds' : undefined);
    const selector = job.statusUpdatesId ? { ...baseSelector, id: sfn.JsonPath.stringAt('$.Payload.id') } : baseSelector;
    const status = this.invoke('Status', `Get ${job.subject} status`, job.status!, selector, `${JOB_PATH}.status`, requestFailed, {
      ...this.itemPayload,
      jobId: sfn.JsonPath.stringAt(`${JOB_PATH}.id`),
      // The previous answer's summary holds the handler's last progress reading (see next-check.ts).
      ...(estimates
        ? { nextCheck: { minSeconds: initial, maxSeconds: max, elapsedSeconds: sfn.JsonPath.numberAt(waited), previous: sfn.JsonPath.stringAt(`${JOB_PATH}.status.summary`) } }
        : {}),
    });
    // The answer's id becomes the job's id: the next check, a stop and the step record use it.
    const trackId = job.statusUpdatesId
      ? new sfn.Pass(this, 'TrackId', {
          stateName: `Note ${job.subject} id`,
          comment: 'The status check may name the job (or where to look for it next): keep that as the job id.',
          // Parameters (not InputPath) so that a null id is copied like any value.
          parameters: { 'id.$': `${JOB_PATH}.status.id`, 'status.$': `${JOB_PATH}.status`, 'poll.$': `${JOB_PATH}.poll` },
          resultPath: JOB_PATH,
        })
      : undefined;

    outcome.when(sfn.Condition.numberGreaterThanEquals(waited, schedule.timeoutSeconds), onTimeout);
    // Only status answers carry an estimate (the submit answer does not): test presence first.
    if (fromEstimate) outcome.when(sfn.Condition.and(sfn.Condition.isPresent(estimated), sfn.Condition.isNumeric(estimated)), fromEstimate.next(wait));
    outcome.when(sfn.Condition.numberLessThan(count, schedule.growing.length), grow).otherwise(steady);
    grow.next(wait);
    steady.next(wait);
    wait.next(status);
    if (trackId) status.next(trackId).next(outcome);
    else status.next(outcome);

    return { statusName: status.stateId, waitName: wait.stateId, timedOutName: timedOut.stateId, trackIdName: trackId?.stateId };
  }

  /**
   * The post-terminal report: a final result whose summary asks for it goes through one more call,
   * whose answer replaces the status and is routed straight to done or failed.
   */
  private reportStep(
    job: JobSpec,
    call: ReportCall,
    Subject: string,
    outcome: sfn.Choice,
    done: sfn.State,
    failed: sfn.State,
    requestFailed: sfn.State,
  ): tasks.LambdaInvoke {
    const status = `${JOB_PATH}.status`;
    const task = this.invoke('Report', call.title ?? `Get ${job.subject} report`, call, statusSelector(), status, requestFailed, {
      ...this.itemPayload,
      jobId: sfn.JsonPath.stringAt(`${JOB_PATH}.id`),
    });
    const decide = new sfn.Choice(this, 'ReportOutcome', {
      stateName: `${Subject} report outcome`,
      comment: 'Routes on the outcome the report handler decided (it replaced the final status).',
    })
      .when(sfn.Condition.stringEquals(`${status}.outcome`, 'succeeded'), done)
      .otherwise(failed);
    task.next(decide);
    outcome.when(
      sfn.Condition.and(
        sfn.Condition.not(sfn.Condition.stringEquals(`${status}.outcome`, 'running')),
        sfn.Condition.isPresent(`${status}.summary.reportNeeded`),
        sfn.Condition.booleanEquals(`${status}.summary.reportNeeded`, true),
      ),
      task,
    );
    return task;
  }

  /** Best effort: a failed stop must not hide the timeout, so every error continues to the Fail. */
  private stopThen(job: JobSpec, timedOut: sfn.State): sfn.IChainable {
    const stop = new tasks.LambdaInvoke(this, 'Stop', {
      stateName: `Stop ${job.subject}`,
      comment: 'Stops the remote job so nothing keeps running unseen after the timeout.',
      lambdaFunction: this.props.functionFor(job.stop!),
      payload: sfn.TaskInput.fromObject({ ...job.stop!.payload, ...this.itemPayload, jobId: sfn.JsonPath.stringAt(`${JOB_PATH}.id`) }),
      // Marks the job stopped, so the cleaner does not stop it a second time.
      resultSelector: { requested: true },
      resultPath: `${JOB_PATH}.stopped`,
      taskTimeout: sfn.Timeout.duration(this.props.timeoutFor(job.stop!).plus(Duration.seconds(10))),
    });
    stop.addRetry({ errors: [...RETRYABLE_ERRORS.tokenExpired], interval: Duration.seconds(1), maxAttempts: 2, backoffRate: 1 });
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
    options: {
      /** The caller catches some errors itself, then adds the catch-all after them. */
      readonly callerCatches?: boolean;
      /** Retry TransientApiError (default); off when the caller handles it. */
      readonly retryTransient?: boolean;
    } = {},
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
    // Catchers apply in order: a caller that catches errors itself adds the catch-all after them.
    if (!options.callerCatches) task.addCatch(onError, { errors: ['States.ALL'], resultPath: '$.failure' });
    return task;
  }
}

/**
 * A submit-like answer, as kept at `$.job`: id, status, a fresh poll counter and, for stoppable
 * jobs, how to stop it (read from the history by the cleaner when an execution ends early).
 */
function jobSelector(stop: StopDescriptor | null): Record<string, unknown> {
  return { id: sfn.JsonPath.stringAt('$.Payload.id'), status: statusSelector(), poll: { count: 0, wait: 0, waited: 0 }, stop };
}

/** The handler's answer, as kept at `$.job.status` (with `nextCheckSeconds` for estimating handlers). */
function statusSelector(nextCheckSeconds?: string): Record<string, unknown> {
  return {
    state: sfn.JsonPath.stringAt('$.Payload.state'),
    outcome: sfn.JsonPath.stringAt('$.Payload.outcome'),
    error: sfn.JsonPath.stringAt('$.Payload.error'),
    cause: sfn.JsonPath.stringAt('$.Payload.cause'),
    summary: sfn.JsonPath.stringAt('$.Payload.summary'),
    ...(nextCheckSeconds ? { nextCheckSeconds: sfn.JsonPath.numberAt(nextCheckSeconds) } : {}),
  };
}
