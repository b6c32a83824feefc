/**
 * What a deployed step may read and how its Lambda tasks retry, on the synthesized templates:
 * `records: s3://…` grants s3:GetObject on that object only (cdk-nag passes without a new
 * acknowledgement), a local records file becomes a CDK asset read from the asset's object, no
 * template holds a path of this machine, and every Lambda task retries Lambda throttling.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app';
import { ConfigError, loadConfig, parseConfig, type LoadedConfig } from '../lib/config/load';
import { LAMBDA_SERVICE_ERRORS } from '../lib/constructs/lambda-task';
import { allStates, synthesizeForLocalRun, type CfnTemplate } from '../lib/local/synthesized';

const EXAMPLE = readFileSync('pipelines.yaml', 'utf8');
const TAMR_OBJECT = 's3://acme-landing/tamr/records.jsonl';
const HUB_OBJECT = 's3://acme-landing/hub/contacts.xml';

/** The example config with its records read from S3, as a user deploying it would write it. */
const withS3Records = (): LoadedConfig =>
  parseConfig(
    EXAMPLE.replace('records: examples/tamr-records.jsonl', `records: ${TAMR_OBJECT}`).replace('records: examples/boomi-hub-contacts.xml', `records: ${HUB_OBJECT}`),
    resolve('pipelines.yaml'),
  );

/** Every template of the app, synthesized with cdk-nag's AWS Solutions checks (synth throws on a finding). */
function synthWithNag(config: LoadedConfig): CfnTemplate[] {
  const { app, stacks } = buildApp({ config, bundle: false });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  return stacks.map((stack) => assembly.getStackByName(stack.stackName).template as CfnTemplate);
}

type Statement = { Action: string | string[]; Resource: unknown };

/** Every statement of every IAM policy of the templates. */
const statements = (templates: readonly CfnTemplate[]): Statement[] =>
  templates.flatMap((t) =>
    Object.values(t.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument.Statement),
  );

const actionsOf = (s: Statement): string[] => [s.Action].flat();
const s3Statements = (templates: readonly CfnTemplate[]) => statements(templates).filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')));
const objectArn = (bucketAndKey: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${bucketAndKey}`]] });

describe('records read from S3', () => {
  const templates = synthWithNag(withS3Records());

  it('synthesizes with cdk-nag on (no finding, no new acknowledgement)', () => {
    expect(templates.length).toBeGreaterThan(0);
  });

  it('grants exactly s3:GetObject on each object, and no List* or GetBucket*', () => {
    const s3 = s3Statements(templates);
    expect(s3.map((s) => s.Action)).toEqual(['s3:GetObject', 's3:GetObject']);
    expect(s3.map((s) => s.Resource)).toEqual(expect.arrayContaining([objectArn('acme-landing/tamr/records.jsonl'), objectArn('acme-landing/hub/contacts.xml')]));
    const everyAction = statements(templates).flatMap(actionsOf);
    expect(everyAction.filter((a) => /^s3:(List|GetBucket)|^s3:\*|^s3:GetObject\*/.test(a))).toEqual([]);
  });

  it("grants a function shared by several pipelines' steps every object they read", () => {
    const config = parseConfig(
      `pipelines:${['a', 'b'].map(
        (name) => `
  - name: tamr-${name}
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr
    steps:
      - kind: updateRecords
        datasetId: "1"
        records: s3://acme-landing/${name}/records.jsonl`,
      ).join('')}`,
      resolve('shared.yaml'),
    );
    const s3 = s3Statements(synthWithNag(config));
    // One function (one connection), one statement, both objects.
    expect(s3).toHaveLength(1);
    expect(s3[0]).toMatchObject({ Action: 's3:GetObject', Resource: [objectArn('acme-landing/a/records.jsonl'), objectArn('acme-landing/b/records.jsonl')] });
  });
});

describe('local records files', () => {
  const config = loadConfig('pipelines.yaml');
  const templates = synthWithNag(config);
  const text = templates.map((t) => JSON.stringify(t));

  it('deploy as CDK assets: the step reads the asset object, the only one it may get', () => {
    const s3 = s3Statements(templates);
    expect(s3).toHaveLength(2);
    for (const statement of s3) {
      expect(statement.Action).toBe('s3:GetObject');
      const [, parts] = (statement.Resource as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      // arn:<partition>:s3:::<the bootstrap assets bucket>/<content hash>.<ext>: one object, no wildcard.
      expect(parts[3]).toEqual({ 'Fn::Sub': 'cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}' });
      expect(parts[4]).toMatch(/^\/[0-9a-f]{64}\.(jsonl|xml)$/);
    }
  });

  it('appear in no template as a path of this machine', () => {
    for (const template of text) {
      expect(template).not.toContain(process.cwd());
      for (const root of ['/home/', '/work/', '/tmp/']) expect(template).not.toContain(root);
      expect(template).not.toContain('examples/');
    }
  });

  it('are read from the file by the local runner, through the URI the deployed step reads', () => {
    const { pipelines } = synthesizeForLocalRun(config);
    const tamr = pipelines.get('tamr-mastering-demo')!;
    const [[uri, path]] = [...tamr.localObjects];
    expect(uri).toMatch(/^s3:\/\/cdk-hnb659fds-assets-123456789012-us-east-1\/[0-9a-f]{64}\.jsonl$/);
    expect(path).toBe(resolve('examples/tamr-records.jsonl'));
    expect(JSON.stringify(tamr.definition)).toContain(uri);
  });

  it('fail synth naming the field when the file does not exist', () => {
    const missing = parseConfig(EXAMPLE.replace('records: examples/tamr-records.jsonl', 'records: examples/nowhere.jsonl'), resolve('pipelines.yaml'));
    let error: unknown;
    try {
      buildApp({ config: missing, bundle: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^.*pipelines\.yaml: pipelines\[0\]\.steps\[0\]\.records: no file at .*examples\/nowhere\.jsonl to upload/);
  });
});

describe('Lambda task retries', () => {
  it('every Lambda task of every definition retries throttling and the service errors, with full jitter', () => {
    const { pipelines } = synthesizeForLocalRun(withS3Records());
    let tasks = 0;
    for (const pipeline of pipelines.values()) {
      for (const [name, state] of allStates(pipeline.definition)) {
        if (state.Type !== 'Task' || !String(state.Resource).endsWith(':states:::lambda:invoke')) continue;
        tasks += 1;
        const retries = (state.Retry ?? []) as Array<{ ErrorEquals: string[]; JitterStrategy?: string; BackoffRate?: number }>;
        const service = retries.find((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'));
        expect(service, `${pipeline.config.name}: ${name}`).toMatchObject({ ErrorEquals: [...LAMBDA_SERVICE_ERRORS], JitterStrategy: 'FULL', BackoffRate: 2 });
      }
    }
    expect(tasks).toBeGreaterThan(20);
  });
});
