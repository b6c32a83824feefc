/**
 * Alerts that can be delivered and cannot be spoofed, and failures of the event-driven functions
 * that go somewhere: CDK assertions on the example app's template.
 */
import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app';
import { loadConfig } from '../lib/config/load';
import type { CfnTemplate } from '../lib/local/synthesized';
import { testConfig } from './support/local-run';

type Statement = { Effect: string; Action: string | string[]; Principal?: { Service?: string | string[] }; Condition?: Record<string, Record<string, unknown>> };
type Resource = CfnTemplate['Resources'][string] & { Properties: Record<string, unknown> };

const config = loadConfig('pipelines.yaml');
let raw: CfnTemplate;
let resources: Array<[string, Resource]>;

beforeAll(() => {
  const { stack } = buildApp({ config, bundle: false });
  raw = Template.fromStack(stack).toJSON() as CfnTemplate;
  resources = Object.entries(raw.Resources) as Array<[string, Resource]>;
});

const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
const statements = (document: unknown): Statement[] => (document as { Statement: Statement[] }).Statement;
const services = (s: Statement) => [s.Principal?.Service ?? []].flat();
const actions = (s: Statement) => [s.Action].flat();
/** A CloudFormation value as text: {Fn::Join} parts concatenated, pseudo parameters as <Name>, the strings of objects and lists one per line. */
const text = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(text).join('\n');
  const object = (value ?? {}) as Record<string, unknown>;
  if (typeof object.Ref === 'string') return object.Ref.replace(/^AWS::(\w+)$/, '<$1>');
  if (Array.isArray(object['Fn::Join'])) return (object['Fn::Join'][1] as unknown[]).map(text).join(String(object['Fn::Join'][0]));
  return Object.values(object).map(text).join('\n');
};

describe('alert topics', () => {
  it('exist for every pipeline, and each policy lets exactly its own rule and alarms publish, from this account only', () => {
    const policies = ofType('AWS::SNS::TopicPolicy');
    expect(policies).toHaveLength(config.pipelines.length);
    for (const [id, policy] of policies) {
      const allows = statements((policy.Properties.PolicyDocument as object)).filter((s) => s.Effect === 'Allow');
      for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
        const publish = allows.filter((s) => services(s).includes(service) && actions(s).includes('sns:Publish'));
        expect(publish, `${id}: ${service}`).toHaveLength(1);
        expect(publish[0].Condition?.ArnEquals?.['aws:SourceArn'], `${id}: ${service} source ARN`).toBeDefined();
        expect(publish[0].Condition?.StringEquals?.['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
      }
      // Nothing publishes without a source condition.
      expect(allows.filter((s) => !s.Condition)).toEqual([]);
    }
  });

  it('names each rule and alarm, and the policies name exactly those ARNs', () => {
    const rules = ofType('AWS::Events::Rule').filter(([, r]) => String(r.Properties.Name ?? '').endsWith('-alert'));
    const alarms = ofType('AWS::CloudWatch::Alarm');
    expect(rules.map(([, r]) => r.Properties.Name).sort()).toEqual(config.pipelines.map((p) => `Continuum-${p.name}-alert`).sort());
    expect(alarms.map(([, a]) => a.Properties.AlarmName)).toEqual(expect.arrayContaining(config.pipelines.map((p) => `Continuum-${p.name}-unsuccessful-runs`)));
    const policyText = ofType('AWS::SNS::TopicPolicy').map(([, p]) => text(p.Properties.PolicyDocument)).join('\n');
    for (const pipeline of config.pipelines) {
      expect(policyText).toContain(`arn:<Partition>:events:<Region>:<AccountId>:rule/Continuum-${pipeline.name}-alert`);
      expect(policyText).toContain(`arn:<Partition>:cloudwatch:<Region>:<AccountId>:alarm:Continuum-${pipeline.name}-unsuccessful-runs`);
    }
    // The dead-letter queue's alarm may publish too.
    expect(policyText).toContain('arn:<Partition>:cloudwatch:<Region>:<AccountId>:alarm:Continuum-undelivered-events');
  });

  it('are encrypted with a key that only this stack\'s alert rules and alarms may use, from this account', () => {
    const [[, key]] = ofType('AWS::KMS::Key');
    const byService = new Map(statements(key.Properties.KeyPolicy).flatMap((s) => services(s).map((service) => [service, s] as const)));
    for (const [service, source] of [
      ['events.amazonaws.com', 'arn:<Partition>:events:<Region>:<AccountId>:rule/Continuum-*'],
      ['cloudwatch.amazonaws.com', 'arn:<Partition>:cloudwatch:<Region>:<AccountId>:alarm:Continuum-*'],
    ]) {
      const statement = byService.get(service)!;
      expect(actions(statement).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
      expect(text(statement.Condition?.ArnLike?.['aws:SourceArn'])).toBe(source);
      expect(statement.Condition?.StringEquals?.['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
    }
  });
});

describe('failures of the execution cleanup and the run metrics', () => {
  const queueId = () => ofType('AWS::SQS::Queue').map(([id]) => id);

  it('are kept 14 days in one encrypted, TLS-only dead-letter queue', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues).toHaveLength(1);
    expect(queues[0][1].Properties).toMatchObject({ MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
    const [[, policy]] = ofType('AWS::SQS::QueuePolicy');
    expect(statements(policy.Properties.PolicyDocument)).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
  });

  it('are the on-failure destination of both functions and the dead-letter queue of both rule targets', () => {
    const [queue] = queueId();
    const configs = ofType('AWS::Lambda::EventInvokeConfig');
    const functionOf = (id: string) => (configs.find(([, c]) => (c.Properties.FunctionName as { Ref: string }).Ref === id)?.[1].Properties.DestinationConfig as object) ?? null;
    const functions = ofType('AWS::Lambda::Function').filter(([, f]) => /stops the remote jobs|publishes how long/.test(String(f.Properties.Description)));
    expect(functions).toHaveLength(2);
    for (const [id] of functions) expect(functionOf(id), id).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': [queue, 'Arn'] } } });

    const targets = ofType('AWS::Events::Rule').flatMap(([, r]) => r.Properties.Targets as Array<{ Arn: unknown; DeadLetterConfig?: unknown }>);
    for (const [id] of functions) {
      const target = targets.find((t) => JSON.stringify(t.Arn) === JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] }));
      expect(target?.DeadLetterConfig, id).toEqual({ Arn: { 'Fn::GetAtt': [queue, 'Arn'] } });
    }
  });

  it('raise an alarm on the queue\'s depth whose actions are the stack\'s alert topics', () => {
    const [queue] = queueId();
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, a]) => String(a.Properties.AlarmName).startsWith('Continuum-undelivered-events'));
    expect(alarms).toHaveLength(1);
    const [[, alarm]] = alarms;
    expect(alarm.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const topics = ofType('AWS::SNS::Topic').map(([id]) => ({ Ref: id }));
    expect(topics).toHaveLength(config.pipelines.length);
    expect(alarm.Properties.AlarmActions).toEqual(topics);
  });

  it('notify at most five topics per alarm (CloudWatch\'s limit), with more alarms for more topics', () => {
    const yaml = readFileSync('pipelines.yaml', 'utf8');
    const extra = [1, 2, 3].map((i) => yaml.split('\n  - name: ')[2].replace(/^tamr-cloud-demo/, `tamr-cloud-extra-${i}`));
    const { stack } = buildApp({ config: testConfig(`${yaml.trimEnd()}\n  - name: ${extra.map((e) => e.trimEnd()).join('\n  - name: ')}\n`), bundle: false });
    const alarms = Object.values((Template.fromStack(stack).toJSON() as CfnTemplate).Resources).filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm' && String((r as Resource).Properties.AlarmName).startsWith('Continuum-undelivered-events'),
    ) as Resource[];
    expect(alarms.map((a) => (a.Properties.AlarmActions as unknown[]).length)).toEqual([5, 2]);
    expect(alarms.map((a) => a.Properties.AlarmName)).toEqual(['Continuum-undelivered-events', 'Continuum-undelivered-events-2']);
  });
});
