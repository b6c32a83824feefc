/**
 * A local execution's history in the shape GetExecutionHistory returns (includeExecutionData:
 * true), so the deployed functions that read it (the execution cleanup, the run metrics) run
 * unchanged on a local run. aws-local-stepfunctions logs states, not task calls: the runner
 * records each Lambda task call itself (TaskCall) and this merges both by time, giving every
 * event an id and each task event the `previousEventId` chain Step Functions gives it
 * (TaskScheduled ← TaskStarted ← TaskSucceeded/TaskFailed).
 */
import type { HistoryEvent as AwsHistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { HistoryEvent } from './runner';

/** One Lambda task invocation as the runner saw it: its parameters and, if the history recorded it, its answer. */
export interface TaskCall {
  /** The task state's name. */
  readonly state: string;
  /** The resolved Parameters (`{FunctionName, Payload}`). */
  readonly parameters: unknown;
  readonly scheduledAt: number;
  /** Absent while unanswered, and for answers that came after the execution ended (Step Functions drops them). */
  answer?: { readonly at: number; readonly output: unknown } | { readonly at: number; readonly error: string; readonly cause: string };
}

const STATE_TYPES: Record<string, string> = { Task: 'Task', Map: 'Map', Pass: 'Pass', Choice: 'Choice', Wait: 'Wait', Parallel: 'Parallel', Succeed: 'Succeed', Fail: 'Fail' };

type Draft = { at: number; order: number; event: Omit<AwsHistoryEvent, 'id' | 'timestamp'> & { previous?: Draft } };

/** The events of one execution, oldest first, ids from 1. */
export function awsExecutionHistory(history: readonly HistoryEvent[], tasks: readonly TaskCall[], executionArn: string): AwsHistoryEvent[] {
  const drafts: Draft[] = [];
  let order = 0;
  const add = (at: number, event: Draft['event']): Draft => {
    const draft = { at, order: (order += 1), event };
    drafts.push(draft);
    return draft;
  };
  for (const e of history) {
    const converted = convert(e, executionArn);
    if (converted) add(e.timestamp, converted);
  }
  for (const task of tasks) {
    const scheduled = add(task.scheduledAt, {
      type: 'TaskScheduled',
      taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: regionOf(executionArn), parameters: JSON.stringify(task.parameters) },
    });
    const started = add(task.scheduledAt, { type: 'TaskStarted', previous: scheduled, taskStartedEventDetails: { resourceType: 'lambda', resource: 'invoke' } });
    const answer = task.answer;
    if (!answer) continue;
    add(
      answer.at,
      'output' in answer
        ? { type: 'TaskSucceeded', previous: started, taskSucceededEventDetails: { resourceType: 'lambda', resource: 'invoke', output: JSON.stringify(answer.output ?? null) } }
        : { type: 'TaskFailed', previous: started, taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: answer.error, cause: answer.cause } },
    );
  }
  // By time; at equal times in the order recorded (a task's events after its state's entry).
  drafts.sort((a, b) => a.at - b.at || a.order - b.order);
  const ids = new Map<Draft, number>(drafts.map((d, i) => [d, i + 1]));
  return drafts.map((draft) => {
    const { previous, ...event } = draft.event;
    return { ...event, id: ids.get(draft)!, ...(previous ? { previousEventId: ids.get(previous)! } : {}), timestamp: new Date(draft.at) } as AwsHistoryEvent;
  });
}

function convert(e: HistoryEvent, executionArn: string): Draft['event'] | undefined {
  const json = (value: unknown) => JSON.stringify(value ?? null);
  switch (e.type) {
    case 'ExecutionStarted':
      return { type: 'ExecutionStarted', executionStartedEventDetails: { input: json(e.input), roleArn: `arn:aws:iam::${accountOf(executionArn)}:role/local` } };
    case 'ExecutionSucceeded':
      return { type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: json(e.output) } };
    case 'ExecutionFailed':
      return { type: 'ExecutionFailed', executionFailedEventDetails: { error: String(e.Error ?? ''), cause: typeof e.Cause === 'string' ? e.Cause : json(e.Cause) } };
    case 'ExecutionAborted':
      return { type: 'ExecutionAborted', executionAbortedEventDetails: {} };
    case 'ExecutionTimeout':
      return { type: 'ExecutionTimedOut', executionTimedOutEventDetails: {} };
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return { type: e.type as HistoryEventType, [`m${e.type.slice(1)}EventDetails`]: { name: (e.parentState as { name?: string } | undefined)?.name, index: e.index } };
    case 'StateEntered': {
      const kind = STATE_TYPES[e.state?.type ?? ''] ?? 'Task';
      return { type: `${kind}StateEntered` as HistoryEventType, stateEnteredEventDetails: { name: e.state!.name, input: json(e.state!.input) } };
    }
    case 'StateExited': {
      const kind = STATE_TYPES[e.state?.type ?? ''] ?? 'Task';
      // Fail and Succeed states have no Exited event type of their own on AWS beyond these.
      if (kind === 'Fail') return undefined;
      return { type: `${kind}StateExited` as HistoryEventType, stateExitedEventDetails: { name: e.state!.name, output: json(e.state!.output) } };
    }
    default:
      // Retries, catches and state failures: AWS records them as task and execution events.
      return undefined;
  }
}

const accountOf = (arn: string): string => arn.split(':')[4] ?? '123456789012';
const regionOf = (arn: string): string => arn.split(':')[3] ?? 'us-east-1';
