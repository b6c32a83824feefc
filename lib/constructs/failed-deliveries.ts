/**
 * Where the stack's event-driven functions' failures go: the execution cleanup, the run metrics
 * and the run starter (triggers) are invoked by EventBridge rules, asynchronously. Without a destination, an event whose
 * invocation kept failing (Lambda retries twice) or that EventBridge could not deliver at all is
 * dropped: remote jobs and tenant slots leak, and nobody is told.
 *
 * Both paths end in one encrypted SQS dead-letter queue per stack:
 * - the functions' `onFailure` destination catches what the function itself failed on, with the
 *   event, the error and the number of attempts (a rule target's dead-letter queue never sees
 *   these: for EventBridge the asynchronous invoke succeeded);
 * - each rule target's `deadLetterQueue` catches the events EventBridge could not hand to Lambda
 *   (throttled past the target's retry policy, permission missing).
 * An alarm on the queue's depth notifies the stack's alert topics.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PipelineAlerts } from './pipeline-alerts';

/** CloudWatch allows at most 5 actions per alarm state. */
const ACTIONS_PER_ALARM = 5;

export class FailedDeliveries extends Construct {
  readonly queue: sqs.Queue;
  /** The alarms on the queue's depth (one per five alert topics). */
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      // SQS-managed encryption: EventBridge cannot send to a queue encrypted with the AWS-managed KMS key.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue (Lambda on-failure destination and EventBridge target DLQ) of the execution cleanup, the run metrics and the run starter.',
    });
  }

  /** Send `fn`'s failed asynchronous invocations here, after `retryAttempts` retries. */
  catchFailuresOf(fn: IFunction, options: { readonly retryAttempts?: number; readonly maxEventAge?: Duration } = {}): void {
    fn.configureAsyncInvoke({ onFailure: new SqsDestination(this.queue), retryAttempts: options.retryAttempts ?? 2, maxEventAge: options.maxEventAge });
  }

  /** Alarm when a message is waiting, notifying every topic of `alerts` (deduplicated by topic). */
  notify(alerts: readonly PipelineAlerts[]): void {
    const stack = Stack.of(this);
    const byTopic = new Map<string, PipelineAlerts>();
    for (const a of alerts) {
      const key = a.ownTopic ? a.topic.topicArn : a.node.path;
      if (!byTopic.has(key)) byTopic.set(key, a);
    }
    const topics = [...byTopic.values()];
    for (let start = 0, part = 1; start < topics.length; start += ACTIONS_PER_ALARM, part++) {
      const alarmName = `${stack.stackName}-undelivered-events${part > 1 ? `-${part}` : ''}`;
      const alarm = new cloudwatch.Alarm(this, part > 1 ? `Waiting${part}` : 'Waiting', {
        alarmName,
        alarmDescription:
          `Continuum ${stack.stackName}: the execution cleanup, the run metrics or the run starter failed on an event, which is kept in ${this.queue.queueName} ` +
          '(remote jobs or tenant slots may have been left behind, or a triggered run not started)',
        metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      for (const a of topics.slice(start, start + ACTIONS_PER_ALARM)) a.notifyFrom(alarm, alarmName);
      this.alarms.push(alarm);
    }
  }
}
