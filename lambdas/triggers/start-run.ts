/**
 * Target of a pipeline's trigger rules (an S3 object created under its prefix, or any EventBridge
 * event it names): starts the pipeline's state machine once per event. One API call,
 * StartExecution, with a name derived from the event (./run-name.ts), so a duplicate delivery
 * never starts a second run: while the first run is still going, Step Functions answers the same
 * name and input with that run (StartExecution is idempotent); after it ended, with
 * `ExecutionAlreadyExists`, which is logged as a duplicate and counted (CloudWatch embedded metric
 * `Continuum/DuplicateTriggers`, written as a log line: no second API call). Any other failure is
 * thrown, so Lambda retries the asynchronous event and then sends it to the stack's dead-letter
 * queue, whose alarm tells the team.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Logger } from '../shared/logger';
import { eventRunName, s3RunName } from './run-name';

/** What each trigger rule sends (its target input): the pipeline's machine, and the event as is. */
export interface TriggerEvent {
  readonly stateMachineArn: string;
  readonly pipeline: string;
  readonly event: {
    readonly id: string;
    readonly source: string;
    readonly 'detail-type': string;
    readonly detail: Record<string, unknown>;
  };
}

export interface StartResult {
  readonly executionName: string;
  readonly executionArn?: string;
  readonly duplicate: boolean;
}

export const DUPLICATE_TRIGGERS_METRIC = 'DuplicateTriggers';

export function createHandler(clients: { sfn?: SFNClient } = {}) {
  const sfn = clients.sfn ?? new SFNClient({});
  const logger = new Logger({ handler: 'triggers/start-run' });
  return async ({ stateMachineArn, pipeline, event }: TriggerEvent): Promise<StartResult> => {
    const { name, input } = runOf(event);
    try {
      const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
      logger.info('run started', { pipeline, executionArn: started.executionArn, trigger: input });
      return { executionName: name, executionArn: started.executionArn, duplicate: false };
    } catch (error) {
      if ((error as Error).name !== 'ExecutionAlreadyExists') throw error;
      logger.info('duplicate trigger: this event already started a run', {
        pipeline,
        executionName: name,
        eventId: event.id,
        // CloudWatch embedded metric format: the log line is the metric.
        _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'Continuum', Dimensions: [['Pipeline']], Metrics: [{ Name: DUPLICATE_TRIGGERS_METRIC, Unit: 'Count' }] }] },
        Pipeline: pipeline,
        [DUPLICATE_TRIGGERS_METRIC]: 1,
      });
      return { executionName: name, duplicate: true };
    }
  };
}

/** The run's name and input for an event: an S3 object names its records; any other event passes its detail. */
export function runOf(event: TriggerEvent['event']): { name: string; input: Record<string, unknown> } {
  if (event.source === 'aws.s3' && event['detail-type'] === 'Object Created') {
    const detail = event.detail as { bucket?: { name?: string }; object?: { key?: string; etag?: string; 'version-id'?: string } };
    const bucket = detail.bucket?.name;
    const key = detail.object?.key;
    if (!bucket || !key) throw new Error(`S3 event ${event.id} names no bucket or key`);
    const etag = detail.object?.etag;
    const versionId = detail.object?.['version-id'];
    return {
      name: s3RunName({ bucket, key, etag, versionId }),
      input: { trigger: 's3', records: `s3://${bucket}/${key}`, ...(etag ? { etag } : {}), ...(versionId ? { versionId } : {}) },
    };
  }
  return { name: eventRunName(event), input: { trigger: 'event', event: { source: event.source, detailType: event['detail-type'], id: event.id }, detail: event.detail } };
}

let handlerInstance: ReturnType<typeof createHandler> | undefined;
export const handler = (event: TriggerEvent) => (handlerInstance ??= createHandler())(event);
