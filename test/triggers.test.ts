/**
 * Triggers as synthesized: an event trigger's rule matches its source and detail type and targets
 * the run starter with the pipeline's state machine; an S3 trigger's pattern matches the bucket's
 * Object Created events under the prefix with the suffix, targets the run starter, lets the records
 * handler read only under the prefix, and a bucket the stack creates sends its events to
 * EventBridge; the starter's failures go to the alarmed dead-letter queue; cdk-nag finds nothing
 * unacknowledged and cfn-lint no error.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildApp } from '../lib/app';
import { parseConfig } from '../lib/config/load';
import { triggerPattern } from '../lib/constructs/pipeline-triggers';
import type { CfnTemplate } from '../lib/local/synthesized';

function triggeredConfig(extra: Record<string, unknown>) {
  const file = parse(readFileSync('pipelines.yaml', 'utf8')) as { pipelines: Array<Record<string, unknown>> };
  const pipeline = { ...file.pipelines.find((p) => p.name === 'tamr-mastering-demo')!, ...extra };
  return parseConfig(stringify({ ...file, pipelines: [pipeline] }), 'triggered.yaml');
}

const TRIGGERS = {
  triggers: [{ event: { source: 'acme.crm-export', detailType: 'Export Finished' } }, { event: { source: 'acme.erp' } }],
};

describe('a triggered pipeline', () => {
  const config = triggeredConfig(TRIGGERS);
  const { app, stack } = buildApp({ config, bundle: false });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const template = Template.fromStack(stack);
  const raw = template.toJSON() as CfnTemplate;
  const rules = Object.values(raw.Resources).filter((r) => r.Type === 'AWS::Events::Rule' && JSON.stringify(r.Properties).includes('starts pipeline'));
  const starter = Object.entries(raw.Resources).find(([, r]) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties).includes('starts a pipeline run'))!;

  it('defaults onOverlap to queue', () => {
    expect(config.pipelines[0].onOverlap).toBeUndefined();
    expect(JSON.stringify(raw)).toContain('Join the run queue');
  });

  it('matches S3 objects by bucket, and prefix and suffix as one wildcard', () => {
    expect(triggerPattern({ s3: { bucket: 'acme-landing', prefix: 'tamr/records/', suffix: '.jsonl', create: false } })).toEqual({
      source: ['aws.s3'],
      detailType: ['Object Created'],
      detail: { bucket: { name: ['acme-landing'] }, object: { key: [{ wildcard: 'tamr/records/*.jsonl' }] } },
    });
    expect(triggerPattern({ s3: { bucket: 'b', prefix: 'in/', create: false } })).toMatchObject({ detail: { object: { key: [{ prefix: 'in/' }] } } });
  });

  it('refuses an s3 trigger no records step can read, and a records step that could never read anything, naming the field', () => {
    const base = parse(readFileSync('pipelines.yaml', 'utf8')) as { pipelines: Array<{ name: string; steps: Array<Record<string, unknown>> }> };
    const demo = base.pipelines.find((p) => p.name === 'tamr-mastering-demo')!;
    const withoutRecordsStep = demo.steps.filter((step) => step.kind !== 'updateRecords');
    expect(() => triggeredConfig({ steps: withoutRecordsStep, triggers: [{ s3: { bucket: 'acme-landing', prefix: 'tamr/' } }] })).toThrow(/pipelines\[0\]\.triggers\[0\]\.s3: no step reads the object/);
    const twoRecordsSteps = [...demo.steps.filter((step) => step.kind === 'updateRecords'), { ...demo.steps.find((step) => step.kind === 'updateRecords')!, name: 'Update second dataset', subject: 'second dataset' }, ...withoutRecordsStep];
    expect(() => triggeredConfig({ steps: twoRecordsSteps, triggers: [{ s3: { bucket: 'acme-landing' } }] })).toThrow(/pipelines\[0\]\.triggers\[0\]\.s3: 2 records steps/);
    const unconfigured = demo.steps.map((step) => (step.kind === 'updateRecords' ? { ...step, records: undefined } : step));
    expect(() => triggeredConfig({ steps: unconfigured })).toThrow(/pipelines\[0\]\.steps\[0\]\.records: required unless the pipeline has an s3 trigger/);
    // An event trigger's runs carry the event's detail, not an object: still required.
    expect(() => triggeredConfig({ steps: unconfigured, ...TRIGGERS })).toThrow(/pipelines\[0\]\.steps\[0\]\.records: required unless the pipeline has an s3 trigger/);
    expect(() => triggeredConfig({ steps: unconfigured, triggers: [{ s3: { bucket: 'acme-landing', prefix: 'tamr/' } }] })).not.toThrow();
  });

  it('has one rule per trigger, matching the event, targeting the run starter', () => {
    expect(rules).toHaveLength(2);
    const patterns = rules.map((r) => (r.Properties as { EventPattern: unknown }).EventPattern);
    expect(patterns).toEqual([{ source: ['acme.crm-export'], 'detail-type': ['Export Finished'] }, { source: ['acme.erp'] }]);
    for (const rule of rules) {
      const [target] = (rule.Properties as { Targets: Array<{ Arn: unknown; InputTransformer?: { InputTemplate: unknown; InputPathsMap: Record<string, string> } }> }).Targets;
      expect(target.Arn).toEqual({ 'Fn::GetAtt': [starter[0], 'Arn'] });
      // The whole event ($) goes to the starter, beside the state machine and the pipeline.
      expect(Object.values(target.InputTransformer!.InputPathsMap)).toEqual(['$']);
      const inputTemplate = JSON.stringify(target.InputTransformer?.InputTemplate);
      expect(inputTemplate).toContain('\\"pipeline\\":\\"tamr-mastering-demo\\"');
      expect(inputTemplate).toContain('TamrMasteringDemoStateMachine');
    }
  });

  it('lets the starter start this state machine only, and passes cdk-nag', () => {
    const starterRole = (starter[1].Properties as { Role: { 'Fn::GetAtt': [string, string] } }).Role['Fn::GetAtt'][0];
    const policies = Object.values(raw.Resources).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify((r.Properties as { Roles: unknown }).Roles).includes(starterRole));
    const statements = policies.flatMap((p) => (p.Properties as { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } }).PolicyDocument.Statement);
    const start = statements.filter((s) => JSON.stringify(s.Action).includes('states:StartExecution'));
    expect(start).toHaveLength(1);
    expect(JSON.stringify(start[0].Resource)).toContain('TamrMasteringDemoStateMachine');
    expect(() => app.synth()).not.toThrow();
  });

  it('rejects queue settings without a queue, naming the field', () => {
    expect(() => triggeredConfig({ onOverlap: 'skip', maxQueueMinutes: 5 })).toThrow(/pipelines\[0\]\.maxQueueMinutes: applies only to runs that queue/);
  });
});

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };

/** cfn-lint's JSON findings on `file` (exit status bit 1 set or no JSON: it did not run). */
function cfnLint(file: string): Promise<Array<{ Level: string; Rule: { Id: string }; Message: string }>> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', 'import sys; from cfnlint.runner import main; sys.exit(main())', '--format', 'json', '--', file]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      if (status === null || status & 1 || !stdout.trim().startsWith('[')) reject(new Error(`cfn-lint did not run: ${stderr}`));
      else resolve(JSON.parse(stdout) as Array<{ Level: string; Rule: { Id: string }; Message: string }>);
    });
  });
}

describe('a pipeline triggered by files landing in S3', () => {
  const file = parse(readFileSync('pipelines.yaml', 'utf8')) as { pipelines: Array<{ name: string; steps: Array<Record<string, unknown>> }> };
  const demo = file.pipelines.find((p) => p.name === 'tamr-mastering-demo')!;
  // No records: configured: every run reads the object its trigger names.
  const config = triggeredConfig({
    steps: demo.steps.map((step) => (step.kind === 'updateRecords' ? { ...step, records: undefined } : step)),
    triggers: [{ s3: { bucket: 'acme-landing', prefix: 'tamr/records/', suffix: '.jsonl', create: true } }],
  });
  const { app, stack } = buildApp({ config, bundle: false });
  const raw = Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> };
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  let nagReport: string | undefined;
  try {
    app.synth();
  } catch (error) {
    nagReport = (error as Error).message;
  }
  const entries = Object.entries(raw.Resources);
  const ofType = (type: string) => entries.filter(([, r]) => r.Type === type);
  const [rule] = ofType('AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties).includes('starts pipeline'));
  const [starterId, starter] = ofType('AWS::Lambda::Function').find(([, r]) => JSON.stringify(r.Properties).includes('starts a pipeline run'))!;
  const [queueId] = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('FailedDeliveries'))!;
  const statementsOf = (roleId: string) =>
    ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(([, p]) => (p.Properties as { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } }).PolicyDocument.Statement);

  const dir = mkdtempSync(join(tmpdir(), 'continuum-triggers-'));
  let lintFindings: Array<{ Level: string; Rule: { Id: string }; Message: string }> = [];
  beforeAll(async () => {
    const templateFile = join(dir, 'template.json');
    writeFileSync(templateFile, JSON.stringify(raw));
    lintFindings = await cfnLint(templateFile);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("matches the bucket's Object Created events under the prefix with the suffix, and targets the run starter", () => {
    expect(rule[1].Properties.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: ['acme-landing'] }, object: { key: [{ wildcard: 'tamr/records/*.jsonl' }] } },
    });
    const [target] = rule[1].Properties.Targets as Array<{ Arn: unknown; DeadLetterConfig?: { Arn: unknown } }>;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [starterId, 'Arn'] });
    expect(target.DeadLetterConfig?.Arn).toEqual({ 'Fn::GetAtt': [queueId, 'Arn'] });
  });

  it('lets the records handler read only under the prefix', () => {
    const [, records] = ofType('AWS::Lambda::Function').find(([, r]) => r.Metadata?.['continuum:handler'] === 'tamr-mastering/update-records')!;
    const roleId = (records.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const s3 = statementsOf(roleId).filter((s) => JSON.stringify(s.Action).includes('s3:'));
    expect(s3).toEqual([{ Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::acme-landing/tamr/records/*']] } }]);
  });

  it('reads the object the run names, and fails with RecordsNotNamed when a run names none', () => {
    const definition = JSON.stringify(ofType('AWS::StepFunctions::StateMachine'));
    expect(definition).toContain('\\"records.$\\":\\"$.records\\"');
    expect(definition).toContain('Choose records to update dataset records');
    expect(definition).toContain('\\"Error\\":\\"RecordsNotNamed\\"');
    expect(definition).not.toContain('Use configured records');
  });

  it('creates the bucket private, encrypted, SSL only, with EventBridge notifications on', () => {
    const [[bucketId, bucket]] = ofType('AWS::S3::Bucket');
    expect(bucket.Properties).toMatchObject({
      BucketName: 'acme-landing',
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
    });
    const [, policy] = ofType('AWS::S3::BucketPolicy').find(([, p]) => JSON.stringify(p.Properties.Bucket).includes(bucketId))!;
    expect(JSON.stringify(policy.Properties)).toContain('"aws:SecureTransport":"false"');
    // No custom-resource Lambda to turn the notifications on.
    expect(entries.some(([, r]) => r.Type === 'Custom::S3BucketNotifications')).toBe(false);
  });

  it("sends the starter's failed invocations to the alarmed dead-letter queue", () => {
    const [, invokeConfig] = ofType('AWS::Lambda::EventInvokeConfig').find(([, c]) => JSON.stringify(c.Properties.FunctionName).includes(starterId))!;
    expect(invokeConfig.Properties).toMatchObject({ MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } } });
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, a]) => JSON.stringify(a.Properties).includes(queueId));
    expect(alarms).toHaveLength(1);
    expect(JSON.stringify(alarms[0][1].Properties.AlarmDescription)).toContain('run starter');
    expect(starter.Properties.Description).toContain('starts a pipeline run');
  });

  it('has no unacknowledged cdk-nag finding and no cfn-lint error', () => {
    expect(nagReport).toBeUndefined();
    expect(lintFindings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id}: ${f.Message}`)).toEqual([]);
  });
});
