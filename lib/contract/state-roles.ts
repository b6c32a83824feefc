/**
 * What a state is for in its job: the template records each job's state names by role (job
 * metadata, `continuum:jobs`), and the local runner, progress views and history read them back.
 * A role is a key of JobStateNames, so a misspelled role or a renamed one is a compile error.
 */

/** State names of one job, recorded in the template so tools can follow an execution. */
export interface JobStateNames {
  readonly submit: string;
  readonly status?: string;
  readonly wait?: string;
  readonly done: string;
  readonly failed: string;
  readonly requestFailed: string;
  readonly timedOut?: string;
  readonly skipped?: string;
  readonly findExisting?: string;
  /** existingJob: attached to the running job, skipped because of it, or failed on the conflict. */
  readonly attached?: string;
  readonly skippedExisting?: string;
  readonly conflict?: string;
  /** statusUpdatesId: the Pass that copies the status answer's id to `$.job.id`. */
  readonly trackId?: string;
  readonly fanOut?: string;
  readonly report?: string;
  /** slotPool: the state that takes the job's tenant job slot, the wait while the pool is full, the give-up. */
  readonly acquireSlot?: string;
  readonly slotWait?: string;
  readonly slotWaitTimedOut?: string;
  /** existingJob wait: the wait before looking for the running job again. */
  readonly waitExisting?: string;
  /** lostSubmit: the wait after a failed submit, the look for the job it may have started, the attach to it. */
  readonly lostSubmitWait?: string;
  readonly findLostSubmit?: string;
  readonly attachedLostSubmit?: string;
  /** fromInput: the Choice on the run's input field, the Pass that puts the configured value there, or the Fail when there is none. */
  readonly chooseInput?: string;
  readonly configuredInput?: string;
  readonly inputMissing?: string;
  /** Step durations (learned polling): the read before the submit, the write after success. */
  readonly readDurations?: string;
  readonly recordDurations?: string;
}

export type StateRole = keyof JobStateNames;

/** What the template records about each job (under `continuum:jobs`). */
export interface JobMetadata {
  readonly key: string;
  readonly title: string;
  readonly subject: string;
  readonly states: JobStateNames;
}

/** Each state name's role in its job, from the jobs' metadata. */
export function stateRoles(jobs: readonly { readonly states: Partial<JobStateNames> }[] | undefined): Map<string, StateRole> {
  const roles = new Map<string, StateRole>();
  for (const job of jobs ?? []) {
    for (const [role, name] of Object.entries(job.states) as Array<[StateRole, string | undefined]>) if (typeof name === 'string') roles.set(name, role);
  }
  return roles;
}
