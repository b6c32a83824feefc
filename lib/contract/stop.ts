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
