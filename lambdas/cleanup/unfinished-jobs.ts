/**
 * Which remote jobs an ended execution left running, read from its history alone.
 *
 * A job's state data (`$.job`, kept by the JobPoller) holds its remote id, its last outcome and,
 * for systems that can stop a job, a stop descriptor: the function to invoke and its payload.
 * An execution that was aborted, timed out or failed (say one Map iteration failed while the
 * others were still polling) may leave jobs whose last seen outcome is `running`: those are
 * stopped. The same function serves the deployed cleaner (GetExecutionHistory) and the local
 * runner (its own history), so both stop the same jobs.
 */

/** What the JobPoller records at `$.job.stop` for a stoppable job: lib/contract/stop.ts. */
import type { StopDescriptor } from '../../lib/contract/stop';
export type { StopDescriptor };

/** A job to stop, and the exact invocation that stops it. */
export interface UnfinishedJob {
  readonly jobId: string;
  readonly FunctionName: string;
  readonly Payload: Record<string, unknown>;
}

type JobData = {
  item?: unknown;
  job?: { id?: unknown; status?: { outcome?: unknown }; stop?: StopDescriptor | null; stopped?: unknown };
};

/**
 * `states` are the execution's state inputs and outputs, in history order (parsed JSON).
 * A job is unfinished when the last state data that mentions its id says `running`.
 */
export function unfinishedJobs(states: readonly unknown[]): UnfinishedJob[] {
  const last = new Map<string, { outcome: unknown; stop: StopDescriptor; item: unknown }>();
  for (const data of states) {
    const { job, item } = (data ?? {}) as JobData;
    if (!job || typeof job.id !== 'string' || !job.id || !isStopDescriptor(job.stop)) continue;
    const key = `${job.stop.FunctionName} ${job.id}`;
    // A job the state machine already stopped (its timeout path) counts as finished.
    const outcome = job.stopped ? 'stopped' : job.status?.outcome;
    last.set(key, { outcome, stop: job.stop, item: item ?? last.get(key)?.item });
  }
  const jobs: UnfinishedJob[] = [];
  for (const [key, { outcome, stop, item }] of last) {
    if (outcome !== 'running') continue;
    const jobId = key.slice(key.indexOf(' ') + 1);
    const itemPayload = stop.ItemField && item !== undefined ? { [stop.ItemField]: item } : {};
    jobs.push({ jobId, FunctionName: stop.FunctionName, Payload: { ...stop.Payload, ...itemPayload, jobId } });
  }
  return jobs;
}

function isStopDescriptor(value: unknown): value is StopDescriptor {
  const stop = value as StopDescriptor | null | undefined;
  return typeof stop?.FunctionName === 'string' && typeof stop.Payload === 'object' && stop.Payload !== null;
}
