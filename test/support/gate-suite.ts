/**
 * The deploy gate's assertions, for the configs one gate test file holds: each config is
 * synthesized once, in a child process (synth with cdk-nag, asl-validator on every definition);
 * every template is linted by cfn-lint, as written and as a copy with flattened definitions, and
 * held to CloudFormation's and EventBridge's limits. The gate is split over files so that vitest
 * runs its configs on both workers, and nothing of it blocks a worker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOUDFORMATION_LIMITS } from '../../lib/stack-plan';
import { GATE_CONFIGS, type GateConfig } from './gate-configs';
import { ACCEPTED_WARNINGS, cfnLint, cfnLintMissing, describeFinding, synthesizeGateConfig, type GateRun, type LintFinding } from './gate';
import { realLengthPattern } from './real-arns';

export interface GateSuiteOptions {
  /** EventBridge rules the configs must hold at least (so the pattern check checks something). */
  readonly minRules: number;
  /**
   * Lint only the flattened copies of these configs' templates: they differ from the written
   * ones only in each definition's Fn::Join, and linting both doubles the longest step.
   * @default none (both are linted)
   */
  readonly flattenedOnly?: readonly GateConfig[];
}

export function gateSuite(keys: readonly GateConfig[], options: GateSuiteOptions): void {
  const dir = mkdtempSync(join(tmpdir(), 'continuum-gate-'));
  const runs = new Map<GateConfig, GateRun>();
  let findings: LintFinding[] = [];
  const linted: string[] = [];
  const templates = () => [...runs.values()].flatMap((r) => r.templates);

  beforeAll(async () => {
    // One config at a time in its child, each linted while the next is synthesized: at most two
    // busy processes for this file, so the other worker's files are not starved.
    const lints: Array<Promise<LintFinding[]>> = [];
    for (const key of keys) {
      const run = await synthesizeGateConfig(key, join(dir, key));
      runs.set(key, run);
      if (cfnLintMissing) continue;
      const files = run.templates.flatMap((t) => (options.flattenedOnly?.includes(key) ? [t.flattenedFile] : [t.file, t.flattenedFile]));
      linted.push(...files);
      const lint = cfnLint(files);
      lint.catch(() => undefined); // handled by Promise.all below, not an unhandled rejection meanwhile
      lints.push(lint);
    }
    findings = (await Promise.all(lints)).flat();
  }, 1_800_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const labels = keys.map((key) => GATE_CONFIGS[key].label);
  describe(`deploy gate: ${labels.join('; ')}`, () => {
    it(`synthesizes ${keys.length > 1 ? 'each config' : 'the config'}${keys.includes('c') ? ', (c) over several stacks' : ''}`, () => {
      expect(new Set(templates().map((t) => t.config))).toEqual(new Set(labels));
      if (keys.includes('c')) expect(runs.get('c')!.templates.length).toBeGreaterThan(1);
    });

    it.skipIf(cfnLintMissing !== undefined)(`cfn-lint: no errors and no warnings but the accepted ones, on every template and its flattened copy${cfnLintMissing ? ` (skipped: ${cfnLintMissing})` : ''}`, () => {
      expect(findings.filter((f) => f.Level === 'Error').map(describeFinding)).toEqual([]);
      expect(findings.filter((f) => f.Level === 'Warning' && !(f.Rule.Id in ACCEPTED_WARNINGS)).map(describeFinding)).toEqual([]);
      // Every template was linted, and cfn-lint did read them (the accepted warning appears in them).
      expect(linted.length).toBeGreaterThanOrEqual(templates().length);
      expect(new Set(findings.map((f) => f.Filename)).size).toBeGreaterThan(0);
    });

    it("keeps every template within CloudFormation's limits (bytes, resources, outputs)", () => {
      for (const t of templates()) {
        const label = `${t.config} ${t.stack}`;
        expect(t.bytes, label).toBeLessThanOrEqual(CLOUDFORMATION_LIMITS.templateBytes);
        expect(Object.keys(t.template.Resources).length, label).toBeLessThanOrEqual(CLOUDFORMATION_LIMITS.resources);
        expect(Object.keys(t.template.Outputs ?? {}).length, label).toBeLessThanOrEqual(CLOUDFORMATION_LIMITS.outputs);
      }
    });

    it('keeps every EventBridge rule pattern within 2,048 characters with real-length ARNs (80-character names, aws-us-gov, ap-southeast-2)', () => {
      let rules = 0;
      for (const t of templates()) {
        for (const [id, resource] of Object.entries(t.template.Resources)) {
          if (resource.Type !== 'AWS::Events::Rule') continue;
          rules++;
          const pattern = realLengthPattern(resource.Properties!.EventPattern, t.template);
          expect(pattern.length, `${t.config} ${t.stack} ${id}: ${pattern}`).toBeLessThanOrEqual(2048);
        }
      }
      expect(rules).toBeGreaterThanOrEqual(options.minRules);
    });

    it('passes asl-validator on every state machine definition', () => {
      for (const [key, run] of runs) {
        const machines = run.templates.flatMap((t) => Object.entries(t.template.Resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine').map(([id]) => `${t.stack} ${id}`));
        expect(run.summary.asl.map((a) => `${a.stack} ${a.id}`).sort(), key).toEqual(machines.sort());
        for (const a of run.summary.asl) expect(a.isValid, `${run.summary.label} ${a.stack} ${a.id}: ${a.errors}`).toBe(true);
      }
    });
  });

  describe('cdk-nag AwsSolutions, no unacknowledged finding', () => {
    for (const key of keys) {
      it(GATE_CONFIGS[key].label, () => {
        expect(runs.get(key)!.summary.nagReport).toBeNull();
      });
    }
  });
}
