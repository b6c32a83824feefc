/**
 * 100 pipelines of one Tamr instance: spread over stacks that each stay within CloudFormation's
 * limits, with the handler functions shared inside each stack instead of one set per pipeline.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportsOf, pipelinesOf, slotTableOf, type CfnTemplate } from '../lib/local/synthesized';
import { STACK_LIMITS } from '../lib/stack-plan';
import { generatedPipelines } from '../bench/generated-pipelines';
import { matchesSnapshot, snapshotText } from './support/definitions-snapshot';
import type { ScaleSummary } from './support/scale-synth-child';

const config = generatedPipelines(100);
const outdir = mkdtempSync(join(tmpdir(), 'continuum-scale-'));
let built: ScaleSummary;
let templates: Array<{ name: string; template: CfnTemplate; bytes: number }>;

beforeAll(async () => {
  // In a child process: a minute of synchronous synth, which the vitest worker only awaits.
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', 'test/support/scale-synth-child.ts', '100', outdir], { maxBuffer: 16 * 1024 * 1024 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`scale synth failed: ${stderr || error.message}`)) : resolve(),
    ),
  );
  built = JSON.parse(readFileSync(join(outdir, 'scale-summary.json'), 'utf8')) as ScaleSummary;
  templates = built.stacks.map(({ name, file }) => ({ name, template: JSON.parse(readFileSync(file, 'utf8')) as CfnTemplate, bytes: statSync(file).size }));
}, 300_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const ofType = (template: CfnTemplate, type: string) => Object.values(template.Resources).filter((r) => r.Type === type);

describe('100 pipelines', () => {
  it('are spread over stacks named Continuum, Continuum-2, ..., each within CloudFormation limits', () => {
    expect(built.stacks.length).toBeGreaterThan(1);
    expect(built.stackIsFirst).toBe(true);
    expect(templates.map((t) => t.name)).toEqual(templates.map((_, i) => (i === 0 ? 'Continuum' : `Continuum-${i + 1}`)));
    for (const { name, template, bytes } of templates) {
      expect(Object.keys(template.Resources).length, name).toBeLessThan(500);
      expect(bytes, name).toBeLessThan(1024 * 1024);
    }
  });

  it('places every pipeline exactly once, in config order', () => {
    const placed = templates.flatMap(({ template }) => ofType(template, 'AWS::StepFunctions::StateMachine').map((r) => r.Metadata?.['continuum:pipeline']));
    expect(placed).toEqual(config.pipelines.map((p) => p.name));
  });

  it('shares the handler functions: one per handler in each stack, not one per pipeline', () => {
    for (const { name, template } of templates) {
      const functions = ofType(template, 'AWS::Lambda::Function');
      const handlers = functions.map((r) => r.Metadata?.['continuum:handler']).filter((id) => id !== undefined);
      expect(handlers.sort(), name).toEqual(['tamr-mastering/get-operation', 'tamr-mastering/populate-recipe', 'tamr-mastering/submit-refresh', 'tamr-mastering/update-records']);
      // Besides the handlers, one function per stack publishes the job durations.
      expect(functions, name).toHaveLength(handlers.length + 1);
    }
  });

  it('keeps each state machine on the functions of its own stack', () => {
    const pipelines = templates.flatMap(({ template }) => [...pipelinesOf(template, config).values()]);
    expect(pipelines).toHaveLength(100);
    for (const pipeline of pipelines) expect(pipeline.functions.size, pipeline.config.name).toBe(4);
  });

  it('synthesizes the definitions of the snapshot (test/snapshots/bench-100.json), as the local runner reads them', () => {
    const all = templates.map((t) => t.template);
    const app = { exports: exportsOf(all), slotTable: all.map(slotTableOf).find((table) => table !== undefined) };
    const { matches, file } = matchesSnapshot('bench-100', snapshotText(all.flatMap((template) => [...pipelinesOf(template, config, app)]), true));
    expect(matches, `${file} differs: review with git diff after UPDATE_SNAPSHOTS=1`).toBe(true);
  });

  it('measures what CDK writes: each stack within 900,000 bytes and 450 resources, as the template file says', () => {
    expect(built.measures?.map((m) => m.stackName)).toEqual(templates.map((t) => t.name));
    for (const [i, t] of templates.entries()) {
      expect(built.measures![i].templateBytes, t.name).toBe(t.bytes);
      expect(t.bytes, t.name).toBeLessThanOrEqual(STACK_LIMITS.templateBytes);
      expect(Object.keys(t.template.Resources).length, t.name).toBeLessThanOrEqual(STACK_LIMITS.resources);
    }
  });
});
