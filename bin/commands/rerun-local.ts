/**
 * A local rerun, Airflow's "clear from task": a kept local run that did not succeed is run again
 * with its own input plus `fromStep` set to the step it ended in, so the steps that had succeeded
 * before it are skipped (the state machine honours fromStep: lib/constructs/from-step.ts). This
 * says what to run; the `rerun` command runs it like `continuum run --input`.
 */
import type { LastRun } from '../../lib/local/history';
import { UsageError } from './declare';

export interface LocalRerun {
  /** The kept run it reruns (its id, from `history --list`). */
  readonly runId: string;
  readonly pipeline: string;
  /** The step the run ended in: where the rerun starts. */
  readonly fromStep: string;
  /** The run's own input with `fromStep` set: the new execution's input. */
  readonly input: Record<string, unknown>;
}

/** What to run to rerun the kept local run `runId` from its failed step (state dir: CONTINUUM_STATE_DIR or .continuum). */
export async function rerunLocal(runId: string, dir?: string): Promise<LocalRerun> {
  const { keptRun } = await import('../../lib/local/run-store');
  const { stateDir } = await import('../../lib/local/history');
  const run = keptRun(dir ?? stateDir(), runId);
  const id = run.executionArn.split(':').pop()!;
  if (run.status === 'SUCCEEDED') {
    throw new UsageError(`local run ${id} of '${run.pipeline}' ${run.skipped ? 'was skipped' : 'succeeded'}: only a run that failed, timed out or was aborted is rerun from its failed step (start a new one with \`continuum run\`)`);
  }
  const fromStep = failedStep(run);
  if (!fromStep) throw new UsageError(`local run ${id} of '${run.pipeline}' ended (${run.status}${run.error ? `, ${run.error}` : ''}) before any step started: run it again from the start with \`continuum run\``);
  return { runId: id, pipeline: run.pipeline, fromStep, input: { ...run.input, fromStep } };
}

/** The title of the step the run was in when it ended: its last state that belongs to a step. */
export function failedStep(run: LastRun): string | undefined {
  const titleOf = new Map<string, string>();
  for (const job of run.jobs ?? []) for (const name of Object.values(job.states)) if (typeof name === 'string') titleOf.set(name, job.title);
  const last = [...run.history].reverse().find((e) => e.type === 'StateEntered' && e.state && titleOf.has(e.state.name));
  if (last) return titleOf.get(last.state!.name);
  // A run saved without job metadata: the last step that did not end well.
  const ended = new Set(['SUCCEEDED', 'SKIPPED', 'NOT_STARTED']);
  return [...run.steps].reverse().find((step) => !ended.has(step.finalState))?.name;
}
