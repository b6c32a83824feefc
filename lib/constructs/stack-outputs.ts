/**
 * What a person needs after a deploy, as stack Outputs (`aws cloudformation describe-stacks`,
 * the CloudFormation console's Outputs tab, `cdk deploy`'s last lines): per pipeline its state
 * machine, a console link to it, its schedule, its alert topic and its execution input's JSON
 * Schema; per stack its dashboard and its dead-letter queue. At most 5 outputs per pipeline and 2
 * per stack (CloudFormation allows 200 per stack; the stack planner counts them). Keys are
 * stable: `<PipelinePascal><What>`.
 */
import { CfnOutput, Stack, type CfnOutputProps } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { PipelineConfig } from '../config/schema';
import { inputJsonSchema } from '../operate/input';
import { pascal } from './names';
import type { Pipeline } from './pipeline';

/** Output keys, by what they hold. */
export const OUTPUT_KEYS = {
  stateMachineArn: (pipeline: string) => `${pascal(pipeline)}StateMachineArn`,
  consoleUrl: (pipeline: string) => `${pascal(pipeline)}ConsoleUrl`,
  scheduleName: (pipeline: string) => `${pascal(pipeline)}ScheduleName`,
  alertTopicArn: (pipeline: string) => `${pascal(pipeline)}AlertTopicArn`,
  inputSchema: (pipeline: string) => `${pascal(pipeline)}InputSchema`,
  dashboardUrl: 'DashboardUrl',
  failedDeliveriesQueueUrl: 'FailedDeliveriesQueueUrl',
} as const;

/** Outputs a stack holds at most, per pipeline and for itself. */
export const OUTPUTS_PER_PIPELINE = 5;

/** CloudFormation's limit on an output's value. */
export const OUTPUT_VALUE_LIMIT = 4096;
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
export function addPipelineOutputs(stack: Stack, name: string, pipeline: Pipeline, config: PipelineConfig): void {
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
  output(OUTPUT_KEYS.inputSchema(name), {
    value: inputSchemaOutput(config),
    description: `Continuum pipeline '${name}': JSON Schema of its execution input (what \`continuum start --input\` accepts)`,
  });
}

/**
 * The input schema as one line of JSON; past CloudFormation's 4,096 characters only each field's
 * type and allowed values (the names and types are what a caller needs; a schedule.input field,
 * any JSON, becomes `{}`), and a synth error if still too long.
 */
export function inputSchemaOutput(config: PipelineConfig): string {
  const schema = inputJsonSchema(config);
  const full = JSON.stringify(schema);
  if (full.length <= OUTPUT_VALUE_LIMIT) return full;
  const properties = Object.fromEntries(
    Object.entries(schema.properties as Record<string, Record<string, unknown>>).map(([key, field]) => [key, Object.fromEntries(Object.entries(field).filter(([k]) => k === 'type' || k === 'enum'))]),
  );
  const { $defs: _, ...rest } = schema; // only the fields' own schemas referred to them
  const short = JSON.stringify({ ...rest, properties });
  if (short.length <= OUTPUT_VALUE_LIMIT) return short;
  throw new Error(`pipeline '${config.name}': its input schema is ${short.length} characters even with only names and types, over CloudFormation's ${OUTPUT_VALUE_LIMIT} per output value (fewer runIf steps or schedule.input fields)`);
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
