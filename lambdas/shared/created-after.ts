/**
 * The window of a look for a job a submit may have created although its answer was lost: the
 * JobPoller passes `createdAfter: { time, allowanceSeconds }`, where `time` is when the state
 * machine saw the first submit fail (`$$.State.EnteredTime`, never a handler's clock) and
 * `allowanceSeconds` how long before that the failed attempt may have begun (its task timeout).
 * The execution cleanup passes the execution's start and 0.
 */
import * as z from 'zod';

/**
 * Clock skew allowed between the state machine and the remote system, which stamps the job's
 * creation with its own clock: a job created up to this long before the window still counts.
 */
export const CLOCK_SKEW_SECONDS = 60;

export const createdAfterSchema = z.object({ time: z.iso.datetime({ offset: true }), allowanceSeconds: z.number().min(0).default(0) });
export type CreatedAfter = z.output<typeof createdAfterSchema>;

/** The earliest creation time (ms since epoch) a job of the window may have. */
export function notBeforeMs(window: CreatedAfter): number {
  return Date.parse(window.time) - (window.allowanceSeconds + CLOCK_SKEW_SECONDS) * 1000;
}
