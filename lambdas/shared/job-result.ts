/**
 * The contract between every handler and the generic JobPoller: what a submit or status call
 * returns. The state machine routes on `outcome` only; `state` is the remote system's own word.
 */
import * as z from 'zod';
import { BadTaskInputError } from './errors';
import { cut } from './http';

export type JobOutcome = 'running' | 'succeeded' | 'failed';

export interface JobResult {
  /** The remote job/operation/task/batch id; null when the API ran nothing (a no-op). */
  readonly id: string | null;
  /** The remote state as the API spells it (e.g. RUNNING, DONE, COMPLETED_ERRORS). */
  readonly state: string;
  readonly outcome: JobOutcome;
  /** Stable error name when failed (e.g. TamrOperationFailed); null otherwise. */
  readonly error: string | null;
  /** The remote reason and message when failed; null otherwise. */
  readonly cause: string | null;
  /** Small, provider-specific facts worth keeping (counts, progress); never records or secrets. */
  readonly summary: Record<string, unknown> | null;
}

/** Fail-state causes are limited to 32 KB; keep the start of long remote messages (stack traces). */
const MAX_CAUSE = 4000;

export function running(id: string | null, state: string, summary: Record<string, unknown> | null = null): JobResult {
  return { id, state, outcome: 'running', error: null, cause: null, summary };
}

export function succeeded(id: string | null, state: string, summary: Record<string, unknown> | null = null): JobResult {
  return { id, state, outcome: 'succeeded', error: null, cause: null, summary };
}

export function failed(id: string | null, state: string, error: string, cause: string, summary: Record<string, unknown> | null = null): JobResult {
  return { id, state, outcome: 'failed', error, cause: cut(cause, MAX_CAUSE), summary };
}

/** Validate a task's payload; a mismatch is a synth bug, reported by name. */
export function parseEvent<T>(schema: z.ZodType<T>, event: unknown, handler: string): T {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
    throw new BadTaskInputError(`${handler}: unexpected task input: ${detail}`);
  }
  return parsed.data;
}

/** The status handlers' common input: the job id the submit task returned. */
export const statusEvent = z.object({ jobId: z.string().min(1) });
