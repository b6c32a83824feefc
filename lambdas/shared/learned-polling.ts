/**
 * Polling that learns from a step's own history: the same step ran last night and the night
 * before, and took about as long.
 *
 * The state machine keeps the last `HISTORY_SIZE` successful durations of each pipeline step (in
 * the stack's DynamoDB table, read before the submit and written after success through the direct
 * DynamoDB integration: no handler touches the table). The status handler gets them in its
 * payload and places the checks:
 *
 *   - before the window: one wait straight to its start, the history's low percentile (`LOW`);
 *   - in the window, up to the longest duration seen (+5 %): a check every `SPACING` × its start,
 *     so a job that ends there is seen within 3 % of its duration;
 *   - past it: today's adaptive growth (a share of the time the job has run), so a job twice as
 *     long as usual is still seen within the adaptive bound.
 *
 * With no history (a first run, a new step, a corrupted item) nothing here applies: the
 * pipeline's wait schedule does, exactly as before.
 */
import * as z from 'zod';

/** Successful durations kept per step. */
export const HISTORY_SIZE = 10;
/** The window starts at this quantile of the history. */
const LOW = 0.1;
/** Checks in the window come this share of its start apart. */
const SPACING = 0.03;
/** The window ends this much after the longest duration seen. */
const HIGH_MARGIN = 1.05;

/** What the state machine passes to the status handler (and stores): seconds, oldest first. */
export const durationHistorySchema = z.array(z.number().positive().finite()).max(HISTORY_SIZE * 2);
export type DurationHistory = readonly number[];

export interface CheckWindow {
  /** Seconds after the submit: the first check. */
  readonly start: number;
  /** Past this, adaptive growth again. */
  readonly end: number;
  /** Seconds between checks inside the window. */
  readonly spacing: number;
}

/** The window of likely end times the history shows, or undefined without history. */
export function checkWindow(history: DurationHistory): CheckWindow | undefined {
  if (history.length === 0) return undefined;
  const sorted = [...history].sort((a, b) => a - b);
  const start = Math.max(1, Math.floor(quantile(sorted, LOW)));
  return { start, end: sorted[sorted.length - 1] * HIGH_MARGIN, spacing: Math.max(1, Math.round(SPACING * start)) };
}

/**
 * The wait after a check `elapsed` seconds after the submit, or null when the history says nothing
 * (then the schedule applies). `adaptive` is the pipeline's own wait for that elapsed time.
 */
export function learnedWait(history: DurationHistory, elapsed: number, adaptive: (elapsed: number) => number): number | null {
  const window = checkWindow(history);
  if (!window) return null;
  if (elapsed < window.start) return Math.ceil(window.start - elapsed);
  if (elapsed < window.end) return window.spacing;
  return adaptive(elapsed);
}

/** The first wait (before any check), or null without history. */
export function firstWait(history: DurationHistory): number | null {
  return checkWindow(history)?.start ?? null;
}

/** The history after a success that took `seconds`: the newest `HISTORY_SIZE`, oldest first. */
export function recordDuration(history: DurationHistory, seconds: number): number[] {
  return [...history, Math.max(1, Math.round(seconds))].slice(-HISTORY_SIZE);
}

/** A stored history as read back, or empty when it is missing or not a list of durations. */
export function readHistory(value: unknown): number[] {
  const parsed = durationHistorySchema.safeParse(value);
  return parsed.success ? parsed.data.slice(-HISTORY_SIZE) : [];
}

function quantile(sorted: readonly number[], p: number): number {
  const at = p * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.ceil(at);
  return sorted[below] + (sorted[above] - sorted[below]) * (at - below);
}
