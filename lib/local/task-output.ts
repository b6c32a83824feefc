/**
 * What a Task state wrote into the execution's data: the step's job (`$.job`) or the answer of a
 * "find a conflicting job" task (`$.existing`). When the task's role in its job is known (from the
 * pipeline's job metadata), that decides: submit and status tasks write `$.job`, find tasks write
 * `$.existing`. Otherwise only what changed between the task's input and output counts, so a task
 * that wrote nothing there (`$.job` still holding the previous step's job) is not shown with it.
 */
import type { StateRole } from '../contract/state-roles';

interface JobState {
  id?: string | number | null;
  /** `status.id`, when present, is the job's newest id (a status check may rename the job). */
  status?: { id?: string | number | null; state?: string; summary?: Record<string, unknown> | null };
  poll?: { count?: number };
}
type TaskData = { job?: JobState; existing?: JobState } | null | undefined;

export interface TaskWrote {
  /** The step's job after this task. */
  readonly job?: { id?: string; state?: string; polls?: number; summary?: Record<string, unknown> | null };
  /** A find task's answer: the conflicting job, or `id: undefined` when none was found. */
  readonly existing?: { id?: string; state?: string };
}

export function taskWrote(input: unknown, output: unknown, role?: StateRole): TaskWrote {
  const before = input as TaskData;
  const after = output as TaskData;
  const changed = (key: 'job' | 'existing') => after?.[key] !== undefined && JSON.stringify(after[key]) !== JSON.stringify(before?.[key]);
  const writesJob = role === 'submit' || role === 'status' ? after?.job !== undefined : role === undefined && changed('job');
  const writesExisting = role === 'findExisting' ? after?.existing !== undefined : changed('existing');
  const job = after?.job;
  const existing = after?.existing;
  return {
    ...(writesJob && job ? { job: { id: idOf(job), state: job.status?.state, polls: job.poll?.count, summary: job.status?.summary } } : {}),
    ...(writesExisting && existing ? { existing: { id: idOf(existing), state: existing.status?.state } } : {}),
  };
}

/** A find task's answer as the live view and the history say it; undefined when none was found. */
export function foundText(existing: NonNullable<TaskWrote['existing']>): string | undefined {
  return existing.id ? `found running id ${existing.id}${existing.state ? ` ${existing.state}` : ''}` : undefined;
}

/** Role of each state name in its job (`submit`, `status`, `findExisting`, …), from job metadata. */
export { stateRoles } from '../contract/state-roles';

function idOf(job: JobState): string | undefined {
  const id = job.status?.id ?? job.id;
  return id === null || id === undefined ? undefined : String(id);
}
