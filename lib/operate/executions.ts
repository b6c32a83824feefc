/**
 * Executions of deployed pipelines: find the state machine, list recent runs with where they
 * failed, start one, and read an execution's history in the local runner's event shape so
 * `continuum history --execution` renders it like a local run.
 */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  type ExecutionStatus,
  type HistoryEvent as AwsHistoryEvent,
} from '@aws-sdk/client-sfn';
import { randomBytes } from 'node:crypto';
import type { HistoryEvent } from '../local/runner';
import type { AwsClients } from './aws';
import { OperateError, stepOfState, type DeployedPipeline } from './deployed';

/** ListStateMachines pages of 1,000: a few calls in the largest account. */
export async function stateMachineArn(aws: AwsClients, pipeline: DeployedPipeline): Promise<string> {
  let nextToken: string | undefined;
  do {
    const page = await aws.sfn.send(new ListStateMachinesCommand({ maxResults: 1000, nextToken }));
    const found = page.stateMachines?.find((m) => m.name === pipeline.stateMachineName);
    if (found?.stateMachineArn) return found.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken);
  throw new OperateError(`state machine '${pipeline.stateMachineName}' of pipeline '${pipeline.config.name}' is not deployed in this account and region (run 'cdk deploy', or check --region/--profile)`, 1);
}

export interface ExecutionSummary {
  readonly executionArn: string;
  readonly name: string;
  readonly status: ExecutionStatus | string;
  readonly startDate: string;
  readonly stopDate?: string;
  readonly durationSeconds?: number;
  /** For a run that did not succeed: the step it ended in, and its error. */
  readonly failedStep?: string;
  readonly error?: string;
  readonly cause?: string;
}

export async function recentExecutions(aws: AwsClients, pipeline: DeployedPipeline, arn: string, count = 5): Promise<ExecutionSummary[]> {
  const page = await aws.sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, maxResults: count }));
  return Promise.all(
    (page.executions ?? []).map(async (e): Promise<ExecutionSummary> => {
      const summary: ExecutionSummary = {
        executionArn: e.executionArn!,
        name: e.name!,
        status: e.status!,
        startDate: e.startDate!.toISOString(),
        ...(e.stopDate ? { stopDate: e.stopDate.toISOString(), durationSeconds: Math.round((e.stopDate.getTime() - e.startDate!.getTime()) / 1000) } : {}),
      };
      return e.status === 'SUCCEEDED' || e.status === 'RUNNING' ? summary : { ...summary, ...(await failureOf(aws, pipeline, e.executionArn!)) };
    }),
  );
}

/** The last events (newest first) say how a run ended and in which state. */
export async function failureOf(aws: AwsClients, pipeline: DeployedPipeline, executionArn: string): Promise<Pick<ExecutionSummary, 'failedStep' | 'error' | 'cause'>> {
  const page = await aws.sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100 }));
  // Newest first by id whatever the server's order (moto ignores reverseOrder).
  const events = [...(page.events ?? [])].sort((a, b) => (b.id ?? 0) - (a.id ?? 0));
  const end = events.find((e) => e.executionFailedEventDetails || e.executionTimedOutEventDetails || e.executionAbortedEventDetails);
  const details = end?.executionFailedEventDetails ?? end?.executionTimedOutEventDetails ?? end?.executionAbortedEventDetails;
  const failedStep = events.map((e) => e.stateEnteredEventDetails?.name).find((name) => name && stepOfState(pipeline.jobs, name));
  return {
    ...(failedStep ? { failedStep: stepOfState(pipeline.jobs, failedStep) } : {}),
    ...(details?.error ? { error: details.error } : {}),
    ...(details?.cause ? { cause: details.cause } : {}),
  };
}

export async function runningExecution(aws: AwsClients, arn: string): Promise<string | undefined> {
  const page = await aws.sfn.send(new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING', maxResults: 1 }));
  return page.executions?.[0]?.executionArn;
}

/**
 * A name that says who started the run and when (`manual-20261201T134502Z-3f9a1c`): Step
 * Functions would otherwise pick a UUID, and some API servers (moto) require one.
 */
export function executionName(kind: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${kind}-${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function startExecution(aws: AwsClients, arn: string, input: Record<string, unknown>, name?: string): Promise<string> {
  const started = await aws.sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify(input), ...(name ? { name } : {}) }));
  return started.executionArn!;
}

export async function describeExecution(aws: AwsClients, executionArn: string) {
  try {
    return await aws.sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if ((error as Error).name === 'ExecutionDoesNotExist') throw new OperateError(`no execution ${executionArn}`, 1);
    throw error;
  }
}

/** Every event of an execution, oldest first (pages of 1,000). */
export async function executionHistory(aws: AwsClients, executionArn: string): Promise<AwsHistoryEvent[]> {
  const events: AwsHistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

const STATE_EVENT = /^(Task|Choice|Wait|Pass|Succeed|Fail|Map|Parallel)State(Entered|Exited)$/;
const TASK_FAILURE = /^(Task|LambdaFunction)(Failed|TimedOut|StartFailed|ScheduleFailed|SubmitFailed)$/;

/**
 * GetExecutionHistory's events as the local runner records them (StateEntered/Exited/Failed/
 * Retried/Caught with the state's name, type and data, Map iterations by index). AWS has no retry
 * or catch event: a failed task followed by another attempt of it is a retry, followed by another
 * state a catch.
 */
export function toLocalHistory(events: readonly AwsHistoryEvent[]): HistoryEvent[] {
  const byId = new Map(events.map((e) => [e.id!, e]));
  const indexMemo = new Map<number, number | undefined>();
  const indexOf = (e: AwsHistoryEvent | undefined): number | undefined => {
    if (!e) return undefined;
    if (indexMemo.has(e.id!)) return indexMemo.get(e.id!);
    const own = e.mapIterationStartedEventDetails?.index ?? e.mapIterationSucceededEventDetails?.index ?? e.mapIterationFailedEventDetails?.index ?? e.mapIterationAbortedEventDetails?.index;
    const previous = byId.get(e.previousEventId ?? 0);
    const inherited = previous && /^MapIteration(Succeeded|Failed|Aborted)$/.test(previous.type ?? '') ? undefined : indexOf(previous);
    const index = own ?? inherited;
    indexMemo.set(e.id!, index);
    return index;
  };
  const out: HistoryEvent[] = [];
  const failed = new Map<string, { name: string; type: string }>(); // per branch: a task that failed, awaiting retry or catch
  const open = new Map<string, { name: string; type: string }>();
  for (const e of events) {
    const timestamp = new Date(e.timestamp!).getTime();
    const index = indexOf(e);
    const branch = String(index ?? '');
    const at = index !== undefined ? { index } : {};
    const state = STATE_EVENT.exec(e.type ?? '');
    if (state) {
      const name = (e.stateEnteredEventDetails ?? e.stateExitedEventDetails)!.name!;
      const type = state[1];
      if (state[2] === 'Entered') {
        const pending = failed.get(branch);
        if (pending) out.push({ type: 'StateCaught', timestamp, state: pending, ...at });
        failed.delete(branch);
        open.set(branch, { name, type });
        out.push({ type: 'StateEntered', timestamp, state: { name, type, input: json(e.stateEnteredEventDetails?.input) }, ...at });
      } else {
        out.push({ type: 'StateExited', timestamp, state: { name, type, output: json(e.stateExitedEventDetails?.output) }, ...at });
      }
      continue;
    }
    if (TASK_FAILURE.test(e.type ?? '')) {
      const current = open.get(branch);
      const details = (e.taskFailedEventDetails ?? e.lambdaFunctionFailedEventDetails ?? e.taskTimedOutEventDetails ?? e.lambdaFunctionTimedOutEventDetails) as { error?: string; cause?: string } | undefined;
      if (current) {
        out.push({ type: 'StateFailed', timestamp, state: current, Error: details?.error ?? e.type, Cause: details?.cause ?? '', ...at });
        failed.set(branch, current);
      }
      continue;
    }
    if ((e.type === 'TaskScheduled' || e.type === 'LambdaFunctionScheduled') && failed.has(branch)) {
      out.push({ type: 'StateRetried', timestamp, state: failed.get(branch)!, ...at });
      failed.delete(branch);
      continue;
    }
    if (e.type?.startsWith('Execution')) {
      const details = e.executionFailedEventDetails ?? e.executionTimedOutEventDetails ?? e.executionAbortedEventDetails;
      out.push({
        type: e.type,
        timestamp,
        ...(e.executionStartedEventDetails ? { input: json(e.executionStartedEventDetails.input) } : {}),
        ...(details ? { Error: details.error, Cause: details.cause } : {}),
      });
    }
  }
  return out;
}

function json(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
