/**
 * What the deployed EventBridge rules run when an execution ends, run locally with the deployed
 * code: the execution cleanup (lambdas/cleanup/stop-unfinished-jobs.ts: stop unfinished jobs and
 * jobs whose submit was in flight, release tenant job slots) after an early end, and the run
 * metrics (lambdas/metrics/publish-run-metrics.ts) after a success. Their AWS clients are local:
 * GetExecutionHistory answers the run's own history (./execution-history.ts), ListExecutions this
 * process's running executions, Invoke calls the handler in-process, DynamoDB is the session's
 * dynalite and PutMetricData keeps the data in the run report.
 */
import type { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { InvokeCommand, type InvokeCommandOutput } from '@aws-sdk/client-lambda';
import { GetExecutionHistoryCommand, ListExecutionsCommand, type HistoryEvent as AwsHistoryEvent } from '@aws-sdk/client-sfn';
import { createHandler as createCleaner } from '../../lambdas/cleanup/stop-unfinished-jobs';
import { inFlightSubmits, type InFlightJob } from '../../lambdas/cleanup/in-flight-jobs';
import { unfinishedJobs } from '../../lambdas/cleanup/unfinished-jobs';
import { RETRYABLE_ERRORS } from '../../lambdas/shared/errors';
import { createHandler as createRunMetrics } from '../../lambdas/metrics/publish-run-metrics';
import type { FunctionInvoker, MetricPublisher, StepFunctionsReader } from '../../lambdas/shared/clients';
import { localDynamoDbClient } from './dynamodb';
import type { TaskCall } from './execution-history';
import type { CleanupReport, ExecutionRegistry, ExecutionStatus, HistoryEvent, MetricDatum } from './runner';
import type { SynthesizedPipeline } from './synthesized';

/** Invokes a function of the template in-process; a failure throws an Error named by its errorType, its message the `{errorType, errorMessage}` JSON. */
export type InProcessInvoke = (functionArn: string, payload: unknown) => Promise<unknown>;

export interface EndedExecution {
  readonly pipeline: SynthesizedPipeline;
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  /** The run's history as GetExecutionHistory answers it. */
  readonly history: () => AwsHistoryEvent[];
  readonly registry: ExecutionRegistry;
  readonly invoke: InProcessInvoke;
  readonly dynamoDbEndpoint?: string;
}

/** The deployed cleaner's report, plus which stopped jobs had their submit in flight (the run report names them). */
export type LocalCleanup = CleanupReport & { readonly stoppedInFlight: InFlightJob[] };

/** Run the deployed execution cleanup on an execution that ended early. */
export async function cleanUpEarlyEnd(run: EndedExecution): Promise<LocalCleanup> {
  const slots = run.pipeline.slotPool;
  const slotReport = (released: string[], failed: Array<{ holder: string; error: string }>) => (slots ? { releasedSlots: released, slotsNotReleased: failed } : {});
  const missingTable = slots && !run.dynamoDbEndpoint;
  const cleaner = createCleaner(
    {
      sfn: localStepFunctions(run.history, run.registry),
      lambda: localLambda(run.invoke),
      ...(slots && run.dynamoDbEndpoint ? { dynamodb: localDynamoDbClient(run.dynamoDbEndpoint, { sdkRetries: true }) } : {}),
    },
    slots && !missingTable ? { JOB_SLOTS_TABLE: slots.tableName, JOB_SLOT_POOLS: slots.pool } : {},
    // The deployed retries, without their seconds of waiting (as retryMs shortens the state machine's).
    { delayMs: 10 },
  );
  try {
    const result = await cleaner(statusChange(run));
    const notReleased = missingTable ? [{ holder: `${slots.pool}/${run.executionArn}#*`, error: 'no DynamoDB endpoint' }] : [];
    return { stopped: result.stopped, failed: result.failed, stoppedInFlight: result.stoppedInFlight ?? [], ...slotReport(result.releasedSlots ?? [], notReleased) };
  } catch (error) {
    // The cleaner throws when a slot could not be released (EventBridge would deliver again).
    const reason = `${(error as Error).name}: ${(error as Error).message}`;
    return { stopped: [], failed: [{ jobId: '?', error: reason }], stoppedInFlight: [], ...slotReport([], slots ? [{ holder: `${slots.pool}/${run.executionArn}#*`, error: reason }] : []) };
  }
}

/**
 * The remote jobs a run may have left running so far, for a person to stop by hand when the
 * cleanup cannot finish (a second Ctrl-C): each job the history saw running whose stop was not
 * acknowledged, and each submit still without a usable answer (its job's id is not known).
 */
export function jobsThatMayRun(history: readonly HistoryEvent[], tasks: readonly TaskCall[], stopped: ReadonlySet<string>): string[] {
  const states = history.flatMap((e) => (e.type === 'StateEntered' ? [e.state?.input] : e.type === 'StateExited' ? [e.state?.output] : []));
  const running = unfinishedJobs(states)
    .map((job) => job.jobId)
    .filter((id) => !stopped.has(id));
  const transient = RETRYABLE_ERRORS.transient as readonly string[];
  const unanswered = tasks.filter((task) => !task.answer || ('error' in task.answer && transient.includes(task.answer.error))).map((task) => task.parameters);
  const submits = inFlightSubmits(unanswered).map(({ cleanup, item }) => `${cleanup.JobKey}${item !== undefined ? ` [${String(item)}]` : ''}: submitted, job id not known yet`);
  return [...running, ...submits];
}

/** Run the deployed run-metrics function on a successful execution; the data it put. */
export async function publishRunMetrics(run: EndedExecution): Promise<MetricDatum[]> {
  const metrics: MetricDatum[] = [];
  await createRunMetrics({ sfn: localStepFunctions(run.history, run.registry), cloudwatch: localCloudWatch(metrics) })(statusChange(run));
  return metrics;
}

function statusChange(run: EndedExecution) {
  return {
    version: '0',
    id: `local-${run.executionArn.split(':').pop()}`,
    'detail-type': 'Step Functions Execution Status Change' as const,
    source: 'aws.states',
    account: run.executionArn.split(':')[4] ?? '',
    time: new Date().toISOString(),
    region: run.executionArn.split(':')[3] ?? '',
    resources: [run.executionArn],
    detail: {
      executionArn: run.executionArn,
      stateMachineArn: run.pipeline.stateMachineArn,
      status: run.status,
      ...(run.output !== undefined ? { output: JSON.stringify(run.output) } : {}),
    },
  };
}

/** GetExecutionHistory (paged like AWS, by `maxResults` and `nextToken`) and ListExecutions(RUNNING). */
export function localStepFunctions(history: () => AwsHistoryEvent[], registry: ExecutionRegistry): StepFunctionsReader {
  const send = async (command: GetExecutionHistoryCommand | ListExecutionsCommand): Promise<never> => {
    if (command instanceof GetExecutionHistoryCommand) {
      const { maxResults = 1000, nextToken, includeExecutionData = true } = command.input;
      const from = nextToken ? Number(nextToken) : 0;
      const all = history();
      const page = all.slice(from, from + maxResults).map((event) => (includeExecutionData ? event : withoutData(event)));
      return { events: page, ...(from + maxResults < all.length ? { nextToken: String(from + maxResults) } : {}) } as never;
    }
    if (command instanceof ListExecutionsCommand) {
      const { stateMachineArn, statusFilter, maxResults = 100 } = command.input;
      if (statusFilter !== 'RUNNING' || !stateMachineArn) throw new Error('the local ListExecutions answers only statusFilter RUNNING of one state machine');
      const executions = registry.list(stateMachineArn, maxResults).map((e) => ({
        executionArn: e.ExecutionArn,
        stateMachineArn: e.StateMachineArn,
        name: e.ExecutionArn.split(':').pop()!,
        status: 'RUNNING' as const,
        startDate: new Date(e.StartDate),
      }));
      return { executions } as never;
    }
    throw new Error(`no local answer for ${(command as object).constructor.name}`);
  };
  return { send } as StepFunctionsReader;
}

/** Invoke (RequestResponse) in-process; a handler's error is answered as Lambda does: FunctionError and the error JSON. */
export function localLambda(invoke: InProcessInvoke): FunctionInvoker {
  return {
    send: async (command: InvokeCommand): Promise<InvokeCommandOutput> => {
      const { FunctionName, Payload } = command.input;
      const payload = Payload ? JSON.parse(typeof Payload === 'string' ? Payload : new TextDecoder().decode(Payload as Uint8Array)) : {};
      try {
        const result = await invoke(String(FunctionName), payload);
        return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(result ?? null)), $metadata: {} } as InvokeCommandOutput;
      } catch (error) {
        return { StatusCode: 200, FunctionError: 'Unhandled', Payload: new TextEncoder().encode((error as Error).message), $metadata: {} } as InvokeCommandOutput;
      }
    },
  };
}

/** PutMetricData into `into`. */
function localCloudWatch(into: MetricDatum[]): MetricPublisher {
  return {
    send: async (command: PutMetricDataCommand) => {
      const { Namespace, MetricData } = command.input;
      for (const datum of MetricData ?? []) {
        into.push({
          namespace: String(Namespace),
          name: String(datum.MetricName),
          dimensions: Object.fromEntries((datum.Dimensions ?? []).map((d) => [String(d.Name), String(d.Value)])),
          value: Number(datum.Value),
        });
      }
      return { $metadata: {} };
    },
  };
}

function withoutData(event: AwsHistoryEvent): AwsHistoryEvent {
  const { stateEnteredEventDetails, stateExitedEventDetails, ...rest } = event;
  return {
    ...rest,
    ...(stateEnteredEventDetails ? { stateEnteredEventDetails: { name: stateEnteredEventDetails.name } } : {}),
    ...(stateExitedEventDetails ? { stateExitedEventDetails: { name: stateExitedEventDetails.name } } : {}),
  };
}
