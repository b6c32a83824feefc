/**
 * The polling arithmetic, done at synth time. Step Functions has no multiply intrinsic, so the
 * growing part of the wait schedule is baked into the ASL as an array indexed by the poll count
 * (`States.ArrayGetItem`), and every wait after it is the max interval. The per-job timeout
 * becomes a poll budget: the number of checks whose waits add up to the timeout.
 */
import type { Polling } from '../config/common';

export interface WaitSchedule {
  /** Waits (seconds) before check 1, 2, ... while they still grow; never empty. */
  readonly growing: readonly number[];
  /** Wait before every later check. */
  readonly steady: number;
  /** Checks allowed before the job times out (waits before them add up to >= the timeout). */
  readonly maxPolls: number;
}

export function waitSchedule(polling: Polling): WaitSchedule {
  const { initialIntervalSeconds, maxIntervalSeconds, backoffRate, timeoutMinutes } = polling;
  const timeout = timeoutMinutes * 60;
  const growing: number[] = [];
  let wait = initialIntervalSeconds;
  let total = 0;
  while (wait < maxIntervalSeconds && total < timeout) {
    growing.push(wait);
    total += wait;
    const next = Math.round(wait * backoffRate);
    if (next === wait) break; // backoffRate 1: the schedule never grows
    wait = next;
  }
  if (growing.length === 0) growing.push(Math.min(initialIntervalSeconds, maxIntervalSeconds));
  const steady = backoffRate === 1 ? initialIntervalSeconds : maxIntervalSeconds;
  const grown = growing.reduce((a, b) => a + b, 0);
  const maxPolls = grown >= timeout ? countUntil(growing, timeout) : growing.length + Math.ceil((timeout - grown) / steady);
  return { growing, steady, maxPolls };
}

/** Seconds waited before the first `polls` checks. */
export function waitedBefore(schedule: WaitSchedule, polls: number): number {
  const grown = schedule.growing.slice(0, polls).reduce((a, b) => a + b, 0);
  return grown + Math.max(0, polls - schedule.growing.length) * schedule.steady;
}

function countUntil(waits: readonly number[], limit: number): number {
  let total = 0;
  for (let i = 0; i < waits.length; i++) {
    total += waits[i];
    if (total >= limit) return i + 1;
  }
  return waits.length;
}
