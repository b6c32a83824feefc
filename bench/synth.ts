/**
 * Synth scale: 1, 20 and 100 generated pipelines (the seed's six steps each, one Tamr instance),
 * synthesized in-process without bundling (bundles are measured separately). Prints the time and
 * the templates: stacks, resources, bytes and Lambda functions.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp } from '../lib/app';
import type { CfnTemplate } from '../lib/local/synthesized';
import { generatedPipelines } from './generated-pipelines';

export const SYNTH_COUNTS = [1, 20, 100] as const;

export interface SynthStack {
  readonly name: string;
  readonly pipelines: number;
  readonly resources: number;
  readonly templateBytes: number;
  readonly functions: number;
}

export interface SynthResult {
  readonly pipelines: number;
  readonly seconds: number;
  readonly stacks: readonly SynthStack[];
  readonly functions: number;
  readonly stateMachines: number;
  readonly totalTemplateBytes: number;
}

export function benchSynth(outdir: string, log: (line: string) => void = () => undefined): { warmupSeconds: number; results: SynthResult[] } {
  // The first synth of a process also loads aws-cdk-lib's modules: time it apart.
  const warmup = timed(() => synth(1, join(outdir, 'warmup')));
  log(`  warm-up (module loading + 1 pipeline): ${warmup.seconds.toFixed(1)} s`);
  const results = SYNTH_COUNTS.map((count) => {
    const { seconds, value: stacks } = timed(() => synth(count, join(outdir, `n${count}`)));
    log(`  ${count} pipeline${count === 1 ? '' : 's'}: ${seconds.toFixed(1)} s, ${stacks.length} stack${stacks.length === 1 ? '' : 's'}`);
    return {
      pipelines: count,
      seconds,
      stacks,
      functions: stacks.reduce((sum, s) => sum + s.functions, 0),
      stateMachines: count,
      totalTemplateBytes: stacks.reduce((sum, s) => sum + s.templateBytes, 0),
    };
  });
  rmSync(outdir, { recursive: true, force: true });
  return { warmupSeconds: warmup.seconds, results };
}

function synth(count: number, outdir: string): SynthStack[] {
  rmSync(outdir, { recursive: true, force: true });
  const { app, stacks } = buildApp({ config: generatedPipelines(count), bundle: false, appProps: { outdir } });
  const assembly = app.synth();
  return stacks.map((stack) => {
    const artifact = assembly.getStackByName(stack.stackName);
    const resources = Object.values((artifact.template as CfnTemplate).Resources);
    return {
      name: stack.stackName,
      pipelines: stack.pipelines.size,
      resources: resources.length,
      templateBytes: statSync(artifact.templateFullPath).size,
      functions: resources.filter((r) => r.Type === 'AWS::Lambda::Function').length,
    };
  });
}

function timed<T>(fn: () => T): { seconds: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { seconds: (performance.now() - start) / 1000, value };
}
