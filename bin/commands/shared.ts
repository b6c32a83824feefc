/**
 * What several commands share: options declared once (`--config`, `--pipeline`, `--output`,
 * `--system`), config loading and JSON arguments read with the line and column of a mistake.
 */
import { readFileSync } from 'node:fs';
import type { LoadedConfig } from '../../lib/config/load';
import { UsageError } from './declare';

export const DEFAULT_CONFIG = 'pipelines.yaml';

export const configOption = { type: 'string', value: 'FILE', help: 'pipelines file', default: DEFAULT_CONFIG } as const;
export const pipelineOption = { type: 'string', value: 'NAME', help: 'pipeline to execute', required: true } as const;
export const outputOption = { type: 'choice', choices: ['json'], value: 'json', help: 'print one JSON object at the end instead of progress lines' } as const;
export const systemOption = { type: 'string', value: 'SYSTEM', help: "which system's demo", default: 'tamr-mastering' } as const;

export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  const { loadConfig } = await import('../../lib/config/load');
  return loadConfig(file);
}

/** Fails with the known names before anything costly (a synth) runs. */
export async function checkPipelineName(config: LoadedConfig, name: string | undefined): Promise<void> {
  if (name === undefined) return;
  const names = config.pipelines.map((p) => p.name);
  if (names.includes(name)) return;
  const { UnknownPipelineError } = await import('../../lib/local/session');
  throw new UnknownPipelineError(name, names);
}

/** The demo setup of a system (lib/local/demo.ts), or a usage error naming the systems that have one. */
export async function demoSetup(system: string) {
  const { DEMOS, demoOf } = await import('../../lib/local/demo');
  const setup = demoOf(system);
  if (!setup) throw new UsageError(`no demo for system '${system}' (systems with one: ${Object.keys(DEMOS).join(', ')})`);
  return setup;
}

export function readJsonFile(file: string, flag: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  return parseJsonObject(text, `${flag} ${file}`);
}

/** A JSON object, or a usage error saying where the text stops being JSON (`line 3, column 7`). */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what}: not valid JSON${jsonErrorPlace(text, (error as Error).message)}`);
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new UsageError(`${what}: must be a JSON object, got ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}`);
}

/** V8 says "… in JSON at position 41 (line 3 column 7)" (Node 20 only the position): both become `at line 3, column 7: …`. */
function jsonErrorPlace(text: string, message: string): string {
  const reason = message.replace(/ in JSON at position \d+.*$/, '').replace(/^JSON Parse error: /, '');
  const position = /at position (\d+)/.exec(message);
  let offset = position ? Number(position[1]) : /Unexpected end of JSON input/.test(message) ? text.length : undefined;
  if (offset === undefined) return `: ${reason}`;
  offset = Math.min(offset, text.length);
  const before = text.slice(0, offset).split('\n');
  return ` at line ${before.length}, column ${before[before.length - 1].length + 1}: ${reason}`;
}

/**
 * What is wrong with a step title given on the command line (`--from-step`, `--step`), or
 * undefined when the pipeline has that step: the message names the closest title and all of them.
 */
export async function unknownStepProblem(flag: string, pipelineName: string, step: string, titles: readonly string[]): Promise<string | undefined> {
  if (titles.includes(step)) return undefined;
  const { didYouMean } = await import('../../lib/text/suggest');
  return `${flag}: pipeline '${pipelineName}' has no step '${step}'${didYouMean(step, titles)}; its steps: ${titles.map((t) => `'${t}'`).join(', ')}`;
}
