/**
 * `continuum status`: per deployed pipeline its schedule (expression, time zone, enabled or
 * paused), whether a run is in progress, and how the last runs ended and where.
 */
import type { AwsClients } from './aws';
import type { DeployedPipeline } from './deployed';
import { recentExecutions, runningExecution, stateMachineArn, type ExecutionSummary } from './executions';
import { readSchedule, type DeployedSchedule } from './schedules';

export interface PipelineStatus {
  readonly pipeline: string;
  readonly stateMachineArn: string;
  readonly schedule?: DeployedSchedule;
  readonly running?: string;
  readonly executions: readonly ExecutionSummary[];
}

export async function pipelineStatus(aws: AwsClients, pipeline: DeployedPipeline): Promise<PipelineStatus> {
  const arn = await stateMachineArn(aws, pipeline);
  const [schedule, running, executions] = await Promise.all([readSchedule(aws, pipeline), runningExecution(aws, arn), recentExecutions(aws, pipeline, arn)]);
  return { pipeline: pipeline.config.name, stateMachineArn: arn, ...(schedule ? { schedule } : {}), ...(running ? { running } : {}), executions };
}
