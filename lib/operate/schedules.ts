/**
 * Pause and resume a deployed pipeline's schedule (e.g. during vendor maintenance), keeping
 * everything else as deployed. UpdateSchedule replaces the whole schedule, so the current one is
 * read first and written back with only its state changed. The next `cdk deploy` applies the
 * config's `schedule.enabled` again.
 */
import { GetScheduleCommand, UpdateScheduleCommand, type GetScheduleCommandOutput } from '@aws-sdk/client-scheduler';
import type { AwsClients } from './aws';
import { OperateError, type DeployedPipeline } from './deployed';

export type ScheduleState = 'ENABLED' | 'DISABLED';

export interface DeployedSchedule {
  readonly name: string;
  readonly expression: string;
  readonly timeZone: string;
  readonly state: ScheduleState;
}

export async function readSchedule(aws: AwsClients, pipeline: DeployedPipeline): Promise<DeployedSchedule | undefined> {
  if (!pipeline.scheduleName) return undefined;
  const schedule = await getSchedule(aws, pipeline.scheduleName);
  return { name: pipeline.scheduleName, expression: schedule.ScheduleExpression ?? '', timeZone: schedule.ScheduleExpressionTimezone ?? 'UTC', state: schedule.State as ScheduleState };
}

/** Sets the schedule's state; answers the state it had before. */
export async function setScheduleState(aws: AwsClients, pipeline: DeployedPipeline, state: ScheduleState): Promise<ScheduleState> {
  if (!pipeline.scheduleName) throw new OperateError(`pipeline '${pipeline.config.name}' has no schedule (nothing to pause or resume)`);
  const current = await getSchedule(aws, pipeline.scheduleName);
  await aws.scheduler.send(
    new UpdateScheduleCommand({
      Name: current.Name,
      GroupName: current.GroupName,
      ScheduleExpression: current.ScheduleExpression,
      ScheduleExpressionTimezone: current.ScheduleExpressionTimezone,
      StartDate: current.StartDate,
      EndDate: current.EndDate,
      Description: current.Description,
      FlexibleTimeWindow: current.FlexibleTimeWindow,
      Target: current.Target,
      KmsKeyArn: current.KmsKeyArn,
      ActionAfterCompletion: current.ActionAfterCompletion,
      State: state,
    }),
  );
  return current.State as ScheduleState;
}

async function getSchedule(aws: AwsClients, name: string): Promise<GetScheduleCommandOutput> {
  try {
    return await aws.scheduler.send(new GetScheduleCommand({ Name: name }));
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') throw new OperateError(`schedule '${name}' is not deployed (run 'cdk deploy' first, or check --region)`, 1);
    throw error;
  }
}
