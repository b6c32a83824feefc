/**
 * Where each pipeline's state machine lives: `<config>.placement.json` next to the config file
 * (`pipelines.placement.json` for `pipelines.yaml`), committed like `cdk.context.json`.
 *
 * Moving a pipeline to another stack deletes and recreates its state machine (history gone,
 * running executions stopped), so the placement of the last synth is kept: every build reads it
 * and keeps placed pipelines where they are (lib/stack-plan.ts). `cdk synth`/`cdk deploy`
 * (bin/app.ts) and `continuum synth` write it when it changed; tests and local runs compute it in
 * memory and never write it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { ConfigError } from './config/load';
import type { PlannedStack } from './stack-plan';

/** Pipeline name → stack name. */
export type Placement = ReadonlyMap<string, string>;

const NOTE =
  'Which stack each pipeline is deployed in. Written by `cdk synth` and `continuum synth`; commit it with the config. ' +
  'A pipeline listed here stays in its stack (moving it would recreate its state machine); delete an entry to let the planner place it again.';

/** `dir/pipelines.yaml` → `dir/pipelines.placement.json`. */
export function placementFileFor(configFile: string): string {
  return join(dirname(configFile), `${basename(configFile, extname(configFile))}.placement.json`);
}

/** The recorded placement, or an empty one when the file does not exist. */
export function readPlacement(file: string): Placement {
  if (!existsSync(file)) return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(file, [{ path: '', reason: `not valid JSON (${(error as Error).message}); fix it, or delete it to place every pipeline again` }]);
  }
  const pipelines = (parsed as { pipelines?: unknown } | null)?.pipelines;
  if (!pipelines || typeof pipelines !== 'object' || Array.isArray(pipelines) || !Object.values(pipelines).every((v) => typeof v === 'string')) {
    throw new ConfigError(file, [{ path: 'pipelines', reason: 'must map each pipeline name to its stack name' }]);
  }
  return new Map(Object.entries(pipelines as Record<string, string>));
}

/** The placement of a plan, in config order of the stacks' pipelines. */
export function placementOf(stacks: readonly PlannedStack[]): Placement {
  return new Map(stacks.flatMap((stack) => stack.pipelines.map((name) => [name, stack.name] as const)));
}

/** The file's text for a placement (stable: pipelines in the order given). */
export function placementText(placement: Placement): string {
  return `${JSON.stringify({ note: NOTE, pipelines: Object.fromEntries(placement) }, undefined, 2)}\n`;
}

/** Writes the placement when it differs from the file's; returns whether it wrote. */
export function writePlacement(file: string, placement: Placement): boolean {
  const text = placementText(placement);
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return false;
  writeFileSync(file, text);
  return true;
}
