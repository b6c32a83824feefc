/**
 * What a person needs after a deploy, as stack Outputs (`aws cloudformation describe-stacks`,
 * the CloudFormation console's Outputs tab, `cdk deploy`'s last lines): per pipeline its state
 * machine, a console link to it, its schedule and its alert topic; per stack its dashboard and
 * its dead-letter queue. At most 4 outputs per pipeline and 2 per stack (CloudFormation allows
 * 200 per stack; the stack planner counts them). Keys are stable: `<PipelinePascal><What>`.
 */
import { CfnOutput, Stack, type CfnOutputProps } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { pascal } from './names';
import type { Pipeline } from './pipeline';

/** Output keys, by what they hold. */
export const OUTPUT_KEYS = {
  stateMachineArn: (pipeline: string) => `${pascal(pipeline)}StateMachineArn`,
  consoleUrl: (pipeline: string) => `${pascal(pipeline)}ConsoleUrl`,
  scheduleName: (pipeline: string) => `${pascal(pipeline)}ScheduleName`,
  alertTopicArn: (pipeline: string) => `${pascal(pipeline)}AlertTopicArn`,
  dashboardUrl: 'DashboardUrl',
  failedDeliveriesQueueUrl: 'FailedDeliveriesQueueUrl',
} as const;

/** Outputs a stack holds at most, per pipeline and for itself. */
export const OUTPUTS_PER_PIPELINE = 4;
export const OUTPUTS_PER_STACK = 2;

/** The Step Functions console page of a state machine. */
export const stateMachineConsoleUrl = (region: string, arn: string): string =>
  `https://${region}.console.aws.amazon.com/states/home?region=${region}#/statemachines/view/${arn}`;

/** The CloudWatch console page of a dashboard. */
export const dashboardConsoleUrl = (region: string, name: string): string =>
  `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${name}`;

/**
 * The outputs of one pipeline. They belong to the pipeline construct (the stack planner counts
 * them as the pipeline's) but keep exactly OUTPUT_KEYS' logical ids.
 */
export function addPipelineOutputs(stack: Stack, name: string, pipeline: Pipeline): void {
  const output = (key: string, props: CfnOutputProps) => new CfnOutput(pipeline, key, props).overrideLogicalId(key);
  const arn = pipeline.stateMachine.stateMachineArn;
  output(OUTPUT_KEYS.stateMachineArn(name), { value: arn, description: `Continuum pipeline '${name}': state machine ARN` });
  output(OUTPUT_KEYS.consoleUrl(name), {
    value: stateMachineConsoleUrl(stack.region, arn),
    description: `Continuum pipeline '${name}': its executions in the Step Functions console`,
  });
  if (pipeline.scheduleName) {
    output(OUTPUT_KEYS.scheduleName(name), { value: pipeline.scheduleName, description: `Continuum pipeline '${name}': EventBridge Scheduler schedule (group default)` });
  }
  output(OUTPUT_KEYS.alertTopicArn(name), {
    value: pipeline.alerts.topic.topicArn,
    description: `Continuum pipeline '${name}': SNS topic told of failed and timed-out runs${pipeline.alerts.ownTopic ? ' (alerts.topicArn)' : ''}`,
  });
}

/** The stack's own outputs: its dashboard and its dead-letter queue. */
export function addStackOutputs(scope: Construct, dashboardName: string, failedDeliveries: sqs.IQueue): void {
  const stack = Stack.of(scope);
  new CfnOutput(stack, OUTPUT_KEYS.dashboardUrl, { value: dashboardConsoleUrl(stack.region, dashboardName), description: 'Continuum: the pipelines\' CloudWatch dashboard' });
  new CfnOutput(stack, OUTPUT_KEYS.failedDeliveriesQueueUrl, {
    value: failedDeliveries.queueUrl,
    description: 'Continuum: events the execution cleanup or run metrics failed on (alarmed when not empty)',
  });
}
