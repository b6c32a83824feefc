/**
 * Target of the "execution succeeded" EventBridge rule: publishes how long each step's jobs ran
 * (Continuum/JobDurationSeconds, dimensions Pipeline and Step), read from the execution's history,
 * for the dashboard. One invocation per run, none per poll.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetExecutionHistoryCommand, SFNClient, type HistoryEvent } from '@aws-sdk/client-sfn';
import type { EventBridgeEvent } from 'aws-lambda';
import { stateDataOf } from '../cleanup/unfinished-jobs';
import { Logger } from '../shared/logger';
import { CONTINUUM_METRICS, jobDurations, type TimedState } from './job-durations';

interface ExecutionStatusChange {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly status: string;
  /** The execution's output (JSON text) when it is small enough to be in the event. */
  readonly output?: string | null;
}

const MAX_PAGES = 50;

export function createHandler(clients: { sfn?: SFNClient; cloudwatch?: CloudWatchClient } = {}) {
  const sfn = clients.sfn ?? new SFNClient({});
  const cloudwatch = clients.cloudwatch ?? new CloudWatchClient({});
  const logger = new Logger({ handler: 'metrics/publish-run-metrics' });

  return async (event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>): Promise<Record<string, number>> => {
    const { executionArn } = event.detail;
    const output = parse(event.detail.output) as { pipeline?: unknown; skipped?: unknown } | undefined;
    // Skipped runs ran no job; runs of older definitions name no pipeline.
    if (!output || output.skipped === true || typeof output.pipeline !== 'string') return {};
    const pipeline = output.pipeline;

    const states: TimedState[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: true, maxResults: 1000, nextToken }));
      for (const historyEvent of page.events ?? []) {
        states.push({ timestamp: new Date(historyEvent.timestamp ?? 0).getTime(), data: stateDataOf(historyEvent as HistoryEvent) });
      }
      nextToken = page.nextToken;
      pages += 1;
    } while (nextToken && pages < MAX_PAGES);

    const durations = jobDurations(states);
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
    logger.info('job durations', { executionArn, pipeline, durations });
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
