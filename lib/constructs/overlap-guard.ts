/**
 * First states of every pipeline: a run that starts while another execution of the same state
 * machine is RUNNING ends at once as skipped, so scheduled runs never overlap.
 *
 * It asks Step Functions itself (ListExecutions, RUNNING, 2 results): this execution is one of
 * them, so 2 means another run is in progress. Two runs started in the same instant both see 2
 * and both skip: the safe side of the race.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { CONTINUUM_METRICS } from '../contract/metrics';

export interface OverlapGuardProps {
  /** ARN of the state machine this guard belongs to (built from its name to avoid a cycle). */
  readonly stateMachineArn: string;
  /** Dimension of the skipped-runs metric. */
  readonly pipelineName: string;
}

export const OVERLAP_GUARD_STATE = 'Check for a run in progress';
export const SKIPPED_STATE = 'Skip overlapping run';
/** The guard's last state: its Next is the first job's first state. */
export const RUN_START_STATE = 'Start run';

export class OverlapGuard extends sfn.StateMachineFragment {
  readonly startState: sfn.State;
  readonly endStates: sfn.INextable[];

  constructor(scope: Construct, id: string, props: OverlapGuardProps) {
    super(scope, id);
    const check = new tasks.CallAwsService(this, 'ListRunning', {
      stateName: OVERLAP_GUARD_STATE,
      comment: 'Lists RUNNING executions of this state machine (this one included).',
      service: 'sfn',
      action: 'listExecutions',
      iamAction: 'states:ListExecutions',
      iamResources: [props.stateMachineArn],
      parameters: {
        StateMachineArn: sfn.JsonPath.stringAt('$$.StateMachine.Id'),
        StatusFilter: 'RUNNING',
        MaxResults: 2,
      },
      resultSelector: { running: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.Executions')) },
      resultPath: '$.guard',
    });
    check.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2 });

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

    const start = new sfn.Pass(this, 'Start', {
      stateName: RUN_START_STATE,
      comment: 'Initialises $.steps, where each finished job records its id, state and poll count.',
      result: sfn.Result.fromObject({}),
      resultPath: '$.steps',
    });
    const decide = new sfn.Choice(this, 'Decide', { stateName: 'Is another run in progress' })
      .when(sfn.Condition.numberGreaterThan('$.guard.running', 1), countSkip)
      .otherwise(start);
    check.next(decide);

    this.startState = check;
    this.endStates = [start];
  }
}
