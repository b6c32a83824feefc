/**
 * What a Task state wrote into the execution's data, read from its input and output: the step's
 * job (`$.job`) or the answer of a "find a conflicting job" task (`$.existing`). A task that left
 * them unchanged wrote nothing there: `$.job` still holding the previous step's job must not be
 * shown as this task's.
 */
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

export function taskWrote(input: unknown, output: unknown): TaskWrote {
  const before = input as TaskData;
  const after = output as TaskData;
  const changed = (key: 'job' | 'existing') => after?.[key] !== undefined && JSON.stringify(after[key]) !== JSON.stringify(before?.[key]);
  const idOf = (job: JobState) => {
    const id = job.status?.id ?? job.id;
    return id === null || id === undefined ? undefined : String(id);
  };
  return {
    ...(changed('job') ? { job: { id: idOf(after!.job!), state: after!.job!.status?.state, polls: after!.job!.poll?.count, summary: after!.job!.status?.summary } } : {}),
    ...(changed('existing') ? { existing: { id: idOf(after!.existing!), state: after!.existing!.status?.state } } : {}),
  };
}
