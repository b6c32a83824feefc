/**
 * Triggers as synthesized: an event trigger's rule matches its source and detail type and targets
 * the run starter with the pipeline's state machine; an S3 trigger's pattern matches the bucket's
 * Object Created events under the prefix with the suffix; cdk-nag finds nothing unacknowledged.
 */
import { readFileSync } from 'node:fs';
import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
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
    expect(triggerPattern({ s3: { bucket: 'acme-landing', prefix: 'tamr/records/', suffix: '.jsonl' } })).toEqual({
      source: ['aws.s3'],
      detailType: ['Object Created'],
      detail: { bucket: { name: ['acme-landing'] }, object: { key: [{ wildcard: 'tamr/records/*.jsonl' }] } },
    });
    expect(triggerPattern({ s3: { bucket: 'b', prefix: 'in/' } })).toMatchObject({ detail: { object: { key: [{ prefix: 'in/' }] } } });
  });

  it('refuses an s3 trigger no records step can read, and a records step that could never read anything, naming the field', () => {
    const base = parse(readFileSync('pipelines.yaml', 'utf8')) as { pipelines: Array<{ name: string; steps: Array<Record<string, unknown>> }> };
    const demo = base.pipelines.find((p) => p.name === 'tamr-mastering-demo')!;
    const withoutRecordsStep = demo.steps.filter((step) => step.kind !== 'updateRecords');
    expect(() => triggeredConfig({ steps: withoutRecordsStep, triggers: [{ s3: { bucket: 'acme-landing', prefix: 'tamr/' } }] })).toThrow(/pipelines\[0\]\.triggers\[0\]\.s3: no step reads the object/);
    const twoRecordsSteps = [...demo.steps.filter((step) => step.kind === 'updateRecords'), { ...demo.steps.find((step) => step.kind === 'updateRecords')!, name: 'Update second dataset', subject: 'second dataset' }, ...withoutRecordsStep];
    expect(() => triggeredConfig({ steps: twoRecordsSteps, triggers: [{ s3: { bucket: 'acme-landing' } }] })).toThrow(/pipelines\[0\]\.triggers\[0\]\.s3: 2 records steps/);
    const unconfigured = demo.steps.map((step) => (step.kind === 'updateRecords' ? { ...step, records: undefined } : step));
    expect(() => triggeredConfig({ steps: unconfigured })).toThrow(/pipelines\[0\]\.steps\[0\]\.records: required unless the pipeline has triggers/);
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
