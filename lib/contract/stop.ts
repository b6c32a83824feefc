/**
 * How a stoppable job is stopped, kept with the job at `$.job.stop` by the JobPoller and read
 * back from the history by the execution cleanup (lambdas/cleanup/) when an execution ends early.
 */
export interface StopDescriptor {
  /** ARN of the function that stops the job. */
  readonly FunctionName: string;
  /** The stop call's static payload (the job id and Map item are added). */
  readonly Payload: Record<string, unknown>;
  /** Payload field receiving the Map item, for jobs run once per item. */
  readonly ItemField?: string | null;
}

/**
 * What a submit's payload carries (`inFlightCleanup`) so the execution cleanup can find and stop
 * a job whose submit was still in flight when the run ended (lambdas/cleanup/in-flight-jobs.ts).
 */
export interface InFlightCleanup {
  /** The job's key (`$.steps.<key>`), so reports can name the step. */
  readonly JobKey: string;
  /** The look that answers the job a submit created: its function and static payload. */
  readonly Find: { readonly FunctionName: string; readonly Payload: Record<string, unknown> };
  readonly Stop: StopDescriptor;
}
