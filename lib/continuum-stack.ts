/**
 * The deployable unit: one stack holding the pipelines of a config file (all of them, or one
 * share when they do not fit one CloudFormation stack: see lib/app.ts).
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { ConfigError, type ConfigProblem, type LoadedConfig } from './config/load';
import type { PipelineConfig } from './config/schema';
import type { ConfigLocation } from './constructs/history-bounds';
import { historyProblem } from './polling/history-budget';
import { ExecutionCleanup } from './constructs/execution-cleanup';
import { FailedDeliveries } from './constructs/failed-deliveries';
import { stateMachineArnPrefix as stateMachineArnPrefixOf } from './constructs/execution-events';
import { HandlerFunctions } from './constructs/handler-functions';
import { OperationsDashboard } from './constructs/operations-dashboard';
import { JobSlotTable } from './constructs/job-slots';
import { Pipeline } from './constructs/pipeline';
import { StepDurationTable } from './constructs/step-durations';
import { isPolled } from './providers/job-spec';
import { jobsOf } from './providers';
import { RecordInputs } from './constructs/record-inputs';
import { pascal } from './constructs/names';
import { addPipelineOutputs, addStackOutputs } from './constructs/stack-outputs';
import { alertSourcePatterns } from './constructs/pipeline-alerts';
import { RunStarter } from './constructs/pipeline-triggers';

export interface ContinuumStackProps extends StackProps {
  readonly config: LoadedConfig;
  /** The pipelines this stack holds (default: every pipeline of the config). */
  readonly pipelines?: LoadedConfig['pipelines'];
  /**
   * The slot table of another stack of the app (the first): a slot pool spans every stack its
   * pipelines were placed in, so they must count in one table. Without it, the stack creates the
   * table when any pipeline of the config joins a pool.
   */
  readonly sharedJobSlots?: JobSlotTable;
  /**
   * Refuse a pipeline whose worst-case execution history exceeds 20,000 events (ConfigError).
   * @default true
   */
  readonly historyBudget?: boolean;
  /**
   * What the state machines' names start with (then the pipeline's name). The stack's execution
   * rules match this prefix, so it must not start another stack's (see lib/stack-plan.ts).
   * @default `<stack name>-`
   */
  readonly stateMachineNamePrefix?: string;
}

export class ContinuumStack extends Stack {
  readonly pipelines: ReadonlyMap<string, Pipeline>;
  readonly functions: HandlerFunctions;
  /** Local records files uploaded as assets, and the URIs deployed steps read them by. */
  readonly records: RecordInputs;
  readonly alertsKey: kms.Key;
  readonly dashboard: OperationsDashboard;
  /** The dead-letter queue of the cleanup and run metrics, with its alarm. */
  readonly failedDeliveries: FailedDeliveries;
  /** Present when some pipeline has jobs that can be stopped or holds tenant job slots. */
  readonly cleanup?: ExecutionCleanup;
  /** The slot pools' table (this stack's, or the first stack's), present when some pipeline of the config names a `slotPool`. */
  readonly jobSlots?: JobSlotTable;
  /** Starts triggered runs; present when some pipeline of this stack has `triggers`. */
  readonly runStarter?: RunStarter;
  /** Each step's last durations; present when some pipeline of this stack learns from them. */
  readonly stepDurations?: StepDurationTable;

  constructor(scope: Construct, id: string, props: ContinuumStackProps) {
    super(scope, id, props);
    const namePrefix = props.stateMachineNamePrefix ?? `${this.stackName}-`;
    const stateMachineArnPrefix = stateMachineArnPrefixOf(this, namePrefix);
    this.functions = new HandlerFunctions(this, 'Handlers');
    this.records = new RecordInputs(this, 'Records', { file: props.config.file, pipelines: props.config.pipelines });
    // Alert topics are encrypted; EventBridge and CloudWatch alarms must be able to publish, but
    // only this stack's alert rules and alarms (ARN patterns: naming each would grow the key
    // policy with every pipeline, and a key policy cannot reference them without a cycle).
    this.alertsKey = new kms.Key(this, 'AlertsKey', { description: 'Continuum: encrypts the pipelines\' alert topics', enableKeyRotation: true });
    const sources = alertSourcePatterns(this);
    for (const [service, sourceArn] of [['events.amazonaws.com', sources.rules], ['cloudwatch.amazonaws.com', sources.alarms]] as const) {
      this.alertsKey.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { ArnLike: { 'aws:SourceArn': sourceArn }, StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }
    this.jobSlots =
      props.sharedJobSlots ?? (props.config.pipelines.some((p) => p.slotPool) ? new JobSlotTable(this, 'JobSlots', { pools: props.config.slotPools ?? [] }) : undefined);
    const own = props.pipelines ?? props.config.pipelines;
    // Before the pipelines: the run starter and their trigger rules send failures to its queue.
    this.failedDeliveries = new FailedDeliveries(this, 'FailedDeliveries');
    this.runStarter = own.some((p) => p.triggers.length > 0) ? new RunStarter(this, 'RunStarter', { failedDeliveries: this.failedDeliveries }) : undefined;
    const learns = own.some((p) => p.polling.learnFromHistory && jobsOf(p).some(isPolled));
    this.stepDurations = learns ? new StepDurationTable(this, 'StepDurations') : undefined;
    const pipelines = new Map<string, Pipeline>();
    const overBudget: ConfigProblem[] = [];
    for (const pipeline of own) {
      const at = configLocation(props.config, pipeline);
      const built = new Pipeline(this, pascal(pipeline.name), { pipeline: this.records.deployable(pipeline), functions: this.functions, alertsKey: this.alertsKey, jobSlots: this.jobSlots, at, stateMachineNamePrefix: namePrefix, runStarter: this.runStarter, stepDurations: this.stepDurations });
      pipelines.set(pipeline.name, built);
      const problem = historyProblem(built.history);
      if (problem && props.historyBudget !== false) overBudget.push(problem);
    }
    // Step Functions would fail such runs at 25,000 events, hours into them: refuse at synth.
    if (overBudget.length > 0) throw new ConfigError(props.config.file, overBudget);
    this.pipelines = pipelines;

    this.dashboard = new OperationsDashboard(this, 'Operations', {
      failedDeliveries: this.failedDeliveries,
      stateMachineArnPrefix,
      pipelines: [...pipelines].map(([name, p]) => ({ name, stateMachine: p.stateMachine, steps: p.jobs.map((job) => ({ key: job.key, title: job.title })) })),
    });

    const stopFunctions = [...pipelines.values()].flatMap((p) => p.stopFunctions);
    const holdsSlots = (props.pipelines ?? props.config.pipelines).some((p) => p.slotPool);
    if (stopFunctions.length > 0 || holdsSlots) {
      this.cleanup = new ExecutionCleanup(this, 'ExecutionCleanup', {
        stateMachines: [...pipelines.values()].map((p) => p.stateMachine),
        stateMachineArnPrefix,
        stopFunctions,
        lookFunctions: [...pipelines.values()].flatMap((p) => p.inFlightLookFunctions),
        jobSlots: holdsSlots ? this.jobSlots : undefined,
        failedDeliveries: this.failedDeliveries,
      });
    }
    this.failedDeliveries.notify([...pipelines.values()].map((p) => p.alerts));
    for (const [name, pipeline] of pipelines) addPipelineOutputs(this, name, pipeline, own.find((p) => p.name === name)!);
    addStackOutputs(this, this.dashboard.dashboardName, this.failedDeliveries.queue);
  }
}

/** `pipelines[3]` and its pool's `slotPools[0]`, as the config file's problems name them. */
function configLocation(config: LoadedConfig, pipeline: PipelineConfig): ConfigLocation {
  const pool = pipeline.slotPool ? (config.slotPools ?? []).findIndex((p) => p.name === pipeline.slotPool) : -1;
  return { pipeline: `pipelines[${config.pipelines.findIndex((p) => p.name === pipeline.name)}]`, ...(pool >= 0 ? { slotPool: `slotPools[${pool}]` } : {}) };
}
