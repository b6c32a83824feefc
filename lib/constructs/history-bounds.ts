/**
 * A pipeline's worst-case execution history (lib/polling/history-budget.ts) from its built
 * state graph: the ASL of the states as they will be synthesized, and each loop's bound from the
 * pipeline's config, named by the config field that sets it.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { PipelineConfig } from '../config/schema';
import type { SlotPool } from '../config/slot-pools';
import { estimateHistory, type BoundCause, type FanOutBound, type HistoryEstimate, type LoopBound } from '../polling/history-budget';
import type { JobSpec } from '../providers/job-spec';
import type { JobPoller } from './job-poller';
import { slotWaitBudget } from './job-slots';
import { MAX_WINDOW_CHECKS } from '../contract/step-durations';

/** Where the pipeline (and its slot pool) sit in the config file, e.g. `pipelines[3]`, `slotPools[0]`. */
export interface ConfigLocation {
  readonly pipeline: string;
  readonly slotPool?: string;
}

export interface PipelineHistoryProps {
  readonly pipeline: PipelineConfig;
  readonly at: ConfigLocation;
  readonly jobs: readonly JobSpec[];
  readonly pollers: readonly JobPoller[];
  /** The first state of the state machine. */
  readonly start: sfn.State;
  readonly slotPool?: SlotPool;
  /** `onOverlap: queue`: the guard's wait for earlier runs and how many looks it allows. */
  readonly queue?: { readonly wait: string; readonly looks: number };
}

export function pipelineHistory(props: PipelineHistoryProps): HistoryEstimate {
  const { pipeline, at, jobs, pollers } = props;
  const p = at.pipeline;
  const timeout = pipeline.polling.timeoutMinutes * 60;
  const loops: LoopBound[] = [];
  const fanOuts: FanOutBound[] = [];
  jobs.forEach((job, index) => {
    const names = pollers[index].stateNames;
    const schedule = pollers[index].schedule;
    if (names.wait && schedule) {
      // A status handler's estimate may ask for the next check as soon as the initial interval.
      const estimates = job.status?.handler.reportsNextCheck === true;
      const fixed = pipeline.polling.backoffRate === 1 || estimates;
      // A duration history adds at most its first check and its window's checks (which may come
      // faster than any wait of the schedule); past the window the schedule's waits apply again.
      const learned = names.readDurations ? 1 + MAX_WINDOW_CHECKS : 0;
      loops.push({
        wait: names.wait,
        iterations: (estimates ? Math.ceil(timeout / pipeline.polling.initialIntervalSeconds) : schedule.maxPolls) + learned,
        field: `${p}.polling.${fixed ? 'initialIntervalSeconds' : 'maxIntervalSeconds'}`,
        what: `status checks of ${job.subject}`,
        advice: fixed
          ? 'raise it (checks may come this often), or lower polling.timeoutMinutes'
          : 'raise it (checks past the growing waits come this often), or lower polling.timeoutMinutes',
      });
    }
    if (names.waitExisting) {
      // Waits for the running job as long as this pipeline's own jobs may run.
      loops.push({
        wait: names.waitExisting,
        iterations: Math.ceil(timeout / (schedule?.steady ?? pipeline.polling.maxIntervalSeconds)),
        field: `${p}.polling.timeoutMinutes`,
        what: `checks for the running ${job.subject} job`,
        advice: 'lower it, or raise polling.maxIntervalSeconds',
      });
    }
    if (names.lostSubmitWait) {
      loops.push({
        wait: names.lostSubmitWait,
        iterations: pipeline.retry.transient.maxAttempts,
        field: `${p}.retry.transient.maxAttempts`,
        what: `submits of ${job.subject} again`,
        advice: 'lower it',
      });
    }
    if (names.slotWait && props.slotPool) {
      loops.push({
        wait: names.slotWait,
        iterations: slotWaitBudget(props.slotPool).attempts,
        field: `${at.slotPool ?? `${p}.slotPool`}.waitSeconds`,
        what: `waits for a slot for ${job.subject}`,
        advice: 'raise it, or lower maxWaitMinutes',
      });
    }
    if (names.fanOut && job.forEach) {
      fanOuts.push({
        map: names.fanOut,
        items: job.forEach.items.length,
        field: `${p}.steps[${index}]`,
        what: `items of '${job.forEach.title}'`,
        advice: 'split the items over several pipelines',
      });
    }
  });
  if (props.queue) {
    loops.push({ wait: props.queue.wait, iterations: props.queue.looks, field: `${p}.maxQueueMinutes`, what: 'looks at the run queue', advice: 'lower it' });
  }
  const retries: BoundCause = { field: `${p}.retry`, what: 'retries', advice: 'lower retry.rateLimited.maxAttempts or retry.transient.maxAttempts' };
  const steps: BoundCause = { field: `${p}.steps`, what: 'states', advice: 'split the steps over several pipelines' };
  return estimateHistory(definitionOf(props.start), { loops, fanOuts, retries, steps });
}

/** The ASL of every state reachable from `start` (Map states carry their item processor). */
function definitionOf(start: sfn.State): { StartAt: string; States: Record<string, Record<string, unknown>> } {
  const states = sfn.State.findReachableStates(start, { includeErrorHandlers: true });
  return { StartAt: start.stateId, States: Object.fromEntries(states.map((state) => [state.stateId, state.toStateJson() as Record<string, unknown>])) };
}
