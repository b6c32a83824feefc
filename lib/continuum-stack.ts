/**
 * The deployable unit: one stack holding the pipelines of a config file (all of them, or one
 * share when they do not fit one CloudFormation stack: see lib/app.ts).
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { LoadedConfig } from './config/load';
import { ExecutionCleanup } from './constructs/execution-cleanup';
import { HandlerFunctions } from './constructs/handler-functions';
import { OperationsDashboard } from './constructs/operations-dashboard';
import { JobSlotTable } from './constructs/job-slots';
import { Pipeline } from './constructs/pipeline';
import { pascal } from './constructs/names';
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
}

export class ContinuumStack extends Stack {
  readonly pipelines: ReadonlyMap<string, Pipeline>;
  readonly functions: HandlerFunctions;
  readonly alertsKey: kms.Key;
  readonly dashboard: OperationsDashboard;
  /** Present when some pipeline has jobs that can be stopped or holds tenant job slots. */
  readonly cleanup?: ExecutionCleanup;
  /** The slot pools' table (this stack's, or the first stack's), present when some pipeline of the config names a `slotPool`. */
  readonly jobSlots?: JobSlotTable;
  /** Starts triggered runs; present when some pipeline of this stack has `triggers`. */
  readonly runStarter?: RunStarter;

  constructor(scope: Construct, id: string, props: ContinuumStackProps) {
    super(scope, id, props);
    this.functions = new HandlerFunctions(this, 'Handlers');
    // Alert topics are encrypted; EventBridge and CloudWatch alarms must be able to publish.
    this.alertsKey = new kms.Key(this, 'AlertsKey', { description: 'Continuum: encrypts the pipelines\' alert topics', enableKeyRotation: true });
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      this.alertsKey.addToResourcePolicy(
        new iam.PolicyStatement({ principals: [new iam.ServicePrincipal(service)], actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] }),
      );
    }
    this.jobSlots =
      props.sharedJobSlots ?? (props.config.pipelines.some((p) => p.slotPool) ? new JobSlotTable(this, 'JobSlots', { pools: props.config.slotPools ?? [] }) : undefined);
    const own = props.pipelines ?? props.config.pipelines;
    this.runStarter = own.some((p) => p.triggers.length > 0) ? new RunStarter(this, 'RunStarter') : undefined;
    const pipelines = new Map<string, Pipeline>();
    for (const pipeline of own) {
      pipelines.set(pipeline.name, new Pipeline(this, pascal(pipeline.name), { pipeline, functions: this.functions, alertsKey: this.alertsKey, jobSlots: this.jobSlots, runStarter: this.runStarter }));
    }
    this.pipelines = pipelines;

    this.dashboard = new OperationsDashboard(this, 'Operations', {
      pipelines: [...pipelines].map(([name, p]) => ({ name, stateMachine: p.stateMachine, steps: p.jobs.map((job) => ({ key: job.key, title: job.title })) })),
    });

    const stopFunctions = [...pipelines.values()].flatMap((p) => p.stopFunctions);
    const holdsSlots = (props.pipelines ?? props.config.pipelines).some((p) => p.slotPool);
    if (stopFunctions.length > 0 || holdsSlots) {
      this.cleanup = new ExecutionCleanup(this, 'ExecutionCleanup', {
        stateMachines: [...pipelines.values()].map((p) => p.stateMachine),
        stopFunctions,
        jobSlots: holdsSlots ? this.jobSlots : undefined,
      });
    }
  }
}
