/**
 * Target of the "execution succeeded" EventBridge rule: publishes how long each step's jobs ran
 * (Continuum/JobDurationSeconds, dimensions Pipeline and Step), read from the execution's history,
 * for the dashboard. One invocation per run, none per poll.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import { readExecutionStates, type ExecutionStatusChange } from '../shared/execution-history';
import type { ExecutionHistoryReader, MetricPublisher } from '../shared/clients';
import { Logger } from '../shared/logger';
import { CONTINUUM_METRICS, jobDurations } from './job-durations';

/** What the function calls; each defaults to the SDK client (the local runner passes its own). */
export interface RunMetricsClients {
  readonly sfn?: ExecutionHistoryReader;
  readonly cloudwatch?: MetricPublisher;
}

export function createHandler(clients: RunMetricsClients = {}) {
  const sfn: ExecutionHistoryReader = clients.sfn ?? new SFNClient({});
  const cloudwatch: MetricPublisher = clients.cloudwatch ?? new CloudWatchClient({});
  const logger = new Logger({ handler: 'metrics/publish-run-metrics' });

  return async (event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>): Promise<Record<string, number>> => {
    const { executionArn } = event.detail;
    const output = parse(event.detail.output) as { pipeline?: unknown; skipped?: unknown } | undefined;
    // Skipped runs ran no job; runs of older definitions name no pipeline.
    if (!output || output.skipped === true || typeof output.pipeline !== 'string') return {};
    const pipeline = output.pipeline;

    const durations = jobDurations(await readExecutionStates(sfn, executionArn));
    const data = Object.entries(durations).map(([step, seconds]) => ({
      MetricName: CONTINUUM_METRICS.jobDuration,
      Dimensions: [
        { Name: 'Pipeline', Value: pipeline },
        { Name: 'Step', Value: step },
      ],
      Value: seconds,
      Unit: 'Seconds' as const,
    }));
    // PutMetricData takes at most 1000 values per call; a pipeline has a handful of steps.
    if (data.length > 0) await cloudwatch.send(new PutMetricDataCommand({ Namespace: CONTINUUM_METRICS.namespace, MetricData: data }));
    logger.info('job durations', { execution: executionArn, pipeline, durations });
    return durations;
  };
}

function parse(text: string | null | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

let handlerInstance: ReturnType<typeof createHandler> | undefined;
export const handler = (event: Parameters<ReturnType<typeof createHandler>>[0]) => (handlerInstance ??= createHandler())(event);
