/**
 * The execution input of a run, checked against the pipeline's input schema (lib/operate/input.ts)
 * before anything is synthesized or started: a misspelled field would otherwise be ignored
 * silently (the recipe step skipped, the run SUCCEEDED), and an unknown step would only fail once
 * the run has started. Used by `run` (and a local rerun) and by `start`.
 */
import type { PipelineConfig } from '../../lib/config/schema';
import { UsageError } from './declare';
import { unknownStepProblem } from './shared';

export interface InputCheck {
  /** A step title the run starts at (`--from-step`), put in the input as `fromStep`. */
  readonly fromStep?: string;
  /** Fields the input gets unless it names them (`start` marks its runs `trigger: manual`). @default none */
  readonly defaults?: Record<string, unknown>;
  /** What did not happen when the input is refused: "run" or "started". */
  readonly refused: 'run' | 'started';
}

/** `input` with the defaults and `fromStep`; a UsageError (exit 2) naming the problems otherwise. */
export async function checkedInput(pipeline: PipelineConfig, input: Record<string, unknown>, check: InputCheck): Promise<Record<string, unknown>> {
  const { jobsOf } = await import('../../lib/providers');
  const { inputProblems } = await import('../../lib/operate/input');
  const { fromStep } = check;
  if (fromStep !== undefined) {
    const problem = await unknownStepProblem('--from-step', pipeline.name, fromStep, jobsOf(pipeline).map((job) => job.title));
    if (problem) throw new UsageError(problem);
  }
  const full = { ...check.defaults, ...input, ...(fromStep !== undefined ? { fromStep } : {}) };
  const problems = inputProblems(pipeline, full);
  if (problems.length) throw new UsageError(`--input: ${problems.join('\n--input: ')}\nNothing was ${check.refused}.`);
  return full;
}
