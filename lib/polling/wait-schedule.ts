/**
 * The polling arithmetic, done at synth time.
 *
 * Each wait is a share of the time the job has already run: the check after elapsed time `t`
 * comes `(backoffRate - 1) × t` later, at least `initialIntervalSeconds` and at most
 * `maxIntervalSeconds`. A job that finishes at time T is therefore noticed within
 * `max(initial, min((backoffRate - 1) × T, max))` (10 % of its run time for the default 1.1),
 * and once past the initial interval the waits grow by `backoffRate` per check, so a job of
 * length T costs about `log(T / initial) / log(backoffRate)` checks instead of `T / interval`.
 *
 * Step Functions has no multiply intrinsic, so the growing part of the schedule is baked into
 * the ASL as an array indexed by the poll count (`States.ArrayGetItem`), and every wait after it
 * is the max interval. The per-job timeout becomes a budget of waited seconds (the loop adds up
 * its waits); `maxPolls` is the number of checks the schedule makes before it is used up.
 */
import type { Polling as PollingConfig } from '../config/common';

/** The fields the schedule is computed from. */
type Polling = Omit<PollingConfig, 'learnFromHistory'>;

export interface WaitSchedule {
  /** Waits (seconds) before check 1, 2, ... while they are below the max; never empty. */
  readonly growing: readonly number[];
  /** Wait before every later check. */
  readonly steady: number;
  /** Checks allowed before the job times out (waits before them add up to >= the timeout). */
  readonly maxPolls: number;
  /** The timeout in seconds: a job that has waited this long in total times out. */
  readonly timeoutSeconds: number;
}

export function waitSchedule(polling: Polling): WaitSchedule {
  const { initialIntervalSeconds: initial, maxIntervalSeconds: max, timeoutMinutes } = polling;
  const timeout = timeoutMinutes * 60;
  const share = shareOf(polling.backoffRate);
  const growing: number[] = [];
  if (share === 0) {
    // backoffRate 1: a fixed interval, the seeds' polling.
    growing.push(Math.min(initial, max));
  } else {
    let total = 0;
    while (total < timeout) {
      const wait = waitAfter(polling, total);
      if (wait >= max) break;
      growing.push(wait);
      total += wait;
    }
    if (growing.length === 0) growing.push(Math.min(initial, max));
  }
  const steady = share === 0 ? Math.min(initial, max) : max;
  const grown = growing.reduce((a, b) => a + b, 0);
  const maxPolls = grown >= timeout ? countUntil(growing, timeout) : growing.length + Math.ceil((timeout - grown) / steady);
  return { growing, steady, maxPolls, timeoutSeconds: timeout };
}

/**
 * The wait after a check made `elapsed` seconds after the job was submitted: whole seconds
 * (Wait states take integers), rounded down so the latency bound holds exactly.
 */
export function waitAfter(polling: Polling, elapsed: number): number {
  const proportional = Math.floor(shareOf(polling.backoffRate) * elapsed + 1e-9);
  return Math.min(polling.maxIntervalSeconds, Math.max(polling.initialIntervalSeconds, proportional));
}

/** Seconds waited before the first `polls` checks. */
export function waitedBefore(schedule: WaitSchedule, polls: number): number {
  const grown = schedule.growing.slice(0, polls).reduce((a, b) => a + b, 0);
  return grown + Math.max(0, polls - schedule.growing.length) * schedule.steady;
}

/** The times (seconds after submission) of the checks the schedule makes, up to `until`. */
export function checkTimes(schedule: WaitSchedule, until: number): number[] {
  const times: number[] = [];
  for (let polls = 1; ; polls++) {
    const at = waitedBefore(schedule, polls);
    times.push(at);
    if (at >= until || polls >= schedule.maxPolls) return times;
  }
}

/** `backoffRate - 1` without binary noise (1.1 - 1 is 0.10000000000000009). */
function shareOf(backoffRate: number): number {
  return Math.round((backoffRate - 1) * 1e9) / 1e9;
}

function countUntil(waits: readonly number[], limit: number): number {
  let total = 0;
  for (let i = 0; i < waits.length; i++) {
    total += waits[i];
    if (total >= limit) return i + 1;
  }
  return waits.length;
}
