/**
 * The step-level graph of a pipeline: one node per step (its job's title), the overlap guard as
 * one node, and three ends (finished, skipped, failed). Every way a step can fail (remote
 * failure, request failure, timeout, conflict) is folded into one "fails" edge, so the diagram
 * shows what the pipeline does rather than how each polling loop is built.
 *
 * Steps are found in the synthesized definition itself, with the `continuum:jobs` metadata:
 * a job's states run from its entry state up to the entry of the next job, which is the `Next`
 * of the job's done state (or of its Map state for a fan-out).
 */
import type { JobMetadata } from '../constructs/pipeline';
import { OVERLAP_GUARD_STATE, RUN_START_STATE } from '../constructs/overlap-guard';
import type { AslDefinition, AslState } from '../local/synthesized';
import type { GraphEdge, GraphNode, StateGraph } from './graph';

/** What the step graph needs of a synthesized pipeline. */
export interface StepGraphSource {
  readonly definition: AslDefinition;
  readonly jobs: readonly JobMetadata[];
}

/** Names of the step graph's end nodes (no state of a definition has them as its only name). */
export const STEP_ENDS = { finished: 'Pipeline finished', skipped: 'Skipped', failed: 'Run failed' } as const;

export function stepGraph({ definition, jobs }: StepGraphSource): StateGraph {
  const states = definition.States;
  const stateOf = (name: string): AslState => {
    const state = states[name];
    if (!state) throw new Error(`step graph: the definition has no state '${name}'`);
    return state;
  };
  const guardEnd = stateOf(RUN_START_STATE);
  const entries = [String(guardEnd.Next)];
  for (const job of jobs) entries.push(String(stateOf(job.states.fanOut ?? job.states.done).Next));

  const nodes: GraphNode[] = [{ name: OVERLAP_GUARD_STATE, type: 'Choice' }];
  const edges: GraphEdge[] = [
    { from: OVERLAP_GUARD_STATE, to: STEP_ENDS.skipped, label: 'another run in progress', kind: 'default' },
  ];
  let previous: { name: string; label: string } = { name: OVERLAP_GUARD_STATE, label: 'no other run' };
  jobs.forEach((job, i) => {
    const fanOut = job.states.fanOut ? stateOf(job.states.fanOut) : undefined;
    nodes.push({ name: job.key, type: fanOut ? 'Map' : 'Task', label: fanOut ? mapLabel(job.states.fanOut!, fanOut, states) : job.title });
    edges.push({ from: previous.name, to: job.key, label: previous.label, kind: 'next' });
    const region = statesBetween(states, entries[i], entries[i + 1]);
    if (region.some((state) => state.Type === 'Fail')) edges.push({ from: job.key, to: STEP_ENDS.failed, label: 'fails', kind: 'catch' });
    previous = { name: job.key, label: job.states.skipped || job.states.skippedExisting ? 'done or skipped' : '' };
  });
  edges.push({ from: previous.name, to: STEP_ENDS.finished, label: previous.label, kind: 'next' });
  nodes.push(
    { name: STEP_ENDS.finished, type: 'Succeed', label: 'Pipeline finished' },
    { name: STEP_ENDS.skipped, type: 'Succeed', label: 'Skipped' },
    { name: STEP_ENDS.failed, type: 'Fail', label: 'Run failed' },
  );
  if (!edges.some((e) => e.to === STEP_ENDS.failed)) nodes.pop();
  return { level: 'steps', start: OVERLAP_GUARD_STATE, nodes, edges };
}

/** "Load sources ×7", and how many run at once when that is fewer. */
function mapLabel(name: string, map: AslState, states: AslDefinition['States']): string {
  // The items are a Pass state's Result written where the Map reads them (ItemsPath).
  const list = Object.values(states).find((s) => s.Type === 'Pass' && s.ResultPath === map.ItemsPath && Array.isArray(s.Result));
  const count = list ? (list.Result as unknown[]).length : undefined;
  if (count === undefined) return `${name} (each item)`;
  const atOnce = typeof map.MaxConcurrency === 'number' && map.MaxConcurrency > 0 && map.MaxConcurrency < count ? `\n${map.MaxConcurrency} at a time` : '';
  return `${name} ×${count}${atOnce}`;
}

/** Every state reachable from `from` without entering `until`, including those inside Maps. */
function statesBetween(states: AslDefinition['States'], from: string, until: string): AslState[] {
  const seen = new Set<string>();
  const found: AslState[] = [];
  const visit = (all: AslDefinition['States'], start: string) => {
    const queue = [start];
    while (queue.length) {
      const name = queue.shift()!;
      if (name === until || seen.has(name) || !all[name]) continue;
      seen.add(name);
      const state = all[name];
      found.push(state);
      const nested = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
      if (nested) visit(nested.States, nested.StartAt);
      queue.push(...successors(state));
    }
  };
  visit(states, from);
  return found;
}

function successors(state: AslState): string[] {
  const next: unknown[] = [state.Next, state.Default];
  for (const rule of (state.Choices as Array<{ Next?: string }>) ?? []) next.push(rule.Next);
  for (const catcher of (state.Catch as Array<{ Next?: string }>) ?? []) next.push(catcher.Next);
  return next.filter((n): n is string => typeof n === 'string');
}
