/**
 * One pipeline = one state machine: overlap guard, then each job's JobPoller in order, and its
 * schedule. Its tasks invoke the stack's shared handler functions (HandlerFunctions).
 */
import { ArnFormat, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../config/schema';
import { waitedBefore } from '../polling/wait-schedule';
import { jobsOf } from '../providers';
import type { HandlerCall, JobSpec } from '../providers/job-spec';
import { HANDLER_METADATA, lambdaTimeoutFor, type HandlerFunctions } from './handler-functions';
import { JobPoller, type JobStateNames } from './job-poller';
import { pascal } from './names';
import { OverlapGuard } from './overlap-guard';

/** Template metadata keys the local runner and tools read. */
export const METADATA = {
  pipeline: 'continuum:pipeline',
  jobs: 'continuum:jobs',
  handler: HANDLER_METADATA,
} as const;

/** What the template records about each job (under `continuum:jobs`). */
export interface JobMetadata {
  readonly key: string;
  readonly title: string;
  readonly subject: string;
  readonly states: JobStateNames;
}

export interface PipelineProps {
  readonly pipeline: PipelineConfig;
  /** The stack's handler functions, shared across pipelines with the same connection. */
  readonly functions: HandlerFunctions;
}

export class Pipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** The functions this pipeline's tasks invoke. */
  readonly functions: ReadonlySet<IFunction>;
  /** The functions that stop this pipeline's remote jobs (for the execution cleanup). */
  readonly stopFunctions: readonly IFunction[];
  readonly jobs: readonly JobSpec[];

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    const { pipeline } = props;
    this.jobs = jobsOf(pipeline);
    const stack = Stack.of(this);
    const stateMachineName = `${stack.stackName}-${pipeline.name}`.slice(0, 80);

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
    });
    const pollers = this.jobs.map(
      (job) => new JobPoller(this, pascal(job.key), { job, functionFor, timeoutFor, polling: pipeline.polling, retry: pipeline.retry }),
    );
    const finish = new sfn.Pass(this, 'Finish', {
      stateName: 'Pipeline finished',
      parameters: { status: 'SUCCEEDED', skipped: false, 'steps.$': '$.steps' },
    });
    let chain = sfn.Chain.start(guard);
    for (const poller of pollers) chain = chain.next(poller);
    chain = chain.next(finish);

    // Execution timeout: every job's polling budget plus an hour for retries and submits.
    const jobSeconds = pollers.reduce((sum, p) => sum + (p.schedule ? waitedBefore(p.schedule, p.schedule.maxPolls) : 0), 0);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      comment: `Continuum pipeline '${pipeline.name}' (${pipeline.system})${pipeline.description ? `: ${pipeline.description}` : ''}`,
      definitionBody: sfn.DefinitionBody.fromChainable(chain),
      timeout: Duration.seconds(jobSeconds + 3600),
    });
    const cfnStateMachine = this.stateMachine.node.defaultChild as sfn.CfnStateMachine;
    cfnStateMachine.addMetadata(METADATA.pipeline, pipeline.name);
    cfnStateMachine.addMetadata(
      METADATA.jobs,
      this.jobs.map((job, i): JobMetadata => ({ key: job.key, title: job.title, subject: job.subject, states: pollers[i].stateNames })),
    );
    this.functions = functions;
    this.stopFunctions = this.jobs.filter((job) => job.stop).map((job) => functionFor(job.stop!));

    if (pipeline.schedule) this.addSchedule(pipeline);
  }

  private addSchedule(pipeline: PipelineConfig): void {
    const schedule = pipeline.schedule!;
    new scheduler.Schedule(this, 'Schedule', {
      description: `Starts Continuum pipeline '${pipeline.name}'`,
      schedule: scheduler.ScheduleExpression.expression(schedule.expression, TimeZone.of(schedule.timezone)),
      enabled: schedule.enabled,
      target: new targets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ ...schedule.input, trigger: 'schedule' }),
        retryAttempts: 2,
      }),
    });
  }
}
