/**
 * The deploy gate: what AWS itself would refuse, checked on three configs a user could write —
 * (a) pipelines.yaml, (b) the same with records in S3, (c) 160 pipelines (40 per system, S3
 * records, schedules). Each config is synthesized once; every template is linted by cfn-lint
 * (AWS's linter, run once over all of them), also as a copy whose state machine definitions are
 * flattened with placeholder ARNs (cfn-lint's definition check E3601 skips `Fn::Join`), and held
 * to CloudFormation's and EventBridge's limits. cdk-nag runs on each config in its own test.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import aslValidator from 'asl-validator';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app';
import { parseConfig, type LoadedConfig } from '../lib/config/load';
import { exportsOf, flatten, type CfnTemplate } from '../lib/local/synthesized';
import { CLOUDFORMATION_LIMITS } from '../lib/stack-plan';
import { exampleTextWithS3Records, mixedPipelines } from './support/generated-configs';
import { realLengthPattern } from './support/real-arns';

const exampleText = readFileSync('pipelines.yaml', 'utf8');
const CONFIGS: Record<string, () => LoadedConfig> = {
  '(a) pipelines.yaml': () => parseConfig(exampleText, 'pipelines.yaml'),
  '(b) pipelines.yaml, records in S3': () => parseConfig(exampleTextWithS3Records(exampleText), 'pipelines-s3.yaml'),
  '(c) 160 pipelines': () => mixedPipelines(exampleText, 40),
};

/** cfn-lint warnings accepted, by rule id, each with its reason. Any other warning fails. */
const ACCEPTED_WARNINGS: Record<string, string> = {
  W3005:
    "CDK's own output: a Lambda function DependsOn its role's default policy and the role, which Fn::GetAtt already orders; the extra DependsOn is harmless (it only orders creation).",
};

const PYTHON_CFN_LINT = ['-c', 'import sys; from cfnlint.runner import main; sys.exit(main())'];
const cfnLint = spawnSync('python3', [...PYTHON_CFN_LINT, '--version'], { encoding: 'utf8' });
const cfnLintMissing = cfnLint.status !== 0 ? `cfn-lint is not installed here (python3 -c 'from cfnlint.runner import main' failed: ${cfnLint.stderr?.trim() || cfnLint.error?.message})` : undefined;

interface SynthesizedTemplate {
  readonly config: string;
  readonly stack: string;
  readonly template: CfnTemplate;
  readonly bytes: number;
  readonly file: string;
  /** The copy with flattened definitions, for cfn-lint's E3601. */
  readonly flattenedFile: string;
}

const dir = mkdtempSync(join(tmpdir(), 'continuum-gate-'));
const templates: SynthesizedTemplate[] = [];
const configs = new Map<string, LoadedConfig>();
type LintFinding = { Level: string; Rule: { Id: string }; Message: string; Filename: string; Location: { Path: unknown[] } };
let findings: LintFinding[] = [];

beforeAll(async () => {
  for (const [label, make] of Object.entries(CONFIGS)) {
    const config = make();
    configs.set(label, config);
    const outdir = join(dir, label.slice(1, 2));
    const { app, stacks } = buildApp({ config, bundle: false, placement: new Map(), appProps: { outdir } });
    const assembly = app.synth();
    const ofConfig = stacks.map((stack) => {
      const artifact = assembly.getStackByName(stack.stackName);
      return { stack: stack.stackName, file: artifact.templateFullPath, template: artifact.template as CfnTemplate };
    });
    const exports = exportsOf(ofConfig.map((t) => t.template));
    for (const t of ofConfig) {
      const flattened = structuredClone(t.template);
      for (const resource of Object.values(flattened.Resources)) {
        if (resource.Type === 'AWS::StepFunctions::StateMachine') resource.Properties!.DefinitionString = flatten(resource.Properties!.DefinitionString, exports);
      }
      const flattenedFile = t.file.replace(/\.template\.json$/, '.flattened.template.json');
      writeFileSync(flattenedFile, JSON.stringify(flattened, undefined, 1));
      templates.push({ config: label, ...t, bytes: Buffer.byteLength(readFileSync(t.file)), flattenedFile });
    }
    // Each synth is seconds of synchronous work: let the worker answer its runner in between.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!cfnLintMissing) {
    // (a) and (b) as written and flattened; (c)'s templates differ from their flattened copies only
    // in each definition's Fn::Join, so only the copies are linted (it halves the longest step).
    const files = templates.flatMap((t) => (t.config.startsWith('(c)') ? [t.flattenedFile] : [t.file, t.flattenedFile]));
    // Asynchronous: linting takes a while, and a blocked worker stops answering its runner.
    const run = await runAsync('python3', [...PYTHON_CFN_LINT, '--format', 'json', '--', ...files]);
    // Exit status: bit 2 = errors, 4 = warnings, 8 = informational; anything else is a crash.
    if (run.status === null || run.status & 1 || !run.stdout.trim().startsWith('[')) throw new Error(`cfn-lint did not run: ${run.stderr || run.error?.message}`);
    findings = JSON.parse(run.stdout) as LintFinding[];
  }
}, 1_800_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runAsync(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn(command, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ status: null, stdout, stderr, error }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('deploy gate', () => {
  it('synthesizes the three configs, (c) over several stacks', () => {
    expect(new Set(templates.map((t) => t.config))).toEqual(new Set(Object.keys(CONFIGS)));
    expect(templates.filter((t) => t.config.startsWith('(c)')).length).toBeGreaterThan(1);
  });

  it.skipIf(cfnLintMissing !== undefined)(`cfn-lint: no errors and no warnings but the accepted ones, on every template and its flattened copy${cfnLintMissing ? ` (skipped: ${cfnLintMissing})` : ''}`, () => {
    const linted = new Set(findings.map((f) => f.Filename));
    const describe = (f: LintFinding) => `${f.Level} ${f.Rule.Id} ${f.Filename}: ${f.Location.Path.join('/')}: ${f.Message}`;
    expect(findings.filter((f) => f.Level === 'Error').map(describe)).toEqual([]);
    expect(findings.filter((f) => f.Level === 'Warning' && !(f.Rule.Id in ACCEPTED_WARNINGS)).map(describe)).toEqual([]);
    // The check can fail: cfn-lint did read the files (the accepted warning appears in them).
    expect(linted.size).toBeGreaterThan(0);
  });

  it("keeps every template within CloudFormation's limits (bytes, resources, outputs)", () => {
    for (const t of templates) {
      const label = `${t.config} ${t.stack}`;
      expect(t.bytes, label).toBeLessThanOrEqual(CLOUDFORMATION_LIMITS.templateBytes);
      expect(Object.keys(t.template.Resources).length, label).toBeLessThanOrEqual(CLOUDFORMATION_LIMITS.resources);
      expect(Object.keys(t.template.Outputs ?? {}).length, label).toBeLessThanOrEqual(CLOUDFORMATION_LIMITS.outputs);
    }
  });

  it('keeps every EventBridge rule pattern within 2,048 characters with real-length ARNs (80-character names, aws-us-gov, ap-southeast-2)', () => {
    let rules = 0;
    for (const t of templates) {
      for (const [id, resource] of Object.entries(t.template.Resources)) {
        if (resource.Type !== 'AWS::Events::Rule') continue;
        rules++;
        const pattern = realLengthPattern(resource.Properties!.EventPattern, t.template);
        expect(pattern.length, `${t.config} ${t.stack} ${id}: ${pattern}`).toBeLessThanOrEqual(2048);
      }
    }
    expect(rules).toBeGreaterThan(160);
  });

  it('passes asl-validator on every state machine definition', () => {
    for (const label of Object.keys(CONFIGS)) {
      const ofConfig = templates.filter((t) => t.config === label);
      const exports = exportsOf(ofConfig.map((t) => t.template));
      for (const t of ofConfig) {
        for (const [id, resource] of Object.entries(t.template.Resources)) {
          if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
          const definition = JSON.parse(flatten(resource.Properties!.DefinitionString, exports));
          const { isValid, errorsText } = aslValidator(definition as never, { checkPaths: true, checkArn: true });
          expect(isValid, `${label} ${t.stack} ${id}: ${errorsText()}`).toBe(true);
        }
      }
    }
  });
});

/** cdk-nag's AWS Solutions checks on one config's app: the report when synth fails, else undefined. */
function nagReport(label: string): string | undefined {
  const { app } = buildApp({ config: configs.get(label) ?? CONFIGS[label](), bundle: false, placement: new Map(), appProps: { outdir: join(dir, `nag-${label.slice(1, 2)}`) } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

// One test each: (b) and (c) read records from S3, whose grants branch deploy-s3 narrows.
describe('cdk-nag AwsSolutions, no unacknowledged finding', { timeout: 900_000 }, () => {
  for (const label of Object.keys(CONFIGS)) {
    it(label, () => {
      expect(nagReport(label)).toBeUndefined();
    });
  }
});
