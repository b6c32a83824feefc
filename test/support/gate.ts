/**
 * The deploy gate's moving parts, for its test files: synthesize a config in a child process
 * (test/support/gate-synth-child.ts: synth with cdk-nag, flattened copies, asl-validator), and
 * run cfn-lint once over a list of templates. Both are asynchronous: the vitest worker never
 * blocks on them, so a loaded machine cannot make it miss its runner's deadlines.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnTemplate } from '../../lib/local/synthesized';
import type { AslResult } from './asl-check';
import type { GateConfig } from './gate-configs';

/** What the child writes to `<outdir>/gate-summary.json`. */
export interface GateSummary {
  readonly label: string;
  readonly templates: ReadonlyArray<{ readonly stack: string; readonly file: string; readonly flattenedFile: string; readonly bytes: number }>;
  /** cdk-nag's report when it failed the synth, else null. */
  readonly nagReport: string | null;
  /** asl-validator's verdict on every state machine definition, flattened. */
  readonly asl: ReadonlyArray<AslResult & { readonly stack: string; readonly id: string }>;
  /** CPU seconds per phase, for measuring the gate. */
  readonly cpuSeconds: Readonly<Record<string, number>>;
}

export interface SynthesizedTemplate {
  readonly config: string;
  readonly stack: string;
  readonly template: CfnTemplate;
  readonly bytes: number;
  readonly file: string;
  /** The copy with flattened definitions, for cfn-lint's E3601 (it skips `Fn::Join`). */
  readonly flattenedFile: string;
}

export interface GateRun {
  readonly summary: GateSummary;
  readonly templates: readonly SynthesizedTemplate[];
}

/** Synthesizes one gate config into `outdir` in a child process; rejects with its stderr if it fails. */
export async function synthesizeGateConfig(key: GateConfig, outdir: string): Promise<GateRun> {
  const run = await runAsync(process.execPath, ['--import', 'tsx', 'test/support/gate-synth-child.ts', key, outdir]);
  if (run.status !== 0) throw new Error(`synthesizing gate config ${key} failed (exit ${run.status}): ${run.stderr || run.error?.message}`);
  const summary = JSON.parse(readFileSync(join(outdir, 'gate-summary.json'), 'utf8')) as GateSummary;
  const templates = summary.templates.map((t) => ({ config: summary.label, ...t, template: JSON.parse(readFileSync(t.file, 'utf8')) as CfnTemplate }));
  return { summary, templates };
}

/** cfn-lint warnings accepted, by rule id, each with its reason. Any other warning fails. */
export const ACCEPTED_WARNINGS: Record<string, string> = {
  W3005:
    "CDK's own output: a Lambda function DependsOn its role's default policy and the role, which Fn::GetAtt already orders; the extra DependsOn is harmless (it only orders creation).",
};

export type LintFinding = { Level: string; Rule: { Id: string }; Message: string; Filename: string; Location: { Path: unknown[] } };

const PYTHON_CFN_LINT = ['-c', 'import sys; from cfnlint.runner import main; sys.exit(main())'];
const probe = spawnSync('python3', [...PYTHON_CFN_LINT, '--version'], { encoding: 'utf8' });
/** Why cfn-lint cannot run here, or undefined when it can. */
export const cfnLintMissing =
  probe.status !== 0 ? `cfn-lint is not installed here (python3 -c 'from cfnlint.runner import main' failed: ${probe.stderr?.trim() || probe.error?.message})` : undefined;

/** cfn-lint over `files` in one python process; its JSON findings. */
export async function cfnLint(files: readonly string[]): Promise<LintFinding[]> {
  const run = await runAsync('python3', [...PYTHON_CFN_LINT, '--format', 'json', '--', ...files]);
  // Exit status: bit 2 = errors, 4 = warnings, 8 = informational; anything else is a crash.
  if (run.status === null || run.status & 1 || !run.stdout.trim().startsWith('[')) throw new Error(`cfn-lint did not run: ${run.stderr || run.error?.message}`);
  return JSON.parse(run.stdout) as LintFinding[];
}

/** A finding as one line: level, rule, file, path, message. */
export const describeFinding = (f: LintFinding): string => `${f.Level} ${f.Rule.Id} ${f.Filename}: ${f.Location.Path.join('/')}: ${f.Message}`;

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
