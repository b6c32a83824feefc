/**
 * When to look at a running job again, from what the remote API says about its progress.
 *
 * A status handler whose HandlerRef sets `reportsNextCheck` receives `nextCheck` in its payload
 * (the pipeline's shortest and longest wait, and how long the job has been polled) and answers
 * `nextCheckSeconds`: the JobPoller then waits that long instead of following its schedule.
 * Without an estimate (`null`) the schedule applies. The job's timeout is a budget of waited
 * seconds, so estimates cannot make a job time out early or late.
 */
import * as z from 'zod';
import type { JobResult } from './job-result';

/** The `nextCheck` field of a status payload. */
export const nextCheckRequest = z.object({
  minSeconds: z.number().int().min(1),
  maxSeconds: z.number().int().min(1),
  /** Seconds the state machine has waited on this job so far (its own clock, not the API's). */
  elapsedSeconds: z.number().min(0),
});
export type NextCheckRequest = z.output<typeof nextCheckRequest>;

/** A JobResult that says when to check again (null: follow the schedule). */
export type JobResultWithNextCheck = JobResult & { readonly nextCheckSeconds: number | null };

/**
 * The wait until the job should be done if it keeps its pace: `elapsed × (1 − done) / done` for
 * a completed share `done` in (0, 1), clamped to the pipeline's intervals. Null when the share is
 * unknown or says nothing (0: no pace yet; 1: about to end, so the shortest wait is not needed).
 */
export function nextCheckFromProgress(done: number | null | undefined, request: NextCheckRequest | undefined): number | null {
  if (!request || done == null || !Number.isFinite(done) || done <= 0 || done >= 1) return null;
  const remaining = (request.elapsedSeconds * (1 - done)) / done;
  return clampWait(remaining, request);
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
