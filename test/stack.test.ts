/**
 * What `cdk synth` produces for the example pipelines.yaml, checked with aws-cdk-lib/assertions,
 * and every state machine definition checked by asl-validator.
 */
import aslValidator from 'asl-validator';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app';
import { loadConfig, parseConfig } from '../lib/config/load';
import { pipelinesOf, type AslDefinition, type CfnTemplate } from '../lib/local/synthesized';

const config = loadConfig('pipelines.yaml');
let template: Template;
let raw: CfnTemplate;

beforeAll(() => {
  const { stack } = buildApp({ config, bundle: false });
  template = Template.fromStack(stack);
  raw = template.toJSON() as CfnTemplate;
});

const definitions = (): Map<string, AslDefinition> =>
  new Map([...pipelinesOf(raw, config)].map(([name, pipeline]) => [name, pipeline.definition]));

const resourcesOfType = (type: string) => Object.entries(raw.Resources).filter(([, r]) => r.Type === type);

describe('the synthesized stack', () => {
  it('has one state machine per pipeline, named after the stack and the pipeline', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', config.pipelines.length);
    for (const pipeline of config.pipelines) {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: `Continuum-${pipeline.name}` });
    }
  });

  it('names states in the words of the seed, never Task1', () => {
    const states = Object.keys(definitions().get('tamr-mastering-demo')!.States);
    for (const name of [
      'Check for a run in progress',
      'Update dataset records',
      'Refresh unified dataset',
      'Wait for unified dataset',
      'Decide whether to update recipe',
      'Refresh record pairs',
      'Wait for record clusters',
      'Refresh dataset export',
      'Record clusters failed',
      'Record clusters timed out',
      'Pipeline finished',
    ]) {
      expect(states).toContain(name);
    }
    for (const name of states) expect(name).not.toMatch(/^(Task|State|Pass|Choice|Wait)\d*$/);
  });

  it('gives every polled job a Wait → status task → Choice loop', () => {
    const definition = definitions().get('tamr-mastering-demo')!;
    for (const subject of ['unified dataset', 'recipe', 'record pairs', 'record clusters', 'dataset export']) {
      const Subject = subject[0].toUpperCase() + subject.slice(1);
      const wait = definition.States[`Wait for ${subject}`];
      const status = definition.States[`Get ${subject} status`];
      const choice = definition.States[`${Subject} status`];
      expect(wait).toMatchObject({ Type: 'Wait', SecondsPath: '$.job.poll.wait', Next: `Get ${subject} status` });
      expect(status).toMatchObject({ Type: 'Task', Next: `${Subject} status` });
      expect(choice.Type).toBe('Choice');
      const targets = (choice.Choices as Array<{ Next: string }>).map((c) => c.Next);
      expect(targets).toEqual(expect.arrayContaining([`${Subject} done`, `${Subject} failed`, `${Subject} timed out`]));
      // Running jobs go back to the Wait through a "Schedule next check" Pass.
      const schedule = definition.States[`Schedule next ${subject} check`];
      expect(schedule).toMatchObject({ Type: 'Pass', Next: `Wait for ${subject}` });
      expect(definition.States[`${Subject} timed out`]).toMatchObject({ Type: 'Fail', Error: 'JobTimedOut' });
      expect(definition.States[`${Subject} failed`]).toMatchObject({ Type: 'Fail', ErrorPath: '$.job.status.error', CausePath: '$.job.status.cause' });
    }
  });

  it('retries rate limits and transient errors in the state machine and catches the rest', () => {
    const definition = definitions().get('tamr-mastering-demo')!;
    const task = definition.States['Refresh record pairs'] as unknown as { Retry: Array<{ ErrorEquals: string[]; MaxAttempts: number }>; Catch: Array<{ ErrorEquals: string[]; Next: string }>; TimeoutSeconds: number };
    const retried = task.Retry.flatMap((r) => r.ErrorEquals);
    expect(retried).toEqual(expect.arrayContaining(['RateLimited', 'TransientApiError']));
    expect(task.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Record pairs request failed' })]);
    expect(task.TimeoutSeconds).toBeGreaterThan(0);
  });

  it('bounds every execution with a timeout', () => {
    for (const [name, definition] of definitions()) {
      expect(definition.TimeoutSeconds, name).toBeGreaterThan(3600);
    }
  });

  it('deploys handlers on Node 22 arm64 with the pipeline settings in the environment, never a secret value', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Environment: {
        Variables: Match.objectLike({
          BASE_URL: 'https://tamr.example.com:9100',
          SECRET_NAME: 'continuum/tamr-mastering',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
  });

  it('lets each function read only its pipeline secret', () => {
    const policies = resourcesOfType('AWS::IAM::Policy').map(([, r]) => r.Properties as { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } });
    const secretStatements = policies.flatMap((p) => p.PolicyDocument.Statement).filter((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements.length).toBeGreaterThan(0);
    for (const statement of secretStatements) {
      expect([statement.Action].flat().sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
      const resource = JSON.stringify(statement.Resource);
      expect(resource).toContain(':secret:continuum/tamr-mastering-??????');
      expect(resource).not.toContain('*"');
    }
  });

  it('lets the state machine invoke only its own functions and list only its own executions', () => {
    const roles = resourcesOfType('AWS::IAM::Policy')
      .map(([, r]) => r.Properties as { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> }; Roles: unknown[] })
      .filter((p) => JSON.stringify(p.Roles).includes('StateMachineRole'));
    expect(roles).toHaveLength(config.pipelines.length);
    for (const policy of roles) {
      for (const statement of policy.PolicyDocument.Statement) {
        const actions = [statement.Action].flat();
        expect(actions.every((a) => a === 'lambda:InvokeFunction' || a === 'states:ListExecutions')).toBe(true);
        expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
      }
    }
  });

  it('schedules each pipeline with EventBridge Scheduler, its execution input marked as scheduled', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(6 hours)',
      State: 'ENABLED',
      Target: Match.objectLike({ Input: JSON.stringify({ mlConfigurationChanged: false, trigger: 'schedule' }) }),
    });
  });

  it('produces definitions asl-validator accepts (paths and ARNs checked)', () => {
    for (const [name, definition] of definitions()) {
      const { isValid, errorsText } = aslValidator(structuredClone(definition) as never, { checkPaths: true, checkArn: true });
      expect(isValid, `${name}: ${errorsText('\n')}`).toBe(true);
    }
  });
});

describe('bundling', () => {
  it('bundles each handler with esbuild: minified ESM with a source map, AWS SDK left to the runtime', () => {
    const { app } = buildApp({ config, stackName: 'ContinuumBundleCheck' });
    const assembly = app.synth();
    const stack = assembly.getStackByName('ContinuumBundleCheck');
    const functions = Object.values(stack.template.Resources as CfnTemplate['Resources']).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['continuum:handler']);
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      // Code.S3Key is `<asset hash>.zip`; the bundle sits in `asset.<hash>/` of the assembly.
      const key = String((fn.Properties as { Code: { S3Key: unknown } }).Code.S3Key);
      const dir = join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      expect(fn.Properties).toMatchObject({ Handler: 'index.handler' });
      // Minified: long lines (the few short ones are zod's code-generation template literals).
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      // Small: zod imported as a namespace so esbuild drops its locales and JSON-schema code.
      expect(code.length, 'bundle bytes (target ≤ 150 KB; see README "Cost")').toBeLessThanOrEqual(150 * 1024);
      expect(code).not.toMatch(/^\s*\/\*\*/m);
      expect(code).toMatch(/sourceMappingURL=index\.mjs\.map/);
      // The SDK is imported from the Lambda runtime, not bundled.
      expect(code).toMatch(/["']@aws-sdk\/client-secrets-manager["']/);
      expect(code).not.toMatch(/class SecretsManagerServiceException/);
    }
  });
});

describe('handler functions', () => {
  const twoTenants = (secondSecret: string) =>
    parseConfig(
      `pipelines:
${['a', 'b', 'c']
  .map(
    (name, i) => `  - name: ${name}
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: ${i === 2 ? secondSecret : 'continuum/tamr'}
    steps:
      - kind: refreshRecordPairs
        project: "${i}"
      - kind: refreshRecordClusters
        project: "${i}"
`,
  )
  .join('')}`,
      'shared.yaml',
    );

  const functionsOf = (cfg: ReturnType<typeof parseConfig>) => {
    const resources = Template.fromStack(buildApp({ config: cfg, bundle: false }).stack).toJSON().Resources as CfnTemplate['Resources'];
    return Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['continuum:handler']);
  };

  it('are shared by pipelines of one connection and separate for another secret', () => {
    // Two handlers (submit-refresh, get-operation); pipelines a and b share them, c has its own.
    const functions = functionsOf(twoTenants('continuum/other-tamr'));
    expect(functions).toHaveLength(4);
    const secrets = functions.map((f) => (f.Properties as { Environment: { Variables: { SECRET_NAME: string } } }).Environment.Variables.SECRET_NAME).sort();
    expect(secrets).toEqual(['continuum/other-tamr', 'continuum/other-tamr', 'continuum/tamr', 'continuum/tamr']);
    expect(functionsOf(twoTenants('continuum/tamr'))).toHaveLength(2);
  });
});
