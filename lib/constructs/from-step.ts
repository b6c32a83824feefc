/**
 * `fromStep`: a run whose execution input names a step (its title, e.g. "Refresh record
 * clusters") starts at that step. It is how a failed run is run again from the step that failed
 * (`continuum rerun`, `start --from-step`): Step Functions' redrive cannot, since a failure is
 * caught and routed to a Fail state, where a redrive would start again and fail again.
 *
 *   Choose the first step ─ fromStep = first title ─────────────────────────────► first job
 *                         ├ fromStep = title i ─► Skip to <title i> (the steps before
 *                         │                       it recorded as skipped) ──────────► job i
 *                         ├ fromStep present, no title ─► Unknown first step (Fail)
 *                         └ no fromStep ─────────────────────────────────────────► first job
 *
 * It comes right after the overlap guard, whose states keep the execution input. Every rule
 * tests `IsPresent: true` first: aws-local-stepfunctions evaluates `IsPresent: false` as false
 * whatever the data (docs: step-functions-notes), and AWS fails a comparison on a missing path.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { errorName } from '../contract/errors';
import { boundedName, lowerFirst } from './names';

/** The execution input field naming the step a run starts at. */
export const FROM_STEP_FIELD = 'fromStep';
export const FROM_STEP_CHOICE = 'Choose the first step';
/** How the state that starts a run at a later step is named: "Skip to refresh record clusters". */
const SKIP_TO = 'Skip to ';
export const UNKNOWN_FROM_STEP = errorName('UnknownFromStep');

/** What `$.steps.<key>` holds for a step skipped because the run started at a later one (the shape "done" records). */
export const SKIPPED_BY_FROM_STEP = { id: null, state: 'SKIPPED', polls: 0, summary: { skippedBy: FROM_STEP_FIELD } } as const;

/**
 * The keys of the steps a state recorded as skipped by `fromStep` (in its output's `$.steps`,
 * not already in its input's: every later state carries the record on), in order.
 */
export function skippedByFromStep(state: { readonly name?: string; readonly input?: unknown; readonly output?: unknown }): string[] {
  // A deployed history's exit events carry no input: then only a "Skip to" state counts.
  if (state.input === undefined && !state.name?.startsWith(SKIP_TO)) return [];
  const before = new Set(skippedIn(state.input));
  return skippedIn(state.output).filter((key) => !before.has(key));
}

function skippedIn(data: unknown): string[] {
  const steps = (data as { steps?: Record<string, { state?: unknown; summary?: { skippedBy?: unknown } | null } | null> } | null | undefined)?.steps;
  return Object.entries(steps ?? {})
    .filter(([, record]) => record?.state === SKIPPED_BY_FROM_STEP.state && record.summary?.skippedBy === FROM_STEP_FIELD)
    .map(([key]) => key);
}

/** A step a run may start at: its key and title, and where it begins. */
export interface FromStepTarget {
  readonly key: string;
  readonly title: string;
  readonly start: sfn.IChainable;
}

export interface FromStepProps {
  /** Named in the unknown step's cause. */
  readonly pipelineName: string;
  /** The pipeline's steps in run order; at least one. */
  readonly steps: readonly FromStepTarget[];
}

/** The Choice that starts a run at `fromStep` (see the module comment). */
export function fromStepChoice(scope: Construct, props: FromStepProps): sfn.Choice {
  const { steps, pipelineName } = props;
  if (steps.length === 0) throw new Error(`pipeline '${pipelineName}': fromStep needs at least one step`);
  const field = `$.${FROM_STEP_FIELD}`;
  const named = (title: string) => sfn.Condition.and(sfn.Condition.isPresent(field), sfn.Condition.stringEquals(field, title));
  const choice = new sfn.Choice(scope, 'FromStep', {
    stateName: FROM_STEP_CHOICE,
    comment: `Starts the run at the step the execution input's ${FROM_STEP_FIELD} names (a step title); without it, at the first step.`,
  });
  choice.when(named(steps[0].title), steps[0].start);
  steps.slice(1).forEach((step, i) => {
    const skipped = Object.fromEntries(steps.slice(0, i + 1).map((before) => [before.key, SKIPPED_BY_FROM_STEP]));
    const skip = new sfn.Pass(scope, `FromStep${i + 1}`, {
      stateName: boundedName(`${SKIP_TO}${lowerFirst(step.title)}`, 80),
      comment: `The run starts at '${step.title}': records the ${i === 0 ? 'step' : `${i + 1} steps`} before it as skipped at $.steps.`,
      result: sfn.Result.fromObject(skipped),
      resultPath: '$.steps',
    });
    choice.when(named(step.title), skip.next(step.start));
  });
  const unknown = new sfn.Fail(scope, 'UnknownFromStep', {
    stateName: 'Unknown first step',
    comment: `${FROM_STEP_FIELD} names no step of this pipeline: the run ends before any step runs.`,
    error: UNKNOWN_FROM_STEP,
    cause: `The execution input's ${FROM_STEP_FIELD} is not the title of a step of pipeline '${pipelineName}'. Its steps, in order: ${steps.map((s) => `'${s.title}'`).join(', ')}.`,
  });
  return choice.when(sfn.Condition.isPresent(field), unknown).otherwise(steps[0].start);
}
