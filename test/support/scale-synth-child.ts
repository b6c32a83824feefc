/**
 * scale.test.ts's synth, as a child process: `node --import tsx test/support/scale-synth-child.ts
 * <pipelines> <outdir>`. buildApp of 100 pipelines is about a minute of synchronous CPU (trial
 * synths to plan the stacks): in the vitest worker it blocked the worker past vitest's 60 s
 * progress-report deadline on a loaded machine. Writes `<outdir>/scale-summary.json` (ScaleSummary).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedPipelines } from '../../bench/generated-pipelines';
import { buildApp } from '../../lib/app';

export interface ScaleSummary {
  readonly stacks: ReadonlyArray<{ readonly name: string; readonly file: string }>;
  /** Whether BuiltApp.stack is its first stack. */
  readonly stackIsFirst: boolean;
  /** The planner's measures, stack by stack: what it believed each template weighs. */
  readonly measures?: ReadonlyArray<{ readonly stackName: string; readonly templateBytes: number }>;
}

const [count, outdir] = process.argv.slice(2);
const built = buildApp({ config: generatedPipelines(Number(count)), bundle: false, placement: new Map(), appProps: { outdir } });
const assembly = built.app.synth();
const summary: ScaleSummary = {
  stacks: built.stacks.map((stack) => ({ name: stack.stackName, file: assembly.getStackByName(stack.stackName).templateFullPath })),
  stackIsFirst: built.stack === built.stacks[0],
  measures: built.measures?.map((m) => ({ stackName: m.stackName, templateBytes: m.total.templateBytes })),
};
writeFileSync(join(outdir, 'scale-summary.json'), JSON.stringify(summary));
