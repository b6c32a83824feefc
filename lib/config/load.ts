/**
 * Reads and validates a pipelines file. Every problem is reported as `file: path: reason`
 * (e.g. `pipelines.yaml: pipelines[0].steps[2].project: required`), never as a stack trace.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { jobsOf } from '../providers';
import { pipelinesFileSchema, type PipelineConfig, type PipelinesFile } from './schema';

/** One problem in a config file. */
export interface ConfigProblem {
  /** `pipelines[0].steps[2].project`, or '' for the whole file. */
  readonly path: string;
  readonly reason: string;
}

/** An invalid config file. `message` lists every problem, one per line. */
export class ConfigError extends Error {
  readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(problems.map((p) => `${file}: ${p.path ? `${p.path}: ` : ''}${p.reason}`).join('\n'));
  }
}

/** A validated pipelines file with its location (local paths in it are resolved against it). */
export interface LoadedConfig extends PipelinesFile {
  readonly file: string;
}

export function loadConfig(file: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [{ path: '', reason: `cannot read file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` }]);
  }
  return parseConfig(text, file);
}

/** Validate config text; `file` is used in messages and to resolve relative paths. */
export function parseConfig(text: string, file: string): LoadedConfig {
  const document = parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ConfigError(file, document.errors.map((e) => ({ path: '', reason: `YAML syntax: ${e.message.split('\n')[0]}` })));
  }
  const parsed = pipelinesFileSchema.safeParse(document.toJS() ?? {});
  if (!parsed.success) throw new ConfigError(file, parsed.error.issues.map(toProblem));

  const baseDir = dirname(resolve(file));
  const pipelines = parsed.data.pipelines.map((pipeline) => resolveLocalPaths(pipeline, baseDir));
  const problems = pipelines.flatMap((pipeline, index) => stateNameProblems(pipeline, index));
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { file, pipelines };
}

/** Step Functions state names must be unique in a state machine; they derive from step names. */
function stateNameProblems(pipeline: PipelineConfig, pipelineIndex: number): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const owner = new Map<string, number>();
  jobsOf(pipeline).forEach((job, stepIndex) => {
    for (const name of [job.title, job.subject.toLowerCase()]) {
      const first = owner.get(name);
      if (first !== undefined && first !== stepIndex) {
        problems.push({
          path: `pipelines[${pipelineIndex}].steps[${stepIndex}].name`,
          reason: `step '${job.title}' collides with steps[${first}]; give one of them a distinct 'name' and 'subject'`,
        });
        return;
      }
      owner.set(name, stepIndex);
    }
  });
  return problems;
}

/** Local record files are relative to the config file; S3 URIs are left alone. */
function resolveLocalPaths(pipeline: PipelineConfig, baseDir: string): PipelineConfig {
  const steps = pipeline.steps.map((step) =>
    'records' in step && !step.records.startsWith('s3://') && !isAbsolute(step.records)
      ? { ...step, records: resolve(baseDir, step.records) }
      : step,
  );
  return { ...pipeline, steps } as PipelineConfig;
}

function toProblem(issue: z.core.$ZodIssue): ConfigProblem {
  let reason = issue.message;
  if (issue.code === 'invalid_type' && /received undefined/.test(reason)) reason = 'required';
  if (issue.code === 'unrecognized_keys') reason = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  // Union errors carry "kind: ..." / "system: ..." prefixes pointing one level deeper.
  const nested = /^(kind|system): (.*)$/.exec(reason);
  const path = [...issue.path, ...(nested ? [nested[1]] : [])];
  return { path: formatPath(path), reason: nested ? nested[2] : reason };
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}
