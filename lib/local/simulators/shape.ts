/**
 * How a simulator's jobs behave, set from options or the `simulate` command line: how long a job
 * takes, which steps fail, which never finish, and (Boomi Hub) what share of a batch is
 * quarantined. The step names are what each system calls a job-starting step, so help texts can
 * list them and the command line can reject a misspelt one with a suggestion.
 *
 * It imports only the edit distance (lib/text/suggest): `continuum --help` reads it without
 * loading any simulator.
 */
import { editDistance } from '../../text/suggest';

/** Tamr Mastering: the refreshes (and recipe populate) that submit an operation, named as the config's step kinds. */
export const TAMR_MASTERING_STEPS = ['refreshUnifiedDataset', 'refreshRecordPairs', 'refreshRecordClusters', 'refreshDataset', 'populateRecipe'] as const;

/** Tamr Cloud: the job types of `POST /jobs`. */
export const TAMR_CLOUD_STEPS = ['load', 'update', 'publish'] as const;

/** Crossing Minds task names the public `tasks/<name>/` endpoints accept. */
export const PUBLIC_TASK_NAMES = ['ml_model_retrain', 'item_popularity_score_recalibrate', 'ml_new_users', 'ml_new_items'] as const;

/** Crossing Minds task names the internal `tasks/private/<name>/` endpoints accept (every task). */
export const PRIVATE_TASK_NAMES = [
  ...PUBLIC_TASK_NAMES,
  'data_import',
  'reco_export',
  'analytics_report_export',
  'user_id_whitelist_export',
] as const;

/** Boomi Hub: one job per Update Golden Records call, the batch. */
export const BOOMI_HUB_STEPS = ['batch'] as const;

/** What each simulated system calls a step, keyed by system name. */
export const SIMULATED_STEPS = {
  'tamr-mastering': TAMR_MASTERING_STEPS,
  'tamr-cloud': TAMR_CLOUD_STEPS,
  'crossing-minds': PRIVATE_TASK_NAMES,
  'boomi-hub': BOOMI_HUB_STEPS,
} as const;

export type SimulatedSystem = keyof typeof SIMULATED_STEPS;
export type SimulatedStep<S extends SimulatedSystem = SimulatedSystem> = (typeof SIMULATED_STEPS)[S][number];

/** A simulator's job behaviour. Per-call knobs in code (`failNext` …) still take precedence. */
export interface SimulatorShape<Step extends string = string> {
  /** Seconds a job takes from submission to its end state, on the simulator's clock. @default the simulator's own duration option */
  readonly jobSeconds?: number;
  /** Steps whose every job ends failed (FAILED, DONE with an error, ERRORED). @default none */
  readonly fail?: readonly Step[];
  /** Steps whose every job stays running forever, so the pipeline's poll timeout must end it. @default none */
  readonly neverFinish?: readonly Step[];
  /** Boomi Hub only: the share (0 to 1) of each batch's entities quarantined, its last ones, rounded. @default 0 */
  readonly quarantineRatio?: number;
}

/** The message a job failed by the shape ends with: says where the failure came from. */
export const simulatedFailure = (step: string): string => `${step} failed: simulated failure (continuum simulate --fail ${step})`;

/** A job duration in ms: the shape's seconds when set, else the simulator option, else its default. */
export const jobDurationMs = (shape: SimulatorShape | undefined, option: number | undefined, fallback: number): number =>
  shape?.jobSeconds !== undefined ? shape.jobSeconds * 1000 : (option ?? fallback);

/** Thrown for a bad command-line value; the message names the option. */
export class SimulatorShapeError extends Error {
  readonly name = 'SimulatorShapeError';
}

/** A `simulate` option as the command line declares it (node:util parseArgs style). */
export interface ShapeOption {
  /** Option name without dashes. */
  readonly name: 'job-seconds' | 'fail' | 'never-finish' | 'quarantine';
  readonly type: 'string';
  readonly multiple: boolean;
  /** What the value is, for the usage line: `--fail STEP`. */
  readonly value: string;
  readonly help: string;
}

export const SHAPE_OPTIONS: readonly ShapeOption[] = [
  { name: 'job-seconds', type: 'string', multiple: false, value: 'N', help: 'every job takes N seconds (default: the demo length)' },
  { name: 'fail', type: 'string', multiple: true, value: 'STEP', help: "every job of STEP fails (repeatable; STEP is one of the system's steps below)" },
  { name: 'never-finish', type: 'string', multiple: true, value: 'STEP', help: 'every job of STEP stays running forever (repeatable)' },
  { name: 'quarantine', type: 'string', multiple: false, value: 'RATIO', help: "boomi-hub: quarantine this share (0 to 1) of each batch's entities" },
];

/** The options for node:util `parseArgs`. */
export function shapeParseArgsOptions(): Record<ShapeOption['name'], { type: 'string'; multiple: boolean }> {
  return Object.fromEntries(SHAPE_OPTIONS.map((option) => [option.name, { type: option.type, multiple: option.multiple }])) as Record<
    ShapeOption['name'],
    { type: 'string'; multiple: boolean }
  >;
}

/** Help lines: each option, then the step names per system. */
export function shapeHelpLines(): string[] {
  const usage = (option: ShapeOption) => `--${option.name} ${option.value}`;
  const width = Math.max(...SHAPE_OPTIONS.map((option) => usage(option).length)) + 2;
  const systemWidth = Math.max(...Object.keys(SIMULATED_STEPS).map((system) => system.length)) + 2;
  return [
    ...SHAPE_OPTIONS.map((option) => `  ${usage(option).padEnd(width)}${option.help}`),
    '',
    'Steps per system (for --fail and --never-finish):',
    ...Object.entries(SIMULATED_STEPS).flatMap(([system, steps]) =>
      wrap(steps, 100 - 2 - systemWidth).map((line, i) => `  ${(i === 0 ? `${system}:` : '').padEnd(systemWidth)}${line}`),
    ),
  ];
}

/** Step names joined by ", " in lines of at most `width` characters (a name is never split). */
function wrap(names: readonly string[], width: number): string[] {
  const lines: string[] = [];
  for (const name of names) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last].length + name.length + 2 <= width) lines[last] += ` ${name},`;
    else lines.push(`${name},`);
  }
  return lines.map((line, i) => (i === lines.length - 1 ? line.slice(0, -1) : line));
}

/** Parsed command-line values of the shape options (strings as parseArgs gives them). */
export type ShapeArgs = Partial<Record<ShapeOption['name'], string | string[] | boolean | boolean[]>>;

/** The shape the command line asks for `system`; throws SimulatorShapeError naming the option. */
export function shapeFromArgs<S extends SimulatedSystem>(system: S, values: ShapeArgs): SimulatorShape<SimulatedStep<S>> {
  const steps: readonly string[] = SIMULATED_STEPS[system];
  const stepsOf = (name: 'fail' | 'never-finish'): Array<SimulatedStep<S>> => {
    const given = values[name];
    const list = given === undefined ? [] : (Array.isArray(given) ? given : [given]).map(String);
    return list.map((step) => {
      if (steps.includes(step)) return step as SimulatedStep<S>;
      const suggestion = closest(step, steps);
      const hint = suggestion ? `; did you mean '${suggestion}'?` : '';
      throw new SimulatorShapeError(`--${name}: ${system} has no step '${step}'${hint} (steps: ${steps.join(', ')})`);
    });
  };
  const fail = stepsOf('fail');
  const neverFinish = stepsOf('never-finish');
  const both = fail.find((step) => neverFinish.includes(step));
  if (both) throw new SimulatorShapeError(`--fail and --never-finish both name '${both}': a job either fails or never finishes`);

  const jobSeconds = numberArg(values['job-seconds'], '--job-seconds', 'a number of seconds, 0 or more', (n) => n >= 0);
  const quarantineRatio = numberArg(values.quarantine, '--quarantine', 'a ratio from 0 to 1', (n) => n >= 0 && n <= 1);
  if (quarantineRatio !== undefined && system !== 'boomi-hub') {
    throw new SimulatorShapeError(`--quarantine: only the boomi-hub simulator quarantines entities, not ${system}`);
  }
  return {
    ...(jobSeconds !== undefined ? { jobSeconds } : {}),
    ...(fail.length ? { fail } : {}),
    ...(neverFinish.length ? { neverFinish } : {}),
    ...(quarantineRatio !== undefined ? { quarantineRatio } : {}),
  };
}

/** One line describing a shape for the simulator's banner, or undefined for the default shape. */
export function describeShape(shape: SimulatorShape): string | undefined {
  const parts = [
    shape.jobSeconds !== undefined ? `jobs take ${shape.jobSeconds} s` : '',
    shape.fail?.length ? `failing: ${shape.fail.join(', ')}` : '',
    shape.neverFinish?.length ? `never finishing: ${shape.neverFinish.join(', ')}` : '',
    shape.quarantineRatio !== undefined ? `quarantine ratio ${shape.quarantineRatio}` : '',
  ].filter(Boolean);
  return parts.length ? parts.join('; ') : undefined;
}

function numberArg(raw: ShapeArgs[keyof ShapeArgs], flag: string, expected: string, valid: (n: number) => boolean): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(Array.isArray(raw) ? raw.at(-1) : raw).trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || !valid(value)) throw new SimulatorShapeError(`${flag} takes ${expected}, got '${text}'`);
  return value;
}

/** The candidate nearest to `word` (case ignored), if it is close enough to be a slip. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const scored = candidates.map((candidate) => ({ candidate, distance: editDistance(word.toLowerCase(), candidate.toLowerCase()) }));
  const best = scored.sort((a, b) => a.distance - b.distance)[0];
  // Close: within a third of its length (at least 2 edits), or a long step name shortened
  // ('refreshPairs' for refreshRecordPairs, 'export' for reco_export).
  if (!best) return undefined;
  if (best.distance <= Math.max(2, Math.floor(word.length / 3))) return best.candidate;
  const lower = word.toLowerCase();
  return lower.length >= 3 ? candidates.find((candidate) => isSubsequence(lower, candidate.toLowerCase())) : undefined;
}

/** Whether every letter of `short` appears in `long`, in order. */
function isSubsequence(short: string, long: string): boolean {
  let at = 0;
  for (const letter of long) if (letter === short[at]) at += 1;
  return at === short.length;
}

