/**
 * The worst-case number of execution history events of a state machine, computed on its ASL.
 *
 * A Standard execution fails once its history reaches 25,000 events. Each state costs what
 * Step Functions records for it: a Task 5 (Entered, Scheduled, Started, Succeeded or Failed,
 * Exited; a Lambda task's LambdaFunction* events likewise), each retry of it 3 more (Scheduled,
 * Started, Failed), Pass, Wait, Choice and Succeed 2 (Entered, Exited), Fail 1, a Map 4 (Entered,
 * Started, Succeeded, Exited) plus 2 per item (IterationStarted, IterationSucceeded) and each
 * item's own states; the execution itself 2 (Started, and Succeeded or Failed).
 *
 * The worst case is the costliest path from StartAt to an end with every Task's retries used up
 * once, plus each loop (the poll loop, a slot wait, ...) run as often as its bound allows: a
 * loop's cost per cycle is read from the graph (the costliest cycle through its Wait state), and
 * only its bound comes from the config. It is an upper bound: no run takes every branch's worst.
 */

/** Step Functions fails a Standard execution whose history reaches this many events. */
export const HISTORY_EVENT_LIMIT = 25_000;
/** What a config may reach at worst: the limit with a fifth of headroom. */
export const HISTORY_EVENT_BUDGET = 20_000;

/** What a bound stands for, to say what to change when it is too much. */
export interface BoundCause {
  /** The config field to change, e.g. `pipelines[2].polling.initialIntervalSeconds`. */
  readonly field: string;
  /** What one iteration is, plural: "status checks of record clusters". */
  readonly what: string;
  /** What to do about it: "raise it, or lower polling.timeoutMinutes". */
  readonly advice: string;
}

/** A loop entered through `wait` (a Wait state), run at most `iterations` times per pass. */
export interface LoopBound extends BoundCause {
  readonly wait: string;
  readonly iterations: number;
}

/** A Map state and how many items it runs. */
export interface FanOutBound extends BoundCause {
  readonly map: string;
  readonly items: number;
}

export interface HistoryBounds {
  readonly loops: readonly LoopBound[];
  readonly fanOuts: readonly FanOutBound[];
  /** Named for the retries of every task (`pipelines[i].retry`). */
  readonly retries: BoundCause;
  /** Named for the states run once (`pipelines[i].steps`). */
  readonly steps: BoundCause;
}

/** One share of the worst case, with the bound it comes from. */
export interface HistoryPart {
  readonly cause: BoundCause;
  readonly events: number;
  /** "2,160 × 11 events", for the message. */
  readonly detail: string;
}

export interface HistoryEstimate {
  readonly total: number;
  /** Largest first. */
  readonly parts: readonly HistoryPart[];
}

type Json = Record<string, unknown>;
interface Graph {
  readonly StartAt: string;
  readonly States: Record<string, Json>;
}

/** Events a state records once it is entered, without retries (see the module comment). */
export function stateEvents(state: Json): number {
  switch (state.Type) {
    case 'Task':
      return 5;
    case 'Fail':
      return 1;
    case 'Map':
    case 'Parallel':
      return 4;
    default:
      return 2;
  }
}

/** Events of a Task's retries when every Retry rule uses up its attempts (MaxAttempts defaults to 3). */
export function retryEvents(state: Json): number {
  const retriers = (state.Retry ?? []) as Array<{ MaxAttempts?: number }>;
  return 3 * retriers.reduce((sum, r) => sum + (r.MaxAttempts ?? 3), 0);
}

/** Where a state may go next (its Next, Choice targets, Default and Catch targets). */
export function successors(state: Json): string[] {
  const next: string[] = [];
  if (typeof state.Next === 'string') next.push(state.Next);
  for (const choice of (state.Choices ?? []) as Array<{ Next: string }>) next.push(choice.Next);
  if (typeof state.Default === 'string') next.push(state.Default);
  for (const catcher of (state.Catch ?? []) as Array<{ Next: string }>) next.push(catcher.Next);
  return [...new Set(next)];
}

/**
 * Where a state goes on an answer: successors without the catch-alls (`States.ALL`). A loop's
 * cycle follows answers (a named error such as a failed condition is one); an unexpected error
 * is a failure, counted with the retries, not once per cycle.
 */
function answerSuccessors(state: Json): string[] {
  const next: string[] = [];
  if (typeof state.Next === 'string') next.push(state.Next);
  for (const choice of (state.Choices ?? []) as Array<{ Next: string }>) next.push(choice.Next);
  if (typeof state.Default === 'string') next.push(state.Default);
  for (const catcher of (state.Catch ?? []) as Array<{ ErrorEquals: string[]; Next: string }>) if (!catcher.ErrorEquals.includes('States.ALL')) next.push(catcher.Next);
  return [...new Set(next)];
}

/** The events of the costliest cycle that leaves `wait` and comes back to it on answers (states without retries). */
export function cycleEvents(graph: Graph, wait: string): number {
  // Only states that can lead back to the Wait can be on its cycles: the rest is not explored.
  const leadsBack = new Set<string>([wait]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [name, state] of Object.entries(graph.States)) {
      if (!leadsBack.has(name) && answerSuccessors(state).some((next) => leadsBack.has(next))) {
        leadsBack.add(name);
        grew = true;
      }
    }
  }
  let best = 0;
  const visit = (name: string, onPath: Set<string>, cost: number) => {
    for (const next of answerSuccessors(graph.States[name])) {
      if (next === wait) best = Math.max(best, cost);
      else if (leadsBack.has(next) && !onPath.has(next)) {
        onPath.add(next);
        visit(next, onPath, cost + stateEvents(graph.States[next]));
        onPath.delete(next);
      }
    }
  };
  visit(wait, new Set([wait]), stateEvents(graph.States[wait]));
  if (best === 0) throw new Error(`no cycle through Wait state '${wait}'`);
  return best;
}

export function estimateHistory(definition: Graph, bounds: HistoryBounds): HistoryEstimate {
  // By field: the status checks of several jobs are all set by the pipeline's polling.
  const parts = new Map<string, { cause: BoundCause; events: number; details: string[] }>();
  const add = (cause: BoundCause, events: number, detail: string) => {
    const part = parts.get(cause.field) ?? { cause, events: 0, details: [] };
    part.events += events;
    if (!part.details.includes(detail)) part.details.push(detail);
    parts.set(cause.field, part);
  };
  const loops = new Map(bounds.loops.map((loop) => [loop.wait, loop]));
  const fanOuts = new Map(bounds.fanOuts.map((fanOut) => [fanOut.map, fanOut]));

  /** Adds the worst case of one graph, run `times` times (once per item of the Maps around it). */
  const walk = (graph: Graph, times: number) => {
    const path = costliestPath(graph);
    add(bounds.steps, times * path.events, `${path.states} states`);
    add(bounds.retries, times * path.retries, 'every retry used up');
    for (const [name, state] of Object.entries(graph.States)) {
      const loop = loops.get(name);
      if (loop) {
        const cycle = cycleEvents(graph, name);
        add(loop, times * loop.iterations * cycle, `${fmt(times * loop.iterations)} ${loop.what} × ${cycle} events`);
      } else if (state.Type === 'Wait' && isOnCycle(graph, name)) {
        throw new Error(`Wait state '${name}' is on a loop without a bound`);
      }
      if (state.Type === 'Map') {
        const fanOut = fanOuts.get(name);
        if (!fanOut) throw new Error(`Map state '${name}' has no item count`);
        add(fanOut, times * fanOut.items * 2, `${fmt(fanOut.items)} ${fanOut.what}`);
        walk((state.ItemProcessor ?? state.Iterator) as Graph, times * fanOut.items);
      }
      for (const branch of (state.Branches ?? []) as Graph[]) walk(branch, times);
    }
  };
  walk(definition, 1);
  add(bounds.steps, 2, 'the execution');

  const list = [...parts.values()].map(({ cause, events, details }) => ({ cause, events, detail: details.join(', ') })).sort((a, b) => b.events - a.events);
  return { total: list.reduce((sum, p) => sum + p.events, 0), parts: list };
}

/**
 * The costliest way from StartAt to an end, loops cut (an edge back to a state on the way is
 * left out): its events, the retries of its Tasks and how many states it enters.
 */
function costliestPath(graph: Graph): { events: number; retries: number; states: number } {
  // Depth-first order marks the edges that close a loop; without them the graph is acyclic.
  const back = new Set<string>();
  const state = new Map<string, 'open' | 'done'>();
  const order = (name: string) => {
    state.set(name, 'open');
    for (const next of successors(graph.States[name])) {
      if (state.get(next) === 'open') back.add(`${name}>${next}`);
      else if (!state.has(next)) order(next);
    }
    state.set(name, 'done');
  };
  order(graph.StartAt);

  type Cost = { events: number; retries: number; states: number };
  const memo = new Map<string, Cost>();
  const cost = (name: string): Cost => {
    const known = memo.get(name);
    if (known) return known;
    const json = graph.States[name];
    let worst: Cost = { events: 0, retries: 0, states: 0 };
    for (const next of successors(json)) {
      if (back.has(`${name}>${next}`)) continue;
      const after = cost(next);
      if (after.events + after.retries > worst.events + worst.retries) worst = after;
    }
    // A Map's or Parallel's inner states are added by the caller (per item or branch).
    const own = { events: stateEvents(json) + worst.events, retries: retryEvents(json) + worst.retries, states: 1 + worst.states };
    memo.set(name, own);
    return own;
  };
  return cost(graph.StartAt);
}

function isOnCycle(graph: Graph, start: string): boolean {
  const seen = new Set<string>();
  const queue = successors(graph.States[start]);
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (name === start) return true;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...successors(graph.States[name]));
  }
  return false;
}

/** 31200 → "31,200". */
export const fmt = (n: number): string => n.toLocaleString('en-US');

/** The config problem for an estimate over the budget, naming its largest share's field; undefined when within it. */
export function historyProblem(estimate: HistoryEstimate): { path: string; reason: string } | undefined {
  if (estimate.total <= HISTORY_EVENT_BUDGET) return undefined;
  const [largest] = estimate.parts;
  return {
    path: largest.cause.field,
    reason:
      `worst case ${fmt(estimate.total)} history events per run (Step Functions fails a run at ${fmt(HISTORY_EVENT_LIMIT)}; keep it under ${fmt(HISTORY_EVENT_BUDGET)}): ` +
      `${fmt(largest.events)} of them from ${largest.detail}; ${largest.cause.advice}`,
  };
}
