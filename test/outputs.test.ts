/**
 * Where things are after a deploy: the stack's Outputs, explicit and predictable names (cut
 * deterministically past AWS's limits), what `continuum synth` prints about them, and the policy
 * text a team's own alert topic needs.
 */
import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app';
import { loadConfig } from '../lib/config/load';
import { boundedName, boundedPrefix } from '../lib/constructs/names';
import { inputSchemaOutput, OUTPUT_KEYS, OUTPUT_VALUE_LIMIT, OUTPUTS_PER_PIPELINE, OUTPUTS_PER_STACK } from '../lib/constructs/stack-outputs';
import { inputJsonSchema } from '../lib/operate/input';
import { ownTopicPublishers, ownTopicRequirements } from '../lib/deploy/alert-topic-policy';
import { deployNotes } from '../lib/deploy/outputs';
import type { CfnTemplate } from '../lib/local/synthesized';
import { testConfig } from './support/local-run';

type Outputs = Record<string, { Value: unknown; Description?: string }>;
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

const config = loadConfig('pipelines.yaml');
let built: ReturnType<typeof buildApp>;
let outputs: Outputs;
let resources: Resources;

beforeAll(() => {
  built = buildApp({ config, bundle: false });
  const raw = Template.fromStack(built.stack).toJSON() as CfnTemplate & { Outputs: Outputs };
  outputs = raw.Outputs;
  resources = raw.Resources as Resources;
});

const idOf = (type: string, where: (p: Record<string, unknown>) => boolean) => Object.entries(resources).find(([, r]) => r.Type === type && where(r.Properties))![0];

describe('stack outputs', () => {
  it('give per pipeline its state machine ARN, console URL, schedule name and alert topic, under stable keys', () => {
    for (const pipeline of config.pipelines) {
      const machine = idOf('AWS::StepFunctions::StateMachine', (p) => p.StateMachineName === `Continuum-${pipeline.name}`);
      expect(outputs[OUTPUT_KEYS.stateMachineArn(pipeline.name)].Value).toEqual({ Ref: machine });
      expect(outputs[OUTPUT_KEYS.consoleUrl(pipeline.name)].Value).toEqual({
        'Fn::Join': ['', ['https://', { Ref: 'AWS::Region' }, '.console.aws.amazon.com/states/home?region=', { Ref: 'AWS::Region' }, '#/statemachines/view/', { Ref: machine }]],
      });
      const schedule = Object.values(resources).find((r) => r.Type === 'AWS::Scheduler::Schedule' && JSON.stringify(r.Properties.Target).includes(machine));
      expect(schedule?.Properties.Name).toBe(`Continuum-${pipeline.name}`);
      expect(outputs[OUTPUT_KEYS.scheduleName(pipeline.name)].Value).toBe(`Continuum-${pipeline.name}`);
      const topic = idOf('AWS::SNS::Topic', (p) => p.DisplayName === `Continuum ${pipeline.name} alerts`);
      expect(outputs[OUTPUT_KEYS.alertTopicArn(pipeline.name)].Value).toEqual({ Ref: topic });
    }
    expect(OUTPUT_KEYS.stateMachineArn('tamr-mastering-demo')).toBe('TamrMasteringDemoStateMachineArn');
  });

  it("give per pipeline its execution input's JSON Schema (within CloudFormation's 4,096 characters), shortened or refused past that", () => {
    for (const pipeline of config.pipelines) {
      const value = outputs[OUTPUT_KEYS.inputSchema(pipeline.name)].Value as string;
      expect(value.length).toBeLessThanOrEqual(OUTPUT_VALUE_LIMIT);
      expect(JSON.parse(value)).toEqual(inputJsonSchema(pipeline));
    }
    const mastering = JSON.parse(outputs[OUTPUT_KEYS.inputSchema('tamr-mastering-demo')].Value as string);
    expect(mastering.additionalProperties).toBe(false);
    expect(mastering.properties.mlConfigurationChanged).toEqual({ type: 'boolean', description: "Runs 'Update recipe' when true." });
    expect(mastering.properties.fromStep.enum).toContain('Refresh record clusters');
    // Many schedule.input fields: first only names and types are kept, then synth stops with the pipeline's name.
    const withInput = (n: number) => ({ ...config.pipelines[0], schedule: { ...config.pipelines[0].schedule!, input: Object.fromEntries(Array.from({ length: n }, (_, i) => [`field${i}`, 1])) } });
    const short = JSON.parse(inputSchemaOutput(withInput(60)));
    expect(short.properties.field0).toEqual({});
    expect(short.properties.fromStep.description).toBeUndefined();
    expect(() => inputSchemaOutput(withInput(400))).toThrow(/^pipeline 'tamr-mastering-demo': its input schema is \d+ characters even with only names and types, over CloudFormation's 4096 per output value/);
  });

  it('give per stack its dashboard URL and dead-letter queue, and stay within 5 per pipeline + 2', () => {
    expect(outputs.DashboardUrl.Value).toEqual({
      'Fn::Join': ['', ['https://', { Ref: 'AWS::Region' }, '.console.aws.amazon.com/cloudwatch/home?region=', { Ref: 'AWS::Region' }, '#dashboards/dashboard/Continuum-pipelines']],
    });
    expect(outputs.FailedDeliveriesQueueUrl.Value).toEqual({ Ref: idOf('AWS::SQS::Queue', () => true) });
    expect(Object.keys(outputs).length).toBeLessThanOrEqual(OUTPUTS_PER_PIPELINE * config.pipelines.length + OUTPUTS_PER_STACK);
    for (const output of Object.values(outputs)) expect(output.Description).toMatch(/^Continuum/);
  });

  it('are what continuum synth prints, with what only the deploy knows marked', () => {
    const lines = deployNotes(built);
    expect(lines[0]).toBe('  outputs of Continuum (after cdk deploy: aws cloudformation describe-stacks --stack-name Continuum --query "Stacks[0].Outputs"):');
    const printed = new Map(lines.slice(1).map((line) => line.trim().split(/\s{2,}/) as [string, string]));
    expect([...printed.keys()]).toEqual(Object.keys(outputs));
    const name = config.pipelines[0].name;
    const arn = `arn:<partition>:states:<region>:<account>:stateMachine:Continuum-${name}`;
    expect(printed.get(OUTPUT_KEYS.stateMachineArn(name))).toBe(arn);
    expect(printed.get(OUTPUT_KEYS.consoleUrl(name))).toBe(`https://<region>.console.aws.amazon.com/states/home?region=<region>#/statemachines/view/${arn}`);
    expect(printed.get(OUTPUT_KEYS.scheduleName(name))).toBe(`Continuum-${name}`);
    expect(printed.get(OUTPUT_KEYS.alertTopicArn(name))).toMatch(/^<after deploy: \w+AlertsTopic\w+>$/);
  });
});

describe('names', () => {
  it('are kept when they fit and cut deterministically with a hash when they do not', () => {
    expect(boundedName('Continuum-nightly', 64)).toBe('Continuum-nightly');
    const long = `${'x'.repeat(60)}-pipeline-a`;
    const cut = boundedName(long, 64);
    expect(cut).toHaveLength(64);
    expect(cut).toBe(boundedName(long, 64));
    expect(cut).not.toBe(boundedName(`${'x'.repeat(60)}-pipeline-b`, 64));
    expect(cut.startsWith(boundedPrefix('x'.repeat(60), 64))).toBe(true);
  });

  it('stay within AWS limits for a long stack name, distinct per pipeline, and under the key policy\'s rule prefix', () => {
    const stackName = `Continuum-${'analytics'.repeat(6)}`;
    const { stack } = buildApp({ config, stackName, bundle: false });
    const res = Object.values((Template.fromStack(stack).toJSON() as CfnTemplate).Resources) as Array<{ Type: string; Properties: Record<string, unknown> }>;
    const names = (type: string, field: string) => res.filter((r) => r.Type === type && r.Properties[field]).map((r) => String(r.Properties[field]));
    const machines = names('AWS::StepFunctions::StateMachine', 'StateMachineName');
    const schedules = names('AWS::Scheduler::Schedule', 'Name');
    const rules = names('AWS::Events::Rule', 'Name');
    expect(machines).toHaveLength(config.pipelines.length);
    expect(schedules).toHaveLength(config.pipelines.filter((p) => p.schedule).length);
    expect(rules).toHaveLength(config.pipelines.length);
    for (const [list, limit] of [[machines, 80], [schedules, 64], [rules, 64]] as const) {
      expect(new Set(list).size).toBe(list.length);
      for (const name of list) expect(name.length).toBeLessThanOrEqual(limit);
    }
    expect(schedules.every((n) => /-[0-9a-f]{8}$/.test(n))).toBe(true);
    for (const rule of rules) expect(rule.startsWith(boundedPrefix(stackName, 64))).toBe(true);
  });
});

describe('a team\'s own alert topic (alerts.topicArn)', () => {
  const TOPIC = 'arn:aws:sns:eu-west-1:111122223333:data-team-alerts';
  const yaml = readFileSync('pipelines.yaml', 'utf8').replace(
    '    secretName: continuum/tamr-mastering\n',
    `    secretName: continuum/tamr-mastering\n    alerts:\n      topicArn: ${TOPIC}\n`,
  );

  it('gets no policy from the stack, and synth prints the exact statements its topic and key policies need', () => {
    const own = buildApp({ config: testConfig(yaml), bundle: false });
    const raw = Template.fromStack(own.stack).toJSON() as CfnTemplate;
    const res = Object.values(raw.Resources) as Array<{ Type: string; Properties: Record<string, unknown> }>;
    expect(res.filter((r) => r.Type === 'AWS::SNS::Topic')).toHaveLength(config.pipelines.length - 1);
    expect(JSON.stringify(res.filter((r) => r.Type === 'AWS::SNS::TopicPolicy'))).not.toContain(TOPIC);

    const [publishers] = ownTopicPublishers(own);
    const pipeline = config.pipelines[0].name;
    expect(publishers).toEqual({
      topicArn: TOPIC,
      pipelines: [pipeline],
      ruleArns: [`arn:<partition>:events:<region>:<account>:rule/Continuum-${pipeline}-alert`],
      alarmArns: [`arn:<partition>:cloudwatch:<region>:<account>:alarm:Continuum-${pipeline}-unsuccessful-runs`, 'arn:<partition>:cloudwatch:<region>:<account>:alarm:Continuum-undelivered-events'],
      account: '<account>',
    });
    // The rule and alarms it names are the template's, and they do notify that topic.
    const rule = res.find((r) => r.Type === 'AWS::Events::Rule' && r.Properties.Name === `Continuum-${pipeline}-alert`)!;
    expect((rule.Properties.Targets as Array<{ Arn: unknown }>)[0].Arn).toBe(TOPIC);
    for (const name of [`Continuum-${pipeline}-unsuccessful-runs`, 'Continuum-undelivered-events']) {
      const alarm = res.find((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.AlarmName === name)!;
      expect(alarm.Properties.AlarmActions, name).toContain(TOPIC);
    }

    const text = ownTopicRequirements(own).join('\n');
    expect(text).toContain(`Alert topic ${TOPIC} (alerts.topicArn of ${pipeline}) is yours`);
    for (const arn of [...publishers.ruleArns, ...publishers.alarmArns]) expect(text).toContain(`"${arn}"`);
    for (const needed of ['"Service": "events.amazonaws.com"', '"Service": "cloudwatch.amazonaws.com"', '"sns:Publish"', '"aws:SourceAccount": "<account>"', '"kms:GenerateDataKey*"']) {
      expect(text).toContain(needed);
    }
    expect(deployNotes(own).join('\n')).toContain(text);
  });

  it('prints nothing about own topics when every pipeline has its own', () => {
    expect(ownTopicRequirements(built)).toEqual([]);
  });
});
