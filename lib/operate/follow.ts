/**
 * A deployed execution as the local tools show a run: `start --follow` and `rerun --follow` feed
 * the local progress view from DescribeExecution + GetExecutionHistory polling, and
 * `history --execution` renders the same table as a local run's history.
 */
import { stateRoles, type JobMetadata } from '../contract/state-roles';
import type { LastRun } from '../local/history';
import type { HistoryEvent } from '../local/runner';
import type { AwsClients } from './aws';
import type { DeployedPipeline } from './deployed';
import { describeExecution, executionHistory, toLocalHistory } from './executions';

export type ExecutionOutcome = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';

export interface FollowOptions {
  /** The pipeline's jobs: each event of a job's state carries its role (done, skipped…), as in a local run. */
  readonly jobs?: readonly JobMetadata[];
  /** Called once per history event, in order, as they appear. */
  readonly onEvent: (event: HistoryEvent) => void;
  /** Between two polls. @default 5000 */
  readonly intervalMs?: number;
  /** How to wait between polls (tests pass one that returns at once). @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Polls until the execution is no longer RUNNING; answers how it ended. Each poll re-reads the
 * whole history: toLocalHistory's output for a prefix of the events is a prefix of its output for
 * all of them, so only the events past those already shown are passed on.
 */
export async function followExecution(aws: AwsClients, executionArn: string, options: FollowOptions): Promise<ExecutionOutcome> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const roles = stateRoles(options.jobs);
  let shown = 0;
  for (;;) {
    // Status first: a history read after it holds every event up to that status.
    const { status } = await describeExecution(aws, executionArn);
    const events = toLocalHistory(await executionHistory(aws, executionArn));
    for (const event of events.slice(shown)) {
      const role = event.state ? roles.get(event.state.name) : undefined;
      options.onEvent(role ? { ...event, role } : event);
    }
    shown = Math.max(shown, events.length);
    if (status !== 'RUNNING') return status as ExecutionOutcome;
    await sleep(options.intervalMs ?? 5000);
  }
}

/** A deployed execution in the shape of the local run record, for the history table and `--output json`. */
export async function deployedRun(aws: AwsClients, pipeline: DeployedPipeline, executionArn: string): Promise<LastRun> {
  const execution = await describeExecution(aws, executionArn);
  const history = toLocalHistory(await executionHistory(aws, executionArn));
  return {
    version: 1,
    pipeline: pipeline.config.name,
    executionArn,
    // RUNNING too: a deployed execution may still be going (the table shows its states so far).
    status: execution.status as LastRun['status'],
    skipped: execution.status === 'SUCCEEDED' && (parseInput(execution.output) as { skipped?: unknown }).skipped === true,
    ...(execution.error ? { error: execution.error } : {}),
    ...(execution.cause ? { cause: execution.cause } : {}),
    input: parseInput(execution.input),
    steps: [],
    // AWS bills and counts every state entered; the local runner counts the same.
    stateTransitions: history.filter((e) => e.type === 'StateEntered').length,
    history,
    jobs: pipeline.jobs.map(({ key, title, states }) => ({ key, title, states })),
  };
}

/** An execution's input as an object (an input that is not a JSON object is kept under `input`). */
export function parseInput(text: string | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : { input: value };
  } catch {
    return { input: text };
  }
}
