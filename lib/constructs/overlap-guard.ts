/**
 * First states of every pipeline: what a run does when it starts while another execution of the
 * same state machine is RUNNING, so runs never overlap.
 *
 * - `skip` (schedules: the next tick brings the same work): it ends at once as skipped, counted.
 *   It asks Step Functions itself (ListExecutions, RUNNING, 2 results): this execution is one of
 *   them, so 2 means another run is in progress. Two runs started in the same instant both see 2
 *   and both skip: the safe side of the race.
 * - `queue` (triggers: each run carries its own file, none may be lost): it waits until it is the
 *   earliest RUNNING execution (ListExecutions answers newest first: the last one listed), so
 *   queued runs go one at a time in the order they started. An aborted or failed run stops being
 *   RUNNING by itself, so nothing has to be released. After `maxQueueMinutes` it fails with
 *   `RunQueueTimedOut` and its input (the file it carries) in the cause: an alert, never a silent
 *   skip. ListExecutions pages hold 1,000 executions: at most 1,000 runs can queue.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { errorName } from '../contract/errors';
import { CONTINUUM_METRICS } from '../contract/metrics';

export interface OverlapGuardProps {
  /** ARN of the state machine this guard belongs to (built from its name to avoid a cycle). */
  readonly stateMachineArn: string;
  /** Dimension of the skipped-runs metric, and named in a queue timeout's cause. */
  readonly pipelineName: string;
  /** What a run does while another is in progress. @default 'skip' */
  readonly onOverlap?: 'skip' | 'queue';
  /** `queue`: how long a run may wait for the earlier ones before failing. @default 60 */
  readonly maxQueueMinutes?: number;
  /** `queue`: seconds between looks at the queue. @default 30 */
  readonly queueCheckSeconds?: number;
}

export const OVERLAP_GUARD_STATE = 'Check for a run in progress';
export const SKIPPED_STATE = 'Skip overlapping run';
/** The guard's last state: its Next is the first job's first state. */
export const RUN_START_STATE = 'Start run';
export const QUEUE_WAIT_STATE = 'Wait for the earlier run';
export const RUN_QUEUE_TIMED_OUT = errorName('RunQueueTimedOut');

export class OverlapGuard extends sfn.StateMachineFragment {
  readonly startState: sfn.State;
  readonly endStates: sfn.INextable[];

  /** `queue`: the longest the guard may wait, for the execution timeout (0 for `skip`). */
  readonly queueSeconds: number;
  /** `queue`: the wait for earlier runs (its state name) and the looks allowed, for the history budget. */
  readonly queue?: { readonly wait: string; readonly looks: number };

  constructor(scope: Construct, id: string, props: OverlapGuardProps) {
    super(scope, id);
    const queue = props.onOverlap === 'queue';
    const checkSeconds = props.queueCheckSeconds ?? 30;
    const maxLooks = Math.ceil(((props.maxQueueMinutes ?? 60) * 60) / checkSeconds);
    if (!queue && (props.maxQueueMinutes !== undefined || props.queueCheckSeconds !== undefined)) {
      throw new Error(`OverlapGuard '${props.pipelineName}': maxQueueMinutes and queueCheckSeconds apply to onOverlap 'queue' only`);
    }
    if (!(checkSeconds >= 1) || !(maxLooks >= 1)) throw new Error(`OverlapGuard '${props.pipelineName}': queueCheckSeconds and maxQueueMinutes must be positive`);
    this.queueSeconds = queue ? maxLooks * checkSeconds : 0;
    if (queue) this.queue = { wait: QUEUE_WAIT_STATE, looks: maxLooks };

    const check = new tasks.CallAwsService(this, 'ListRunning', {
      stateName: OVERLAP_GUARD_STATE,
      comment: queue ? 'Lists RUNNING executions of this state machine (this one included), newest first.' : 'Lists RUNNING executions of this state machine (this one included).',
      service: 'sfn',
      action: 'listExecutions',
      iamAction: 'states:ListExecutions',
      iamResources: [props.stateMachineArn],
      parameters: {
        StateMachineArn: sfn.JsonPath.stringAt('$$.StateMachine.Id'),
        StatusFilter: 'RUNNING',
        MaxResults: queue ? 1000 : 2,
      },
      resultSelector: queue
        ? { running: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.Executions')), arns: sfn.JsonPath.listAt('$.Executions[*].ExecutionArn') }
        : { running: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.Executions')) },
      resultPath: '$.guard',
    });
    check.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });

    const start = new sfn.Pass(this, 'Start', {
      stateName: RUN_START_STATE,
      comment: 'Initialises $.steps, where each finished job records its id, state and poll count.',
      result: sfn.Result.fromObject({}),
      resultPath: '$.steps',
    });
    const decide = new sfn.Choice(this, 'Decide', { stateName: 'Is another run in progress' });
    decide.when(sfn.Condition.numberGreaterThan('$.guard.running', 1), queue ? this.waitInQueue(props, check, start, checkSeconds, maxLooks) : this.skip(props)).otherwise(start);
    if (queue) {
      const join = new sfn.Pass(this, 'JoinQueue', {
        stateName: 'Join the run queue',
        comment: 'Counts the looks at the queue, so a run waits at most maxQueueMinutes.',
        result: sfn.Result.fromObject({ looks: 0 }),
        resultPath: '$.queue',
      });
      join.next(check);
      this.startState = join;
    } else {
      this.startState = check;
    }
    check.next(decide);
    this.endStates = [start];
  }

  /** `skip`: end at once, counted. */
  private skip(props: OverlapGuardProps): sfn.State {
    const skip = new sfn.Pass(this, 'Skip', {
      stateName: SKIPPED_STATE,
      comment: 'Another run of this pipeline is still in progress: this run does nothing.',
      parameters: {
        status: 'SKIPPED',
        skipped: true,
        reason: 'a previous run of this pipeline is still in progress',
        'trigger.$': '$$.Execution.Input',
      },
    });
    // Skips are otherwise invisible (the execution succeeds): count them. A failed count must not
    // turn a skip into a failure, so every error continues to the skip.
    const countSkip = new tasks.CallAwsService(this, 'CountSkip', {
      stateName: 'Count skipped run',
      comment: `Adds 1 to ${CONTINUUM_METRICS.namespace}/${CONTINUUM_METRICS.runsSkipped} for this pipeline.`,
      service: 'cloudwatch',
      action: 'putMetricData',
      iamAction: 'cloudwatch:PutMetricData',
      iamResources: ['*'],
      parameters: {
        Namespace: CONTINUUM_METRICS.namespace,
        MetricData: [{ MetricName: CONTINUUM_METRICS.runsSkipped, Dimensions: [{ Name: 'Pipeline', Value: props.pipelineName }], Value: 1, Unit: 'Count' }],
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    countSkip.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), maxAttempts: 2, backoffRate: 2 });
    countSkip.addCatch(skip, { errors: ['States.ALL'], resultPath: '$.metricFailure' });
    countSkip.next(skip);
    return countSkip;
  }

  /** `queue`: wait until this is the earliest RUNNING execution, or fail after maxLooks looks. */
  private waitInQueue(props: OverlapGuardProps, check: sfn.State, start: sfn.State, checkSeconds: number, maxLooks: number): sfn.State {
    const earliest = new sfn.Pass(this, 'Earliest', {
      stateName: 'Find the earliest run in progress',
      comment: 'ListExecutions answers newest first: the last execution listed started first.',
      parameters: { 'arn.$': 'States.ArrayGetItem($.guard.arns, States.MathAdd($.guard.running, -1))' },
      resultPath: '$.queue.earliest',
    });
    const timedOut = new sfn.Pass(this, 'QueueCause', {
      stateName: 'Describe the queue timeout',
      comment: 'The cause names the pipeline and this run\'s input (the file it carries), so the alert says what was not processed.',
      parameters: {
        'cause.$': `States.Format('waited ${Math.round((maxLooks * checkSeconds) / 60)} minutes behind an earlier run of pipeline ${props.pipelineName} that is still in progress; this run was not started, input: {}', States.JsonToString($$.Execution.Input))`,
      },
      resultPath: '$.queue.timeout',
    }).next(new sfn.Fail(this, 'QueueTimedOut', { stateName: 'Run queue timed out', comment: 'Gives up waiting: fails loudly (the alert rule publishes it).', error: RUN_QUEUE_TIMED_OUT, causePath: '$.queue.timeout.cause' }));
    const wait = new sfn.Wait(this, 'WaitInQueue', {
      stateName: QUEUE_WAIT_STATE,
      comment: `Looks at the queue again in ${checkSeconds} s.`,
      time: sfn.WaitTime.duration(Duration.seconds(checkSeconds)),
    });
    const count = new sfn.Pass(this, 'CountLook', {
      stateName: 'Count the look at the queue',
      parameters: { 'looks.$': 'States.MathAdd($.queue.looks, 1)' },
      resultPath: '$.queue',
    });
    wait.next(count).next(check);
    const turn = new sfn.Choice(this, 'Turn', { stateName: 'Is it this run\'s turn' })
      .when(sfn.Condition.stringEqualsJsonPath('$.queue.earliest.arn', '$$.Execution.Id'), start)
      .when(sfn.Condition.numberGreaterThanEquals('$.queue.looks', maxLooks), timedOut)
      .otherwise(wait);
    earliest.next(turn);
    return earliest;
  }
}
