/**
 * Puts a config's pipelines into a moto server as `cdk deploy` would name them: each state
 * machine (the given definition) and its schedule (the config's expression, time zone, enabled
 * state and input). Returns each pipeline's state machine ARN. Shared by the operate tests.
 */
import { CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import type { AwsClients } from '../../lib/operate/aws';
import type { DeployedPipeline } from '../../lib/operate/deployed';

export const MOTO_ROLE = 'arn:aws:iam::123456789012:role/continuum-test';

export async function deployToMoto(aws: AwsClients, pipelines: readonly DeployedPipeline[], definitionOf: (pipeline: DeployedPipeline) => unknown): Promise<Map<string, string>> {
  const arns = new Map<string, string>();
  for (const pipeline of pipelines) {
    const { stateMachineArn: arn } = await aws.sfn.send(new CreateStateMachineCommand({ name: pipeline.stateMachineName, definition: JSON.stringify(definitionOf(pipeline)), roleArn: MOTO_ROLE }));
    arns.set(pipeline.config.name, arn!);
    const schedule = pipeline.config.schedule;
    if (!pipeline.scheduleName || !schedule) continue;
    await aws.scheduler.send(
      new CreateScheduleCommand({
        Name: pipeline.scheduleName,
        ScheduleExpression: schedule.expression,
        ScheduleExpressionTimezone: schedule.timezone,
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: schedule.enabled ? 'ENABLED' : 'DISABLED',
        Description: `Starts Continuum pipeline '${pipeline.config.name}'`,
        Target: { Arn: arn, RoleArn: MOTO_ROLE, Input: JSON.stringify({ ...schedule.input, trigger: 'schedule' }), RetryPolicy: { MaximumRetryAttempts: 2 } },
      }),
    );
  }
  return arns;
}
