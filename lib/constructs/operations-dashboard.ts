/**
 * One CloudWatch dashboard per deployment: per pipeline, executions started / succeeded / failed
 * / timed out / aborted (Step Functions' own metrics), runs skipped by the overlap guard, and how
 * long each step's jobs ran. Job durations are published once per successful run by a small
 * function on the "execution succeeded" EventBridge rule (lambdas/metrics/).
 */
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CONTINUUM_METRICS } from '../contract/metrics';
import { executionStatusPattern, grantReadExecutionHistory } from './execution-events';
import type { FailedDeliveries } from './failed-deliveries';
import { bundledFunction } from './handler-functions';

export interface DashboardPipeline {
  readonly name: string;
  readonly stateMachine: sfn.StateMachine;
  /** Step keys and titles, in order (the Step dimension and its label). */
  readonly steps: ReadonlyArray<{ readonly key: string; readonly title: string }>;
}

export interface OperationsDashboardProps {
  readonly pipelines: readonly DashboardPipeline[];
  /** Where run-metrics events that failed, or could not reach the function, are kept. @default dropped after the retries */
  readonly failedDeliveries?: FailedDeliveries;
  /**
   * The ARN prefix the "execution succeeded" rule follows the pipelines' machines by
   * (constant-size pattern); it must match these machines and no other stack's.
   * @default the rule lists every machine's ARN
   */
  readonly stateMachineArnPrefix?: string;
}

export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  /** `<stack>-pipelines`. */
  readonly dashboardName: string;
  readonly runMetrics: NodejsFunction;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.runMetrics = bundledFunction(this, 'PublishRunMetrics', {
      description: 'Continuum: publishes how long each step of a successful run took (Continuum/JobDurationSeconds)',
      entry: fileURLToPath(new URL('../../lambdas/metrics/publish-run-metrics.ts', import.meta.url)),
      timeout: Duration.minutes(2),
    });
    props.failedDeliveries?.catchFailuresOf(this.runMetrics, { retryAttempts: 2 });
    const machines = props.pipelines.map((p) => p.stateMachine);
    grantReadExecutionHistory(this, this.runMetrics, machines);
    this.runMetrics.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': CONTINUUM_METRICS.namespace } },
      }),
    );
    new events.Rule(this, 'ExecutionSucceeded', {
      description: 'Continuum: a run succeeded: publish its job durations',
      eventPattern: executionStatusPattern(props.stateMachineArnPrefix ? { arnPrefix: props.stateMachineArnPrefix } : machines, ['SUCCEEDED']),
      targets: [new eventTargets.LambdaFunction(this.runMetrics, { retryAttempts: 2, maxEventAge: Duration.hours(1), deadLetterQueue: props.failedDeliveries?.queue })],
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: "cloudwatch:PutMetricData has no resource-level permissions; a condition limits it to the 'Continuum' namespace.",
    });

    this.dashboardName = `${stack.stackName}-pipelines`;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: this.dashboardName,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Continuum pipelines (${stack.stackName})\nExecutions per day, runs skipped by the overlap guard, and job durations per step of successful runs.`,
        width: 24,
        height: 2,
      }),
    );
    for (const pipeline of props.pipelines) {
      const day = { period: Duration.days(1), statistic: 'Sum' };
      const machine = pipeline.stateMachine;
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${pipeline.name}: executions`,
          width: 12,
          left: [
            machine.metricStarted({ ...day, label: 'started' }),
            machine.metricSucceeded({ ...day, label: 'succeeded' }),
            machine.metricFailed({ ...day, label: 'failed' }),
            machine.metricTimedOut({ ...day, label: 'timed out' }),
            machine.metricAborted({ ...day, label: 'aborted' }),
            new cloudwatch.Metric({
              namespace: CONTINUUM_METRICS.namespace,
              metricName: CONTINUUM_METRICS.runsSkipped,
              dimensionsMap: { Pipeline: pipeline.name },
              ...day,
              label: 'skipped (overlap)',
            }),
          ],
        }),
        new cloudwatch.GraphWidget({
          title: `${pipeline.name}: job duration per step (s)`,
          width: 12,
          left: pipeline.steps.map(
            (step) =>
              new cloudwatch.Metric({
                namespace: CONTINUUM_METRICS.namespace,
                metricName: CONTINUUM_METRICS.jobDuration,
                dimensionsMap: { Pipeline: pipeline.name, Step: step.key },
                period: Duration.days(1),
                statistic: 'Maximum',
                label: step.title,
              }),
          ),
        }),
      );
    }
  }
}

