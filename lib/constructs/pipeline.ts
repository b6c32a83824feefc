/**
 * One pipeline = one state machine: overlap guard, the choice of the first step (fromStep), then
 * each job's JobPoller in order, and its schedule. Its tasks invoke the stack's shared handler
 * functions (HandlerFunctions).
 */
import { ArnFormat, Duration, RemovalPolicy, Stack, TimeZone, Validations, type CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../config/schema';
import { overlapPolicy } from '../config/triggers';
import { waitedBefore } from '../polling/wait-schedule';
import { jobsOf } from '../providers';
import type { HandlerCall, JobSpec } from '../providers/job-spec';
import type { HistoryEstimate } from '../polling/history-budget';
import { fromStepChoice } from './from-step';
import { HANDLER_METADATA, lambdaTimeoutFor, type HandlerFunctions } from './handler-functions';
import { pipelineHistory, type ConfigLocation } from './history-bounds';
import type { JobMetadata } from '../contract/state-roles';
import { JobPoller } from './job-poller';
import type { JobSlotTable } from './job-slots';
import type { StepDurationTable } from './step-durations';
import { boundedName, pascal } from './names';
import { OverlapGuard } from './overlap-guard';
import { PipelineAlerts } from './pipeline-alerts';
import { PipelineTriggers, type RunStarter } from './pipeline-triggers';

/** Template metadata keys the local runner and tools read. */
export const METADATA = {
  pipeline: 'continuum:pipeline',
  jobs: 'continuum:jobs',
  handler: HANDLER_METADATA,
} as const;

/** What the template records about each job (under `continuum:jobs`): lib/contract/state-roles.ts. */
export type { JobMetadata } from '../contract/state-roles';

export interface PipelineProps {
  readonly pipeline: PipelineConfig;
  /** The stack's handler functions, shared across pipelines with the same connection. */
  readonly functions: HandlerFunctions;
  /** The stack's key for alert topics. */
  readonly alertsKey: kms.IKey;
  /** The stack's slot pools; required when the pipeline names a `slotPool`. */
  readonly jobSlots?: JobSlotTable;
  /** Where the pipeline (and its slot pool) are in the config file, for the fields the history budget names. */
  readonly at: ConfigLocation;
  /**
   * What the state machine's name starts with (then the pipeline's name): the stack's rules
   * follow its machines by this prefix, so no two stacks' prefixes may start one another.
   * @default `<stack name>-`
   */
  readonly stateMachineNamePrefix?: string;
  /** The stack's run starter; required when the pipeline has `triggers`. */
  readonly runStarter?: RunStarter;
  /**
   * The stack's step-durations table: with `polling.learnFromHistory`, polled jobs place their
   * checks from their last durations.
   * @default no history: every job polls on the wait schedule alone
   */
  readonly stepDurations?: StepDurationTable;
}

export class Pipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** `<stack>-<pipeline>`, cut with a hash past 80 characters. */
  readonly stateMachineName: string;
  /** The functions this pipeline's tasks invoke. */
  readonly functions: ReadonlySet<IFunction>;
  /** The functions that stop this pipeline's remote jobs (for the execution cleanup). */
  readonly stopFunctions: readonly IFunction[];
  /** The looks the execution cleanup asks for jobs whose submit was in flight (lambdas/cleanup/in-flight-jobs.ts). */
  readonly inFlightLookFunctions: readonly IFunction[];
  readonly jobs: readonly JobSpec[];
  readonly alerts: PipelineAlerts;
  /** The schedule's name (`<stack>-<pipeline>`, cut with a hash past 64), when the pipeline has a schedule. */
  readonly scheduleName?: string;
  /** Worst-case execution history events of one run (checked against the budget by the stack). */
  readonly history: HistoryEstimate;
  /** The rules that start runs on events, when the pipeline has `triggers`. */
  readonly triggers?: PipelineTriggers;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    const { pipeline } = props;
    this.jobs = jobsOf(pipeline);
    const stack = Stack.of(this);
    const stateMachineName = boundedName(`${props.stateMachineNamePrefix ?? `${stack.stackName}-`}${pipeline.name}`, 80);
    this.stateMachineName = stateMachineName;

    const functions = new Set<IFunction>();
    const functionFor = (call: HandlerCall): IFunction => {
      const fn = props.functions.functionFor(pipeline, call);
      functions.add(fn);
      return fn;
    };
    const timeoutFor = (call: HandlerCall) => lambdaTimeoutFor(call.handler, pipeline.http.timeoutSeconds);
    const guard = new OverlapGuard(this, 'OverlapGuard', {
      stateMachineArn: stack.formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: stateMachineName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      pipelineName: pipeline.name,
      onOverlap: overlapPolicy(pipeline),
      ...(overlapPolicy(pipeline) === 'queue' && pipeline.maxQueueMinutes ? { maxQueueMinutes: pipeline.maxQueueMinutes } : {}),
    });
    const slot = pipeline.slotPool ? { table: props.jobSlots!.table, pool: props.jobSlots!.pool(pipeline.slotPool) } : undefined;
    const durations = pipeline.polling.learnFromHistory && props.stepDurations ? { table: props.stepDurations.table, pipelineName: pipeline.name } : undefined;
    const pollers = this.jobs.map(
      (job) => new JobPoller(this, pascal(job.key), { job, pipelineName: pipeline.name, functionFor, timeoutFor, polling: pipeline.polling, retry: pipeline.retry, slot, ...(durations ? { durations } : {}) }),
    );
    const finish = new sfn.Pass(this, 'Finish', {
      stateName: 'Pipeline finished',
      parameters: { status: 'SUCCEEDED', skipped: false, pipeline: pipeline.name, 'steps.$': '$.steps' },
    });
    pollers.forEach((poller, i) => poller.next(pollers[i + 1] ?? finish));
    // After the guard: the run may start at a later step (the execution input's fromStep).
    const firstStep = fromStepChoice(this, { pipelineName: pipeline.name, steps: this.jobs.map((job, i) => ({ key: job.key, title: job.title, start: pollers[i] })) });
    const chain = sfn.Chain.start(guard).next(firstStep);
    this.history = pipelineHistory({ pipeline, at: props.at, jobs: this.jobs, pollers, start: chain.startState, slotPool: slot?.pool, queue: guard.queue });

    // Execution timeout: every job's polling budget and slot wait budget, plus an hour for retries and submits.
    const jobSeconds = guard.queueSeconds + pollers.reduce((sum, p) => sum + (p.schedule ? waitedBefore(p.schedule, p.schedule.maxPolls) : 0) + p.slotWaitSeconds, 0);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      comment: `Continuum pipeline '${pipeline.name}' (${pipeline.system})${pipeline.description ? `: ${pipeline.description}` : ''}`,
      definitionBody: sfn.DefinitionBody.fromChainable(chain),
      // Step Functions ends a standard execution after a year whatever the timeout says.
      timeout: Duration.seconds(Math.min(jobSeconds + 3600, 365 * 24 * 3600)),
      // ERROR level: failures with their data. State data never holds a secret (handlers return
      // ids, states and messages only), so including it is safe and makes failures readable.
      logs: {
        destination: new LogGroup(this, 'ExecutionLogs', { retention: RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.DESTROY }),
        level: sfn.LogLevel.ERROR,
        includeExecutionData: true,
      },
      tracingEnabled: pipeline.tracing,
    });
    this.acknowledgeFindings(pipeline, functions);
    this.alerts = new PipelineAlerts(this, 'Alerts', { pipelineName: pipeline.name, stateMachine: this.stateMachine, alerts: pipeline.alerts, key: props.alertsKey });
    const cfnStateMachine = this.stateMachine.node.defaultChild as sfn.CfnStateMachine;
    cfnStateMachine.addMetadata(METADATA.pipeline, pipeline.name);
    cfnStateMachine.addMetadata(
      METADATA.jobs,
      this.jobs.map((job, i): JobMetadata => ({ key: job.key, title: job.title, subject: job.subject, states: pollers[i].stateNames })),
    );
    this.functions = functions;
    this.stopFunctions = this.jobs.flatMap((job) => (job.stop ? [functionFor(job.stop)] : []));
    this.inFlightLookFunctions = this.jobs.flatMap((job) => (job.stop && job.lostSubmit ? [functionFor(job.lostSubmit.find)] : []));

    if (pipeline.schedule) this.scheduleName = this.addSchedule(pipeline);
    if (pipeline.triggers.length > 0) {
      if (!props.runStarter) throw new Error(`pipeline '${pipeline.name}' has triggers but the stack gave it no run starter`);
      this.triggers = new PipelineTriggers(this, 'Triggers', { pipelineName: pipeline.name, stateMachine: this.stateMachine, triggers: pipeline.triggers, starter: props.runStarter });
    }
  }

  /** cdk-nag findings this design accepts, each with its reason. */
  private acknowledgeFindings(pipeline: PipelineConfig, functions: ReadonlySet<IFunction>): void {
    const validations = Validations.of(this.stateMachine);
    validations.acknowledge({
      id: 'AwsSolutions-SF1',
      reason: 'Logs at ERROR level by design: every state of every run is in the Step Functions execution history; ALL would log each poll of long jobs.',
    });
    if (!pipeline.tracing) {
      validations.acknowledge({ id: 'AwsSolutions-SF2', reason: `X-Ray tracing is a per-pipeline switch ('tracing: true'); it is off for '${pipeline.name}'.` });
    }
    const stack = Stack.of(this);
    for (const fn of functions) {
      const logicalId = stack.getLogicalId(fn.node.defaultChild as CfnElement);
      validations.acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
        reason: "CDK's LambdaInvoke grants the function and its versions/aliases (<arn>:*); it is one of this pipeline's own functions.",
      });
    }
    validations.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Actions without resource-level permissions: cloudwatch:PutMetricData (the skipped-runs count) and the CloudWatch Logs delivery actions Step Functions needs to log executions.',
    });
  }

  private addSchedule(pipeline: PipelineConfig): string {
    const schedule = pipeline.schedule!;
    // Explicit, so a person finds it by the pipeline's name (Scheduler names: at most 64 characters).
    const scheduleName = boundedName(`${Stack.of(this).stackName}-${pipeline.name}`, 64);
    new scheduler.Schedule(this, 'Schedule', {
      scheduleName,
      description: `Starts Continuum pipeline '${pipeline.name}'`,
      schedule: scheduler.ScheduleExpression.expression(schedule.expression, TimeZone.of(schedule.timezone)),
      enabled: schedule.enabled,
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ ...schedule.input, trigger: 'schedule' }),
        retryAttempts: 2,
        // The pipeline's own role (CDK's default is a stack-level one per target): the stack
        // planner counts it with the pipeline, and it goes when the pipeline goes.
        role: new iam.Role(this, 'ScheduleRole', {
          assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
          description: `Continuum: lets the schedule of pipeline '${pipeline.name}' start its state machine`,
        }),
      }),
    });
    return scheduleName;
  }
}
