/**
 * Polling that learns from a step's own history: the same step ran last night and the night
 * before, and took about as long.
 *
 * The state machine keeps the last `HISTORY_SIZE` successful durations of each pipeline step (in
 * the stack's step-durations table, read before the submit and written after success through the
 * direct DynamoDB integration: no handler touches the table). The submit and status handlers get
 * the item as read in their payload (`learnedPolling`), and the handler frame
 * (lambdas/shared/handler.ts) answers `nextCheckSeconds` from it — pure arithmetic, so each
 * handler still makes exactly one API call:
 *
 *   - before the window: one wait straight to its start, the history's low percentile (`LOW`);
 *   - in the window, up to the longest duration seen (+5 %): a check every `SPACING` of the time
 *     the job has run, so a job that ends there is seen within 4 % of its duration, 2 % typically;
 *   - past it: the pipeline's adaptive growth (a share of the time the job has run), so a job
 *     twice as long as usual is still seen within the adaptive bound.
 *
 * The final success answer carries the history with this run's duration added (`durations`), for
 * the state machine to write back. With no history (a first run, a new step, a missing or
 * corrupted item, a DynamoDB error) the answer is `nextCheckSeconds: null`: the pipeline's wait
 * schedule applies, exactly as before.
 */
import * as z from 'zod';
import { MAX_WINDOW_CHECKS, STEP_DURATIONS_ATTRIBUTE } from '../../lib/contract/step-durations';

/** Successful durations kept per step. */
export const HISTORY_SIZE = 10;
/** The window starts at this quantile of the history. */
const LOW = 0.1;
/**
 * Checks in the window come this share of the job's age apart. The one trade-off of the scheme:
 * for lengths ±20 % around the usual, 5 % gives ~4.5 checks and a 2.7 % median latency (3 % mean),
 * 4 % ~5 checks and 2.2 % (2.6 % mean), 3 % ~6 checks and 1.7 %; 4 % keeps both of #17's targets
 * (≤ 6 checks, ≤ 3 %) with a margin, and the makespan's mean lateness under 3 %.
 */
const SPACING = 0.04;
/** The window ends this much after the longest duration seen. */
const HIGH_MARGIN = 1.05;

/** Durations as stored and passed around: seconds, oldest first. */
export const durationHistorySchema = z.array(z.number().positive().finite()).max(HISTORY_SIZE * 2);
export type DurationHistory = readonly number[];

export interface CheckWindow {
  /** Seconds after the submit: the first check. */
  readonly start: number;
  /** Past this, adaptive growth again. */
  readonly end: number;
  /** The shortest wait between checks inside the window. */
  readonly minSpacing: number;
}

/** The window of likely end times the history shows, or undefined without history. */
export function checkWindow(history: DurationHistory): CheckWindow | undefined {
  if (history.length === 0) return undefined;
  const sorted = [...history].sort((a, b) => a - b);
  const start = Math.max(1, Math.floor(quantile(sorted, LOW)));
  const end = sorted[sorted.length - 1] * HIGH_MARGIN;
  return { start, end, minSpacing: Math.max(1, Math.ceil((end - start) / MAX_WINDOW_CHECKS)) };
}

/**
 * The wait after a check `elapsed` seconds after the submit (0: the submit itself), or null when
 * the history says nothing (then the schedule applies). `adaptive` is the pipeline's own wait for
 * that elapsed time.
 */
export function learnedWait(history: DurationHistory, elapsed: number, adaptive: (elapsed: number) => number): number | null {
  const window = checkWindow(history);
  if (!window) return null;
  if (elapsed < window.start) return Math.ceil(window.start - elapsed);
  if (elapsed < window.end) return Math.max(window.minSpacing, Math.round(SPACING * elapsed));
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

/** A history as read back, or empty when it is missing or not a list of durations. */
export function readHistory(value: unknown): number[] {
  const parsed = durationHistorySchema.safeParse(value);
  return parsed.success ? parsed.data.slice(-HISTORY_SIZE) : [];
}

/**
 * The history in a GetItem answer as the state machine passes it (`{ Item: { durations: { S } } }`),
 * empty for anything else: no item, another attribute type, text that is not a list of durations,
 * or the error a failed read was caught with.
 */
export function storedHistory(answer: unknown): number[] {
  const text = (answer as { Item?: Record<string, { S?: unknown } | undefined> } | null | undefined)?.Item?.[STEP_DURATIONS_ATTRIBUTE]?.S;
  if (typeof text !== 'string') return [];
  try {
    return readHistory(JSON.parse(text));
  } catch {
    return [];
  }
}

/** The `learnedPolling` field of a submit or status payload. */
export const learnedPollingRequest = z.object({
  /** The step's item as the state machine read it (or the error its read was caught with). */
  stored: z.unknown(),
  /** Seconds the state machine has waited on this job so far (0 at the submit). */
  elapsedSeconds: z.number().min(0),
  /** The wait before this check (0 at the submit): the job ended within it. */
  lastWaitSeconds: z.number().min(0).default(0),
  /** The pipeline's polling: its adaptive waits past the window, and the job's timeout. */
  initialIntervalSeconds: z.number().int().min(1),
  maxIntervalSeconds: z.number().int().min(1),
  backoffRate: z.number().min(1),
  timeoutSeconds: z.number().int().min(1),
});
export type LearnedPollingRequest = z.output<typeof learnedPollingRequest>;

/** What the frame adds to a submit or status answer. */
export interface LearnedPollingAnswer {
  /** Seconds until the next check; null: follow the schedule. */
  readonly nextCheckSeconds: number | null;
  /** On success: the history to store, with this run's duration (JSON text); null otherwise. */
  readonly durations: string | null;
}

/** The summary key where a status handler reports the job's duration by the remote system's clock. */
export const REMOTE_DURATION_KEY = 'ranSeconds';

/**
 * `result` with the learned schedule's answer: the next wait (the smaller of the history's and
 * any estimate the handler made from the job's progress) and, on success, the history to store.
 */
export function withLearnedPolling<T>(result: T, request: LearnedPollingRequest): T & LearnedPollingAnswer {
  const answer = (result ?? {}) as { outcome?: unknown; nextCheckSeconds?: unknown; summary?: Record<string, unknown> | null };
  const history = storedHistory(request.stored);
  const own = typeof answer.nextCheckSeconds === 'number' ? answer.nextCheckSeconds : null;
  let nextCheckSeconds = own;
  if (answer.outcome === 'running') {
    const learned = learnedWait(history, request.elapsedSeconds, (elapsed) => adaptiveWait(request, elapsed));
    // Never past the timeout: the check there decides whether the job timed out.
    const capped = learned === null ? null : Math.max(1, Math.min(learned, request.timeoutSeconds - request.elapsedSeconds));
    nextCheckSeconds = capped === null ? own : own === null ? capped : Math.min(own, capped);
  }
  let durations: string | null = null;
  if (answer.outcome === 'succeeded') {
    const remote = answer.summary?.[REMOTE_DURATION_KEY];
    // Without the remote clock: the middle of the last wait, within which the job ended. The
    // check's own time would be late by the latency, and a history of late times would place
    // the next run's first check just as late, forever.
    const seconds = typeof remote === 'number' && Number.isFinite(remote) && remote > 0 ? remote : request.elapsedSeconds - request.lastWaitSeconds / 2;
    // Done at the submit (a no-op): nothing was waited for, nothing to learn.
    if (seconds > 0) durations = JSON.stringify(recordDuration(history, seconds));
  }
  return { ...(result as T), nextCheckSeconds, durations };
}

/**
 * The pipeline's adaptive wait after `elapsed` seconds: lib/polling/wait-schedule.ts `waitAfter`,
 * repeated here because handlers do not import the synth side (test/learned-polling.test.ts checks
 * the two agree).
 */
export function adaptiveWait(polling: Pick<LearnedPollingRequest, 'initialIntervalSeconds' | 'maxIntervalSeconds' | 'backoffRate'>, elapsed: number): number {
  const share = Math.round((polling.backoffRate - 1) * 1e9) / 1e9;
  const proportional = Math.floor(share * elapsed + 1e-9);
  return Math.min(polling.maxIntervalSeconds, Math.max(polling.initialIntervalSeconds, proportional));
}

function quantile(sorted: readonly number[], p: number): number {
  const at = p * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.ceil(at);
  return sorted[below] + (sorted[above] - sorted[below]) * (at - below);
}
