/**
 * Remote jobs whose submit was in flight when the execution ended (#14): the API created them,
 * but the answer never reached the state data, so ./unfinished-jobs.ts cannot know their ids.
 * (A Map iteration fails the run while its siblings' submits are still unanswered; an abort
 * lands between a submit and its answer.)
 *
 * Every submit of a system whose API can list jobs carries an `inFlightCleanup` descriptor in
 * its payload (lib/constructs/job-poller/submit-task.ts), which the history keeps in the submit's
 * TaskScheduled parameters: the look that finds the job a submit created (the lost-submit look,
 * asked for jobs created since the execution started) and how to stop it. For every submit the
 * history scheduled, the cleanup asks that look; a job it answers that is still running and that
 * the history does not already name is stopped.
 *
 * "No other execution holds it": the cleanup looks only when no other execution of the state
 * machine is running (the caller checks). A job of the same configuration started by a
 * concurrent execution cannot be told apart from ours by configuration and time, and the overlap
 * guard makes concurrent executions of one pipeline the exception; then nothing is stopped and
 * the cleaner logs why. Shared by the deployed cleaner and the local runner.
 */
import type { InFlightCleanup } from '../../lib/contract/stop';

export type { InFlightCleanup };

/** A job found and stopped (or not stoppable), with the Map item it belongs to. */
export interface InFlightJob {
  readonly jobKey: string;
  readonly item: unknown;
  readonly jobId: string;
  readonly error?: string;
}

/** Invokes a function with a payload; answers its result or throws. */
export type Invoke = (functionName: string, payload: Record<string, unknown>) => Promise<unknown>;

/** The submits the history scheduled that carry a descriptor, once per job key and item. */
export function inFlightSubmits(scheduled: readonly unknown[]): Array<{ cleanup: InFlightCleanup; item: unknown }> {
  const submits = new Map<string, { cleanup: InFlightCleanup; item: unknown }>();
  for (const parameters of scheduled) {
    const payload = (parameters as { Payload?: Record<string, unknown> } | undefined)?.Payload;
    const cleanup = payload?.inFlightCleanup as InFlightCleanup | undefined;
    if (!cleanup || typeof cleanup.Find?.FunctionName !== 'string' || typeof cleanup.Stop?.FunctionName !== 'string') continue;
    const item = cleanup.Stop.ItemField ? payload![cleanup.Stop.ItemField] : undefined;
    submits.set(JSON.stringify([cleanup.JobKey, item]), { cleanup, item });
  }
  return [...submits.values()];
}

/** Every job id the state data mentions (`$.job.id`, `$.existing.id`): those are not in flight. */
export function knownJobIds(states: readonly unknown[]): Set<string> {
  const ids = new Set<string>();
  for (const data of states) {
    const { job, existing } = (data ?? {}) as { job?: { id?: unknown }; existing?: { id?: unknown } };
    for (const id of [job?.id, existing?.id]) if (typeof id === 'string' && id) ids.add(id);
  }
  return ids;
}

/**
 * Look for each submit's job created since `executionStart` (ISO) and stop the running ones the
 * history does not name. A look or stop that fails is reported; the others still run.
 */
export async function stopInFlightJobs(
  submits: ReturnType<typeof inFlightSubmits>,
  known: ReadonlySet<string>,
  executionStart: string,
  invoke: Invoke,
): Promise<{ stopped: InFlightJob[]; failed: InFlightJob[] }> {
  const result = { stopped: [] as InFlightJob[], failed: [] as InFlightJob[] };
  for (const { cleanup, item } of submits) {
    const itemPayload = cleanup.Stop.ItemField && item !== undefined ? { [cleanup.Stop.ItemField]: item } : {};
    let found: { id?: unknown; outcome?: unknown };
    try {
      found = ((await invoke(cleanup.Find.FunctionName, { ...cleanup.Find.Payload, ...itemPayload, createdAfter: { time: executionStart, allowanceSeconds: 0 } })) ?? {}) as typeof found;
    } catch (error) {
      result.failed.push({ jobKey: cleanup.JobKey, item, jobId: '?', error: describe(error) });
      continue;
    }
    if (typeof found.id !== 'string' || !found.id || found.outcome !== 'running' || known.has(found.id)) continue;
    const jobId = found.id;
    try {
      await invoke(cleanup.Stop.FunctionName, { ...cleanup.Stop.Payload, ...itemPayload, jobId });
      result.stopped.push({ jobKey: cleanup.JobKey, item, jobId });
    } catch (error) {
      result.failed.push({ jobKey: cleanup.JobKey, item, jobId, error: describe(error) });
    }
  }
  return result;
}

const describe = (error: unknown): string => `${(error as Error).name}: ${(error as Error).message}`;
