/**
 * Reads and validates a pipelines file. Every problem is reported as `file: path: reason`
 * (e.g. `pipelines.yaml: pipelines[0].steps[2].project: required`), never as a stack trace.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type Document, LineCounter, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { jobsOf } from '../providers';
import { closest } from '../text/suggest';
import { pipelinesFileSchema, type PipelineConfig, type PipelinesFile } from './schema';

/** One problem in a config file. */
export interface ConfigProblem {
  /** `pipelines[0].steps[2].project`, or '' for the whole file. */
  readonly path: string;
  readonly reason: string;
  /** Where in the file, for problems found while reading the YAML (`file:line:col: reason`). */
  readonly line?: number;
  readonly col?: number;
}

/** An invalid config file. `message` lists every problem, one per line. */
export class ConfigError extends Error {
  readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    super(problems.map((p) => (p.line !== undefined ? `${file}:${p.line}:${p.col ?? 1}: ${p.reason}` : `${file}: ${p.path ? `${p.path}: ` : ''}${p.reason}`)).join('\n'));
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
  const parsed = pipelinesFileSchema.safeParse(readYaml(text, file), { reportInput: true });
  if (!parsed.success) throw new ConfigError(file, withSuggestions(parsed.error.issues.flatMap(toProblems)));

  const baseDir = dirname(resolve(file));
  const pipelines = parsed.data.pipelines.map((pipeline) => resolveLocalPaths(pipeline, baseDir));
  const problems = pipelines.flatMap((pipeline, index) => stateNameProblems(pipeline, index));
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { file, pipelines, slotPools: parsed.data.slotPools };
}

/**
 * The YAML as plain data. Every YAML problem, whatever its kind, is a `file:line:col: reason`
 * ConfigError. Top-level `x-…` keys are a home for anchors (the docker-compose convention) and
 * are dropped here. Anchors may be shared by any number of pipelines: the alias limit grows with
 * the number of aliases written, so only aliases of aliases that multiply (a "billion laughs"
 * bomb) exceed it.
 */
function readYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined) => lineCounter.linePos(offset ?? 0);
  let document: Document.Parsed;
  try {
    document = parseDocument(text, { prettyErrors: false, lineCounter });
  } catch (error) {
    throw new ConfigError(file, [{ path: '', reason: `YAML error: ${firstLine(error)}`, line: 1, col: 1 }]);
  }
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      document.errors.map((e) => ({ path: '', reason: `YAML syntax error: ${firstLine(e)}`, ...at(e.pos[0]) })),
    );
  }
  let aliases = 0;
  let firstAlias: number | undefined;
  visit(document, {
    Alias(_, node) {
      aliases += 1;
      firstAlias ??= node.range?.[0];
    },
  });
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 + 10 * aliases });
  } catch (error) {
    const message = firstLine(error);
    const reason = /excessive alias count/i.test(message)
      ? 'YAML aliases expand to too much data (aliases of aliases that multiply, like a "billion laughs" bomb); alias each anchor directly or write the values out'
      : `YAML error: ${message}`;
    throw new ConfigError(file, [{ path: '', reason, ...at(/alias/i.test(message) ? firstAlias : undefined) }]);
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('x-')));
  }
  return value ?? {};
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
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
    'records' in step && step.records !== undefined && !step.records.startsWith('s3://') && !isAbsolute(step.records)
      ? { ...step, records: resolve(baseDir, step.records) }
      : step,
  );
  return { ...pipeline, steps } as PipelineConfig;
}

/** zod issues → problems; zod's generic English ("Too small: expected number to be >=1") is reworded. */
function toProblems(issue: z.core.$ZodIssue): ConfigProblem[] {
  // One problem per unknown key, pointing at the key itself.
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), reason: 'unknown field' }));
  let reason = issue.message;
  let path: readonly PropertyKey[] = issue.path;
  if (issue.code === 'invalid_type') reason = invalidTypeReason(issue);
  if ((issue.code === 'too_small' || issue.code === 'too_big') && /^Too (small|big):/.test(reason)) reason = rangeReason(issue);
  if (/^Invalid input: /.test(reason)) reason = reason.slice('Invalid input: '.length);
  // Union errors carry "kind: ..." / "system: ..." prefixes naming the field one level deeper;
  // zod 4.6+ already ends the path with that field.
  const nested = /^(kind|system): (.*)$/.exec(reason);
  if (nested) {
    reason = nested[2];
    if (path[path.length - 1] !== nested[1]) path = [...path, nested[1]];
  }
  return [{ path: formatPath(path), reason }];
}

/** Missing and empty values are "required"; anything else says what was expected and found. */
function invalidTypeReason(issue: z.core.$ZodIssueInvalidType): string {
  const { input, expected } = issue;
  if (input === undefined || input === null) return issue.message.startsWith('required') ? issue.message : 'required';
  const expectedText = EXPECTED[expected] ?? expected;
  const found = Array.isArray(input)
    ? 'a list'
    : typeof input === 'object'
      ? 'a mapping'
      : `${JSON.stringify(input)} (${typeof input === 'string' ? 'a string' : typeof input === 'number' ? 'a number' : typeof input})`;
  const hint = expected === 'string' && (typeof input === 'number' || typeof input === 'boolean') ? '; put it in quotes' : '';
  return `expected ${expectedText}, got ${found}${hint}`;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function rangeReason(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const bound = issue.inclusive === false ? (small ? 'greater than' : 'less than') : small ? 'at least' : 'at most';
  switch (issue.origin) {
    case 'string':
      return `must be ${bound} ${limit} character${limit === 1 ? '' : 's'} long`;
    case 'array':
      return `must have ${bound} ${limit} item${limit === 1 ? '' : 's'}`;
    default:
      return `must be ${bound} ${limit}`;
  }
}

/**
 * "unknown field 'secretname'" next to "secretName: required" is a typo: say so. Any other
 * unknown field gets the closest field name the config knows anywhere (`schedul` → `schedule`).
 */
function withSuggestions(problems: ConfigProblem[]): ConfigProblem[] {
  const required = problems.filter((p) => p.reason.startsWith('required')).map((p) => p.path);
  return problems.map((problem) => {
    if (problem.reason !== 'unknown field') return problem;
    const { parent, key } = splitPath(problem.path);
    const match = required.map(splitPath).find((r) => r.parent === parent && isTypo(key, r.key))?.key ?? closest(key, fieldNames());
    return match ? { ...problem, reason: `unknown field; did you mean '${match}'?` } : problem;
  });
}

let knownFields: Set<string> | undefined;
/** Every field name of the config schema, at any depth (x- keys aside). */
function fieldNames(): Set<string> {
  if (knownFields) return knownFields;
  const names = new Set<string>();
  const seen = new Set<unknown>();
  const walk = (schema: unknown): void => {
    if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
    seen.add(schema);
    const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (!def) return;
    if (def.type === 'object') {
      for (const [name, field] of Object.entries(def.shape as Record<string, unknown>)) {
        names.add(name);
        walk(field);
      }
    }
    for (const key of ['innerType', 'element', 'in', 'out', 'valueType', 'left', 'right']) walk(def[key]);
    for (const option of (def.options as unknown[] | undefined) ?? []) walk(option);
  };
  walk(pipelinesFileSchema);
  knownFields = names;
  return names;
}

function splitPath(path: string): { parent: string; key: string } {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? { parent: '', key: path } : { parent: path.slice(0, dot), key: path.slice(dot + 1) };
}

/** Same letters but case, or at most two single-character edits apart. */
function isTypo(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] <= 2;
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}
