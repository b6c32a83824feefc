/**
 * Each step's last successful durations, kept so the next run polls where the job usually ends
 * (lambdas/shared/learned-polling.ts). One item per pipeline step, `<pipeline>/<job key>` (and
 * `/<item as JSON>` for each item of a fan-out step): keys that do not change when a state is
 * renamed. The item holds durations only, nothing about the data.
 *
 * Only the state machine reads and writes the table, through the direct DynamoDB integration:
 *
 *   Read <subject> durations (GetItem) ─► ... submit ─► polling loop ─► <Subject> done
 *     └ any error: no history                                             │
 *                                  Is there a <subject> duration to record ◄┘
 *                                        ├ yes ─► Record <subject> durations (PutItem) ─► next step
 *                                        └ no, or the write failed ─► Keep <subject> durations ─► next step
 *
 * The read answer (the item, `{}` when there is none, or the caught error) goes to the submit and
 * status handlers as it is; they read a missing or corrupted item as no history, and then the
 * pipeline's wait schedule applies exactly as before. The success answer carries the new list
 * (this duration added, the newest ten kept), which the PutItem stores. Neither a failed read nor
 * a failed write fails the run.
 */
import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { STEP_DURATIONS_ATTRIBUTE, STEP_DURATIONS_KEY } from '../contract/step-durations';
import { stateTable } from './state-table';

/** Template metadata on the table (read by the local runner, which creates it in dynalite). */
export const STEP_DURATIONS_METADATA = 'continuum:step-durations';

/** Where a job keeps the item it read while it runs (the next job's read replaces it). */
export const DURATIONS_PATH = '$.durations';

/** The stack's step-durations table. */
export class StepDurationTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = stateTable(this, { key: STEP_DURATIONS_KEY, metadata: { name: STEP_DURATIONS_METADATA, value: { key: STEP_DURATIONS_KEY } } });
  }
}

/** What a JobPoller needs to learn its job's durations. */
export interface StepDurationsRef {
  readonly table: dynamodb.ITable;
  /** The pipeline's name: the first part of every key. */
  readonly pipelineName: string;
}

/** The key of a job's item, computed in the state machine for fan-out items. */
function keyOf(ref: StepDurationsRef, jobKey: string, perItem: boolean): tasks.DynamoAttributeValue {
  const base = `${ref.pipelineName}/${jobKey}`;
  return tasks.DynamoAttributeValue.fromString(perItem ? sfn.JsonPath.format(`${base}/{}`, sfn.JsonPath.jsonToString(sfn.JsonPath.objectAt('$.item'))) : base);
}

/** Reads the job's durations into DURATIONS_PATH, then goes to `next`; an error leaves no history. */
export function readDurations(scope: Construct, ref: StepDurationsRef, job: { readonly key: string; readonly subject: string }, perItem: boolean, next: sfn.IChainable): sfn.State {
  const read = new tasks.DynamoGetItem(scope, 'ReadDurations', {
    stateName: `Read ${job.subject} durations`,
    comment: 'The last successful durations of this step: the status checks are placed where it usually ends.',
    table: ref.table,
    key: { [STEP_DURATIONS_KEY]: keyOf(ref, job.key, perItem) },
    projectionExpression: [new tasks.DynamoProjectionExpression().withAttribute(STEP_DURATIONS_ATTRIBUTE)],
    resultPath: DURATIONS_PATH,
    taskTimeout: sfn.Timeout.duration(Duration.seconds(30)),
  });
  read.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), maxAttempts: 2, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
  // The error lands where the item would: the handlers read it as no history.
  read.addCatch(next, { errors: ['States.ALL'], resultPath: DURATIONS_PATH });
  read.next(next);
  return read;
}

/**
 * After `done`: stores the durations the success answer carries at `durationsPath`. Returns the
 * fragment's end states (the write, and the state reached without one).
 */
export function recordDurations(
  scope: Construct,
  ref: StepDurationsRef,
  job: { readonly key: string; readonly subject: string },
  perItem: boolean,
  done: sfn.INextable,
  durationsPath: string,
): sfn.INextable[] {
  const keep = new sfn.Pass(scope, 'KeepDurations', {
    stateName: `Keep ${job.subject} durations`,
    comment: 'Nothing to record (no status check measured the job) or the write failed: the stored durations stay as they were.',
  });
  const put = new tasks.DynamoPutItem(scope, 'RecordDurations', {
    stateName: `Record ${job.subject} durations`,
    comment: 'The durations with this run added, the newest ten kept (computed by the status handler from the item it was given).',
    table: ref.table,
    item: {
      [STEP_DURATIONS_KEY]: keyOf(ref, job.key, perItem),
      [STEP_DURATIONS_ATTRIBUTE]: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(durationsPath)),
    },
    resultPath: sfn.JsonPath.DISCARD,
    taskTimeout: sfn.Timeout.duration(Duration.seconds(30)),
  });
  put.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), maxAttempts: 2, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
  put.addCatch(keep, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
  // Attached jobs and report answers carry no durations: test presence first.
  const decide = new sfn.Choice(scope, 'HasDuration', { stateName: `Is there a ${job.subject} duration to record` })
    .when(sfn.Condition.and(sfn.Condition.isPresent(durationsPath), sfn.Condition.isString(durationsPath)), put)
    .otherwise(keep);
  done.next(decide);
  return [put, keep];
}
