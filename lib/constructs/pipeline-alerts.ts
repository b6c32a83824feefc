/**
 * What tells a person that a pipeline needs attention: an SNS topic (the pipeline's own, or a
 * configured one) notified by an EventBridge rule when an execution fails or times out, and a
 * CloudWatch alarm on failed executions that notifies the same topic.
 *
 * A topic policy replaces SNS's default one, so the pipeline's own topic allows exactly its
 * publishers: `events.amazonaws.com` for its rule and `cloudwatch.amazonaws.com` for its alarms,
 * each limited by `aws:SourceArn` and `aws:SourceAccount` (no other account's rule or alarm can
 * publish). The rule and alarm have explicit names, so their ARNs are known before they exist:
 * the same text serves the stack's KMS key policy and the policy a team's own topic needs.
 */
import { ArnFormat, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Alerts } from '../config/common';
import { executionStatusPattern } from './execution-events';
import { boundedName, boundedPrefix } from './names';

/** EventBridge rule names: at most 64 characters. */
const RULE_NAME_LIMIT = 64;

/** The name of the alert rule of state machine `stateMachineName` (`<stack>-<pipeline>-alert`, cut with a hash past 64). */
export const alertRuleName = (stateMachineName: string): string => boundedName(`${stateMachineName}-alert`, RULE_NAME_LIMIT);
/** The name of the failed-executions alarm of state machine `stateMachineName`. */
export const alertAlarmName = (stateMachineName: string): string => `${stateMachineName}-unsuccessful-runs`;

/** ARN patterns covering every alert rule and alarm of `stack` (for its KMS key policy). */
export function alertSourcePatterns(stack: Stack): { readonly rules: string; readonly alarms: string } {
  return {
    rules: stack.formatArn({ service: 'events', resource: 'rule', resourceName: `${boundedPrefix(stack.stackName, RULE_NAME_LIMIT)}*` }),
    alarms: stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${stack.stackName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
  };
}

/** The ARN of alarm `name` in `stack`'s account and region. */
export const alarmArn = (stack: Stack, name: string): string =>
  stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });

/** Execution statuses a person is told about. */
export const ALERT_STATUSES = ['FAILED', 'TIMED_OUT'] as const;

export interface PipelineAlertsProps {
  readonly pipelineName: string;
  readonly stateMachine: sfn.StateMachine;
  readonly alerts: Alerts;
  /** Encrypts the pipeline's own topic (EventBridge and CloudWatch may use it). */
  readonly key: kms.IKey;
}

export class PipelineAlerts extends Construct {
  readonly topic: sns.ITopic;
  /** True when the topic is the team's own (`alerts.topicArn`): its policy is theirs to write. */
  readonly ownTopic: boolean;
  readonly rule: events.Rule;
  readonly alarm: cloudwatch.Alarm;
  /** The alert rule's name (`<stack>-<pipeline>-alert`). */
  readonly ruleName: string;
  /** Names of every alarm that notifies the topic: this pipeline's, and the stack's added by `notifyFrom`. */
  readonly alarmNames: string[] = [];

  constructor(scope: Construct, id: string, props: PipelineAlertsProps) {
    super(scope, id);
    const { pipelineName, stateMachine, alerts } = props;
    const stack = Stack.of(this);
    const stateMachineName = String((stateMachine.node.defaultChild as sfn.CfnStateMachine).stateMachineName);

    this.ownTopic = alerts.topicArn !== undefined;
    if (alerts.topicArn) {
      this.topic = sns.Topic.fromTopicArn(this, 'Topic', alerts.topicArn);
    } else {
      const topic = new sns.Topic(this, 'Topic', {
        displayName: `Continuum ${pipelineName} alerts`,
        masterKey: props.key,
        enforceSSL: true,
      });
      for (const email of alerts.emails) topic.addSubscription(new subscriptions.EmailSubscription(email));
      this.topic = topic;
    }

    this.ruleName = alertRuleName(stateMachineName);
    this.rule = new events.Rule(this, 'ExecutionFailed', {
      ruleName: this.ruleName,
      description: `Continuum ${pipelineName}: an execution failed or timed out`,
      eventPattern: executionStatusPattern([stateMachine], ALERT_STATUSES),
      // Not aws-events-targets' SnsTopic: it grants events.amazonaws.com Publish without a source condition.
      targets: [
        {
          bind: () => ({
            arn: this.topic.topicArn,
            input: events.RuleTargetInput.fromText(
              `Continuum pipeline '${pipelineName}': execution ${events.EventField.fromPath('$.detail.name')} ` +
                `${events.EventField.fromPath('$.detail.status')}: ${events.EventField.fromPath('$.detail.error')}: ` +
                `${events.EventField.fromPath('$.detail.cause')} (${events.EventField.fromPath('$.detail.executionArn')})`,
            ),
          }),
        },
      ],
    });

    this.alarm = new cloudwatch.Alarm(this, 'FailedExecutions', {
      alarmName: alertAlarmName(stateMachineName),
      alarmDescription: `Continuum ${pipelineName}: executions failed, timed out or were aborted in the last hour`,
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut + aborted',
        usingMetrics: {
          failed: stateMachine.metricFailed({ period: Duration.hours(1), statistic: 'Sum' }),
          timedOut: stateMachine.metricTimedOut({ period: Duration.hours(1), statistic: 'Sum' }),
          aborted: stateMachine.metricAborted({ period: Duration.hours(1), statistic: 'Sum' }),
        },
        period: Duration.hours(1),
        label: 'Unsuccessful executions',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
    this.alarmNames.push(alertAlarmName(stateMachineName));

    if (this.topic instanceof sns.Topic) {
      const account = { 'aws:SourceAccount': stack.account };
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AlertRulePublishes',
          principals: [new iam.ServicePrincipal('events.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: { ArnEquals: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: this.ruleName }) }, StringEquals: account },
        }),
      );
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AlarmsPublish',
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          // Lazy: the stack's own alarms (failed event deliveries) are added after the pipelines.
          conditions: { ArnEquals: { 'aws:SourceArn': Lazy.list({ produce: () => this.alarmNames.map((name) => alarmArn(stack, name)) }) }, StringEquals: account },
        }),
      );
    }
  }

  /** Let the alarm named `alarmName` (of this stack) notify the topic, and add it as its action. */
  notifyFrom(alarm: cloudwatch.Alarm, alarmName: string): void {
    alarm.addAlarmAction(new cwActions.SnsAction(this.topic));
    this.alarmNames.push(alarmName);
  }
}
