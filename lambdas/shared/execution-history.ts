/**
 * An ended execution's history as the Continuum functions read it: the EventBridge event that
 * names the execution, and every state's input or output, in order, with its time. Shared by the
 * execution cleanup (which jobs are still running) and the run metrics (how long jobs ran).
 */
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import type { ExecutionHistoryReader } from './clients';
import type { TimedState } from '../metrics/job-durations';
import { RETRYABLE_ERRORS } from './errors';

/** The `detail` of a "Step Functions Execution Status Change" event. */
export interface ExecutionStatusChange {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly status: string;
  /** The execution's output (JSON text) when it is small enough to be in the event. */
  readonly output?: string | null;
}

/** History pages read at most (1000 events each): a run polling for a week stays well below. */
const MAX_PAGES = 50;

/** Every history event's time and state data (undefined for events without any), in order. */
export async function readExecutionStates(sfn: ExecutionHistoryReader, executionArn: string): Promise<TimedState[]> {
  return (await readExecutionHistory(sfn, executionArn)).states;
}

/**
 * The states, and what the execution cleanup also needs: the parameters (`{FunctionName,
 * Payload}`) of every Lambda task the history scheduled that got no usable answer (none at all,
 * or a TransientApiError: the call may have acted), and when the execution started.
 */
export async function readExecutionHistory(sfn: ExecutionHistoryReader, executionArn: string): Promise<{ states: TimedState[]; scheduled: unknown[]; startedAt?: string }> {
  const states: TimedState[] = [];
  const scheduled = new Map<number, unknown>();
  // TaskStarted → its TaskScheduled; an answer (TaskSucceeded, or a failure other than a lost answer) settles it.
  const startedFrom = new Map<number, number>();
  let startedAt: string | undefined;
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: true, maxResults: 1000, nextToken }));
    for (const event of page.events ?? []) {
      states.push({ timestamp: new Date(event.timestamp ?? 0).getTime(), data: stateDataOf(event) });
      if (event.type === 'ExecutionStarted' && event.timestamp) startedAt = new Date(event.timestamp).toISOString();
      const parameters = event.taskScheduledEventDetails?.parameters;
      if (parameters && event.id !== undefined) scheduled.set(event.id, parseJson(parameters));
      if (event.type === 'TaskStarted' && event.id !== undefined && event.previousEventId !== undefined) startedFrom.set(event.id, event.previousEventId);
      const answered = event.type === 'TaskSucceeded' || (event.type === 'TaskFailed' && !RETRYABLE_ERRORS.transient.includes(event.taskFailedEventDetails?.error as never));
      if (answered && event.previousEventId !== undefined) scheduled.delete(startedFrom.get(event.previousEventId) ?? -1);
    }
    nextToken = page.nextToken;
    pages += 1;
  } while (nextToken && pages < MAX_PAGES);
  return { states, scheduled: [...scheduled.values()], startedAt };
}

/** The state data of one GetExecutionHistory event (AWS shape), or undefined. */
export function stateDataOf(event: {
  stateEnteredEventDetails?: { input?: string };
  stateExitedEventDetails?: { output?: string };
}): unknown {
  const text = event.stateEnteredEventDetails?.input ?? event.stateExitedEventDetails?.output;
  return text ? parseJson(text) : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
