/**
 * The handlers' log lines of one deployed execution (`continuum logs --execution ARN [--step]`).
 * Every handler log line is JSON carrying the execution ARN, the state name and the pipeline (the
 * Lambda tasks pass them), and the stack's handler log groups are named `/continuum/<stack>/…`, so
 * the lines are found by a text filter on the execution's name and then matched exactly here.
 */
import { DescribeLogGroupsCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { AwsClients } from './aws';
import type { DeployedPipeline } from './deployed';

/** Where a stack's handler functions log. */
export const handlerLogGroupPrefix = (stackName: string): string => `/continuum/${stackName}/`;

export interface ExecutionLogLine {
  readonly timestamp: number;
  readonly logGroup: string;
  readonly state?: string;
  readonly line: string;
}

export interface LogQuery {
  readonly executionArn: string;
  /** A step title ("Refresh record clusters"): only the lines of its states. */
  readonly step?: string;
  /** Only lines at or after this time (ms), for `--follow`. */
  readonly since?: number;
}

export async function executionLogs(aws: AwsClients, pipeline: DeployedPipeline, query: LogQuery): Promise<ExecutionLogLine[]> {
  const states = query.step ? new Set(Object.values(pipeline.jobs.find((j) => j.title === query.step)?.states ?? {}).map(String)) : undefined;
  const executionName = query.executionArn.split(':').pop()!;
  const lines: ExecutionLogLine[] = [];
  for (const logGroup of await logGroups(aws, handlerLogGroupPrefix(pipeline.stackName))) {
    let nextToken: string | undefined;
    do {
      const page = await aws.logs.send(
        new FilterLogEventsCommand({ logGroupName: logGroup, filterPattern: `"${executionName}"`, startTime: query.since, nextToken }),
      );
      for (const event of page.events ?? []) {
        const entry = parse(event.message ?? '');
        if (!entry || entry.execution !== query.executionArn) continue;
        const state = typeof entry.state === 'string' ? entry.state : undefined;
        if (states && (!state || !states.has(state))) continue;
        lines.push({ timestamp: event.timestamp ?? 0, logGroup, ...(state ? { state } : {}), line: (event.message ?? '').trimEnd() });
      }
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return lines.sort((a, b) => a.timestamp - b.timestamp);
}

async function logGroups(aws: AwsClients, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await aws.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix, nextToken }));
    names.push(...(page.logGroups ?? []).map((g) => g.logGroupName!));
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

function parse(message: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(message) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
