/**
 * What a team's own alert topic (`alerts.topicArn`) must allow. Continuum cannot change the
 * policy of a topic it does not own, and a topic policy replaces SNS's default one: unless the
 * policy allows them, neither the pipeline's EventBridge rule nor its CloudWatch alarms can
 * publish, and the alerts are silently lost. These are the exact statements, with the rule and
 * alarm ARNs of this app (their names are fixed at synth), for the topic's policy and, when the
 * topic is encrypted with a customer-managed KMS key, for the key's policy.
 */
import { ArnFormat } from 'aws-cdk-lib';
import type { BuiltApp } from '../app';
import type { ContinuumStack } from '../continuum-stack';
import { alarmArn } from '../constructs/pipeline-alerts';
import { renderValue } from './render';

/** One team topic and who publishes to it. */
export interface OwnTopicPublishers {
  readonly topicArn: string;
  readonly pipelines: string[];
  readonly ruleArns: string[];
  readonly alarmArns: string[];
  readonly account: string;
}

/** Every team topic of the app, with the rules and alarms that publish to it. */
export function ownTopicPublishers(built: Pick<BuiltApp, 'stacks'>): OwnTopicPublishers[] {
  const byTopic = new Map<string, OwnTopicPublishers>();
  for (const stack of built.stacks) {
    for (const [name, pipeline] of stack.pipelines) {
      const alerts = pipeline.alerts;
      if (!alerts.ownTopic) continue;
      const topicArn = alerts.topic.topicArn;
      const entry = byTopic.get(topicArn) ?? { topicArn, pipelines: [], ruleArns: [], alarmArns: [], account: renderValue(stack, stack.account) };
      entry.pipelines.push(name);
      entry.ruleArns.push(ruleArn(stack, alerts.ruleName));
      for (const alarm of alerts.alarmNames) {
        const arn = renderValue(stack, alarmArn(stack, alarm));
        if (!entry.alarmArns.includes(arn)) entry.alarmArns.push(arn);
      }
      byTopic.set(topicArn, entry);
    }
  }
  return [...byTopic.values()];
}

function ruleArn(stack: ContinuumStack, name: string): string {
  return renderValue(stack, stack.formatArn({ service: 'events', resource: 'rule', resourceName: name, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }));
}

/** The statements the topic's policy must contain. */
export function topicPolicyStatements(t: OwnTopicPublishers): object[] {
  const account = { 'aws:SourceAccount': t.account };
  return [
    {
      Sid: 'ContinuumAlertRules',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: t.topicArn,
      Condition: { ArnEquals: { 'aws:SourceArn': t.ruleArns }, StringEquals: account },
    },
    {
      Sid: 'ContinuumAlarms',
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
      Resource: t.topicArn,
      Condition: { ArnEquals: { 'aws:SourceArn': t.alarmArns }, StringEquals: account },
    },
  ];
}

/** The statement the policy of the topic's KMS key must contain (customer-managed keys only). */
export function keyPolicyStatement(t: OwnTopicPublishers): object {
  return {
    Sid: 'ContinuumAlertPublishers',
    Effect: 'Allow',
    Principal: { Service: ['events.amazonaws.com', 'cloudwatch.amazonaws.com'] },
    Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    Resource: '*',
    Condition: { ArnEquals: { 'aws:SourceArn': [...t.ruleArns, ...t.alarmArns] }, StringEquals: { 'aws:SourceAccount': t.account } },
  };
}

/** The text `continuum synth` prints for the app's team topics (nothing when there are none). */
export function ownTopicRequirements(built: Pick<BuiltApp, 'stacks'>): string[] {
  const indent = (json: object) => JSON.stringify(json, null, 2).replace(/^/gm, '    ');
  return ownTopicPublishers(built).flatMap((t) => [
    `Alert topic ${t.topicArn} (alerts.topicArn of ${t.pipelines.join(', ')}) is yours: Continuum cannot change its policy.`,
    '  Its topic policy must contain these statements, or the alerts are lost:',
    indent(topicPolicyStatements(t)),
    '  If it is encrypted with a customer-managed KMS key, that key\'s policy must contain (the AWS-managed key alias/aws/sns cannot work: its policy cannot be changed):',
    indent(keyPolicyStatement(t)),
  ]);
}
