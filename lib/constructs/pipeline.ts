/**
 * One pipeline = one state machine: overlap guard, then each job's JobPoller in order, plus the
 * pipeline's Lambda functions (one per handler it uses), its secret grant and its schedule.
 */
import { Annotations, ArnFormat, Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import { Architecture, Runtime, type CfnFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../config/schema';
import { waitedBefore } from '../polling/wait-schedule';
import { baseUrlOf, jobsOf } from '../providers';
import type { HandlerCall, HandlerRef, JobSpec } from '../providers/job-spec';
import { JobPoller, type JobStateNames } from './job-poller';
import { pascal } from './names';
import { OverlapGuard } from './overlap-guard';

/** Template metadata keys the local runner and tools read. */
export const METADATA = {
  pipeline: 'continuum:pipeline',
  jobs: 'continuum:jobs',
  handler: 'continuum:handler',
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
}

/** Seconds a handler's Lambda may run: the HTTP timeout plus headroom, 15 minutes for streaming. */
export function lambdaTimeoutFor(handler: HandlerRef, httpTimeoutSeconds: number): Duration {
  return handler.longRunning ? Duration.minutes(15) : Duration.seconds(Math.min(900, httpTimeoutSeconds + 10));
}

export class Pipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly functions: ReadonlyMap<string, IFunction>;
  readonly jobs: readonly JobSpec[];

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    const { pipeline } = props;
    this.jobs = jobsOf(pipeline);
    const stack = Stack.of(this);
    const stateMachineName = `${stack.stackName}-${pipeline.name}`.slice(0, 80);
    const secret = Secret.fromSecretNameV2(this, 'ApiSecret', pipeline.secretName);

    const functions = new Map<string, NodejsFunction>();
    const functionFor = (call: HandlerCall): IFunction => {
      let fn = functions.get(call.handler.id);
      if (!fn) {
        fn = this.handlerFunction(call.handler, pipeline);
        secret.grantRead(fn);
        if (call.handler.writesSecret) secret.grantWrite(fn);
        functions.set(call.handler.id, fn);
      }
      for (const uri of call.readsS3 ?? []) grantReadS3Object(this, fn, uri);
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

    if (pipeline.schedule) this.addSchedule(pipeline);
  }

  private handlerFunction(handler: HandlerRef, pipeline: PipelineConfig): NodejsFunction {
    const id = pascal(handler.id.split('/').pop()!);
    const timeout = lambdaTimeoutFor(handler, pipeline.http.timeoutSeconds);
    const fn = new NodejsFunction(this, `${id}Function`, {
      description: `Continuum ${pipeline.name}: ${handler.id}`,
      entry: handler.entry,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout,
      environment: {
        BASE_URL: baseUrlOf(pipeline),
        SECRET_NAME: pipeline.secretName,
        HTTP_TIMEOUT_MS: String(handler.longRunning ? timeout.toMilliseconds() - 30_000 : pipeline.http.timeoutSeconds * 1000),
        NODE_OPTIONS: '--enable-source-maps',
      },
      logGroup: new LogGroup(this, `${id}Logs`, { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node22',
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        // ESM bundles of CommonJS dependencies still call require().
        banner: "import { createRequire as __continuumCreateRequire } from 'node:module';const require = __continuumCreateRequire(import.meta.url);",
        externalModules: ['@aws-sdk/*'],
      },
    });
    (fn.node.defaultChild as CfnFunction).addMetadata(METADATA.handler, handler.id);
    return fn;
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

function grantReadS3Object(scope: Construct, fn: NodejsFunction, uri: string): void {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) {
    Annotations.of(scope).addWarning(`'${uri}' is not an s3:// URI: it only works for local runs`);
    return;
  }
  const bucket = s3.Bucket.fromBucketName(scope, `RecordsBucket${pascal(uri)}`.slice(0, 200), match[1]);
  bucket.grantRead(fn, match[2]);
}
