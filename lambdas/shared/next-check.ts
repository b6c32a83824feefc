/**
 * When to look at a running job again, from what the remote API says about its progress.
 *
 * A status handler whose HandlerRef sets `reportsNextCheck` receives `nextCheck` in its payload
 * (the pipeline's shortest and longest wait, and how long the job has been polled) and answers
 * `nextCheckSeconds`: the JobPoller then waits that long instead of following its schedule. The
 * request carries the previous answer's summary, where the handler keeps its last progress reading
 * (`progressMark`), so each check stays one call and the state lives in the state machine.
 * Without an estimate (`null`) the schedule applies. The job's timeout is a budget of waited
 * seconds, so estimates cannot make a job time out early or late.
 */
import * as z from 'zod';
import type { JobResult } from './job-result';

/**
 * What the previous answer (the submit's, or the last check's) recorded in its summary: the share
 * done and when it was read. Answers that said nothing about progress have neither.
 */
export const progressMarkSchema = z
  .object({ progressDone: z.number().min(0).max(1).nullish(), progressAtSeconds: z.number().min(0).nullish() })
  .loose();
export type ProgressMark = { readonly progressDone: number; readonly progressAtSeconds: number };
/** The summary keys of a progress reading (bookkeeping for the next estimate, not a fact of the job). */
export const PROGRESS_MARK_KEYS: ReadonlySet<string> = new Set<keyof ProgressMark>(['progressDone', 'progressAtSeconds']);

/** The `nextCheck` field of a status payload. */
export const nextCheckRequest = z.object({
  minSeconds: z.number().int().min(1),
  maxSeconds: z.number().int().min(1),
  /** Seconds the state machine has waited on this job so far (its own clock, not the API's). */
  elapsedSeconds: z.number().min(0),
  /** The previous answer's summary (null when it had none). */
  previous: progressMarkSchema.nullish(),
});
export type NextCheckRequest = z.output<typeof nextCheckRequest>;

/** A JobResult that says when to check again (null: follow the schedule). */
export type JobResultWithNextCheck = JobResult & { readonly nextCheckSeconds: number | null };

/**
 * The wait until the job should be done at the pace between the previous reading and this one:
 * `(1 − done) / rate` with `rate = Δdone / Δelapsed`, clamped to the pipeline's intervals.
 *
 * Two readings, not `elapsed × (1 − done) / done` from one: jobs queue before they start (Crossing
 * Minds tasks sit in REQUEST_SENT), so the share done over the time since submit understates the
 * pace and places the check late. Null (follow the schedule) without two readings, when the share
 * did not grow (no pace yet, or progress restarted), and when the job reports it is done.
 */
export function nextCheckFromPace(done: number | null | undefined, request: NextCheckRequest | undefined): number | null {
  const before = request?.previous;
  if (!request || done == null || !Number.isFinite(done) || done >= 1 || before?.progressDone == null || before.progressAtSeconds == null) return null;
  const progressed = done - before.progressDone;
  const waited = request.elapsedSeconds - before.progressAtSeconds;
  if (progressed <= 0 || waited <= 0) return null;
  return clampWait(((1 - done) * waited) / progressed, request);
}

/**
 * The summary fields that let the next check compute the pace: the share done, and when. None
 * when the share is unknown or the handler was not asked for an estimate.
 */
export function progressMark(done: number | null, request: NextCheckRequest | undefined): ProgressMark | Record<string, never> {
  return done === null || !request ? {} : { progressDone: done, progressAtSeconds: request.elapsedSeconds };
}

/** An estimate in seconds (e.g. from an ETA the API reports), clamped to whole seconds in range. */
export function clampWait(seconds: number, request: Pick<NextCheckRequest, 'minSeconds' | 'maxSeconds'>): number {
  // Whole seconds, rounded up, ignoring binary noise (290.00000000000006 is 290).
  return Math.min(request.maxSeconds, Math.max(request.minSeconds, Math.ceil(seconds - 1e-6)));
}

/** A share in [0, 1] from progress text such as "uploading 95%", or `n_processed / n_total` counts. */
export function progressShare(progress: { message?: string | null; n_processed?: unknown; n_total?: unknown } | string | null | undefined): number | null {
  if (progress == null) return null;
  if (typeof progress === 'object') {
    const { n_processed: processed, n_total: total } = progress;
    if (typeof processed === 'number' && typeof total === 'number' && total > 0) return Math.min(1, Math.max(0, processed / total));
  }
  const text = typeof progress === 'string' ? progress : progress.message;
  const percent = text ? /(\d+(?:\.\d+)?)\s*%/.exec(text) : null;
  return percent ? Math.min(1, Number(percent[1]) / 100) : null;
}

export function withNextCheck<T extends JobResult>(result: T, nextCheckSeconds: number | null): T & { readonly nextCheckSeconds: number | null } {
  return { ...result, nextCheckSeconds };
}
