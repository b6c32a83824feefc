/**
 * What `cdk synth` produces for the example pipelines.yaml, checked with aws-cdk-lib/assertions,
 * and every state machine definition checked by asl-validator.
 */
import aslValidator from 'asl-validator';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app';
import { loadConfig, parseConfig } from '../lib/config/load';
import { pipelinesOf, type AslDefinition, type CfnTemplate } from '../lib/local/synthesized';
import { handlerLogGroupPrefix } from '../lib/operate/logs';

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

  it('deploys handlers on Node 24 arm64 with the pipeline settings in the environment, never a secret value', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
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

  it('lets each function read only its own pipeline secret (and write it only when it renews credentials)', () => {
    const functions = resourcesOfType('AWS::Lambda::Function').filter(([, r]) => r.Metadata?.['continuum:handler']);
    expect(functions.length).toBeGreaterThan(0);
    for (const [logicalId, fn] of functions) {
      const props = fn.Properties as { Role: { 'Fn::GetAtt': [string, string] }; Environment: { Variables: { SECRET_NAME: string } } };
      const role = props.Role['Fn::GetAtt'][0];
      const statements = resourcesOfType('AWS::IAM::Policy')
        .filter(([, r]) => JSON.stringify((r.Properties as { Roles: unknown }).Roles).includes(`"${role}"`))
        .flatMap(([, r]) => (r.Properties as { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } }).PolicyDocument.Statement)
        .filter((st) => [st.Action].flat().some((a) => a.startsWith('secretsmanager:')));
      expect(statements.length, logicalId).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']).toEqual(expect.arrayContaining([statement.Action].flat()));
        const resource = JSON.stringify(statement.Resource);
        expect(resource, logicalId).toContain(`:secret:${props.Environment.Variables.SECRET_NAME}-??????`);
        expect(resource).not.toContain('*"');
      }
    }
  });

  it('lets the state machine invoke only its own functions, list only its own executions and read and write only the step-durations table; "*" only for actions that take no resource', () => {
    const roles = resourcesOfType('AWS::IAM::Policy')
      .map(([, r]) => r.Properties as { PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> }; Roles: unknown[] })
      .filter((p) => JSON.stringify(p.Roles).includes('StateMachineRole'));
    expect(roles).toHaveLength(config.pipelines.length);
    const resourceLess = new Set(['cloudwatch:PutMetricData', 'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups']);
    for (const policy of roles) {
      const actions = policy.PolicyDocument.Statement.flatMap((s) => [s.Action].flat());
      expect(actions).toContain('lambda:InvokeFunction');
      expect(actions).toContain('states:ListExecutions');
      for (const statement of policy.PolicyDocument.Statement) {
        const statementActions = [statement.Action].flat();
        if (statementActions.every((a) => a === 'dynamodb:GetItem' || a === 'dynamodb:PutItem')) {
          // Learned polling: the state machine's own GetItem/PutItem of its steps' durations.
          expect(JSON.stringify(statement.Resource)).toMatch(/StepDurations/);
          continue;
        }
        expect(statementActions.every((a) => a === 'lambda:InvokeFunction' || a === 'states:ListExecutions' || resourceLess.has(a)), statementActions.join()).toBe(true);
        if (JSON.stringify(statement.Resource) === '"*"') expect(statementActions.every((a) => resourceLess.has(a))).toBe(true);
        else expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
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
  // The real CDK entry point (what `cdk synth` runs), in a child process: esbuild runs 20+ times
  // synchronously, which would block this test worker for a minute on a loaded machine.
  it('bundles each handler with esbuild: minified ESM with a source map, AWS SDK left to the runtime', { timeout: 300_000 }, async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'continuum-synth-'));
    try {
      await new Promise<void>((resolve, reject) =>
        execFile('node', ['--import', 'tsx', 'bin/app.ts'], { env: { ...process.env, CDK_OUTDIR: outdir }, timeout: 280_000 }, (error, _stdout, stderr) =>
          error ? reject(new Error(`bin/app.ts failed: ${stderr}`)) : resolve(),
        ),
      );
      const stack = JSON.parse(readFileSync(join(outdir, 'Continuum.template.json'), 'utf8')) as CfnTemplate;
      const functions = Object.values(stack.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
      const assets = JSON.parse(readFileSync(join(outdir, 'Continuum.assets.json'), 'utf8')) as { files: Record<string, { source: { path: string } }> };
      expect(functions.length).toBeGreaterThan(10);
      // The bundled template holds no path of this machine either (test/deploy-inputs.test.ts
      // checks the unbundled ones), and the local records files are assets to upload.
      const text = readFileSync(join(outdir, 'Continuum.template.json'), 'utf8');
      for (const path of [process.cwd(), outdir, '/home/', '/work/', '/tmp/']) expect(text).not.toContain(path);
      const uploads = Object.values(assets.files).map((file) => file.source.path);
      expect(uploads.filter((path) => /\.(jsonl|xml)$/.test(path))).toHaveLength(2);
      for (const fn of functions) {
        // Code.S3Key is `<asset hash>.zip`; the assets manifest names the bundle's folder.
        const key = String((fn.Properties as { Code: { S3Key: unknown } }).Code.S3Key).replace(/\.zip$/, '');
        const dir = join(outdir, assets.files[key].source.path);
        const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
        expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
        expect(fn.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'] });
        // Minified: nearly all the code on a few very long lines (the short ones are the ESM banner
        // and zod's code-generation template literals).
        const longLines = code.split('\n').filter((line) => line.length > 200);
        expect(longLines.reduce((sum, line) => sum + line.length, 0)).toBeGreaterThan(code.length * 0.75);
        // A regression bound, not the target: zod imported as a namespace keeps bundles near 100 KB
        // (Boomi's, with the XML parser, near 170 KB); `npm run bench` reports them against 150 KB.
        expect(code.length, 'bundle bytes').toBeLessThanOrEqual(200 * 1024);
        expect(code).not.toMatch(/^\s*\/\*\*/m);
        expect(code).toMatch(/sourceMappingURL=index\.mjs\.map/);
        // The SDK is imported from the Lambda runtime, never bundled.
        expect(code).toMatch(/["']@aws-sdk\/client-[a-z-]+["']/);
        expect(code).not.toMatch(/class \w+ServiceException extends/);
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
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

  it('log to a log group each, named /continuum/<stack>/<handler>-<connection>, kept a month and deleted with the stack', () => {
    const groups = new Map(resourcesOfType('AWS::Logs::LogGroup'));
    const names: string[] = [];
    for (const [, fn] of resourcesOfType('AWS::Lambda::Function')) {
      const ref = (fn.Properties as { LoggingConfig?: { LogGroup?: { Ref?: string } } }).LoggingConfig?.LogGroup?.Ref;
      const group = groups.get(ref ?? '');
      expect(group, `function ${JSON.stringify(fn.Metadata)} has its own log group`).toBeDefined();
      const name = String((group!.Properties as { LogGroupName?: unknown }).LogGroupName);
      // Where `continuum logs --execution` looks (lib/operate/logs.ts).
      expect(name.startsWith(handlerLogGroupPrefix('Continuum'))).toBe(true);
      expect((group!.Properties as { RetentionInDays?: number }).RetentionInDays).toBe(30);
      expect((group as { DeletionPolicy?: string }).DeletionPolicy).toBe('Delete');
      const handler = fn.Metadata?.['continuum:handler'];
      if (typeof handler === 'string') expect(name).toMatch(new RegExp(`^/continuum/Continuum/${handler}-[0-9a-f]{8}$`));
      names.push(name);
    }
    expect(names).toContain('/continuum/Continuum/ExecutionCleanup/StopUnfinishedJobs');
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[.\-_/#A-Za-z0-9]{1,512}$/);
  });

  it('are shared by pipelines of one connection and separate for another secret', () => {
    // Two handlers (submit-refresh, get-operation); pipelines a and b share them, c has its own.
    const functions = functionsOf(twoTenants('continuum/other-tamr'));
    expect(functions).toHaveLength(4);
    const secrets = functions.map((f) => (f.Properties as { Environment: { Variables: { SECRET_NAME: string } } }).Environment.Variables.SECRET_NAME).sort();
    expect(secrets).toEqual(['continuum/other-tamr', 'continuum/other-tamr', 'continuum/tamr', 'continuum/tamr']);
    expect(functionsOf(twoTenants('continuum/tamr'))).toHaveLength(2);
  });
});

describe('operations', () => {
  it('announces failed and timed-out executions on an encrypted SNS topic per pipeline, with an alarm', () => {
    template.resourceCountIs('AWS::SNS::Topic', config.pipelines.length);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT'], stateMachineArn: [Match.anyValue()] },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('AlertsTopic') } })],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlertsTopic') }],
    });
  });

  it('logs executions at ERROR level and traces only when the pipeline asks', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ERROR', IncludeExecutionData: true }),
      TracingConfiguration: { Enabled: false },
    });
    const traced = parseConfig(readFileSync('pipelines.yaml', 'utf8').replace('system: tamr-mastering\n', 'system: tamr-mastering\n    tracing: true\n    alerts: { topicArn: "arn:aws:sns:eu-west-1:123456789012:data-team" }\n'), 'pipelines.yaml');
    const other = Template.fromStack(buildApp({ config: traced, bundle: false }).stack);
    other.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true } });
    // A configured topic is used as is: no topic is created, the rule and alarm publish to it.
    other.resourceCountIs('AWS::SNS::Topic', config.pipelines.length - 1);
    other.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:data-team'] });
  });

  it('counts skipped runs as a CloudWatch metric', () => {
    const guard = definitions().get('tamr-mastering-demo')!.States['Count skipped run'] as unknown as { Resource: string; Parameters: { Namespace: string; MetricData: Array<{ MetricName: string }> }; Next: string };
    expect(guard.Resource).toBe('arn:aws:states:::aws-sdk:cloudwatch:putMetricData');
    expect(guard.Parameters.Namespace).toBe('Continuum');
    expect(guard.Parameters.MetricData[0].MetricName).toBe('RunsSkipped');
    expect(guard.Next).toBe('Skip overlapping run');
  });
});
