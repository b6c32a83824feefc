/**
 * What tells a person that a pipeline needs attention: an SNS topic (the pipeline's own, or a
 * configured one) notified by an EventBridge rule when an execution fails or times out, and a
 * CloudWatch alarm on failed executions that notifies the same topic.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Alerts } from '../config/common';
import { executionStatusPattern } from './execution-events';

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
  readonly rule: events.Rule;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: PipelineAlertsProps) {
    super(scope, id);
    const { pipelineName, stateMachine, alerts } = props;

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

    this.rule = new events.Rule(this, 'ExecutionFailed', {
      description: `Continuum ${pipelineName}: an execution failed or timed out`,
      eventPattern: executionStatusPattern([stateMachine], ALERT_STATUSES),
      targets: [
        new eventTargets.SnsTopic(this.topic, {
          message: events.RuleTargetInput.fromText(
            `Continuum pipeline '${pipelineName}': execution ${events.EventField.fromPath('$.detail.name')} ` +
              `${events.EventField.fromPath('$.detail.status')}: ${events.EventField.fromPath('$.detail.error')}: ` +
              `${events.EventField.fromPath('$.detail.cause')} (${events.EventField.fromPath('$.detail.executionArn')})`,
          ),
        }),
      ],
    });

    this.alarm = new cloudwatch.Alarm(this, 'FailedExecutions', {
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
  }
}
