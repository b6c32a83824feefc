/**
 * Where a pipeline's deployed resources are, found from the config by the stacks' own naming
 * (never from a template file): the app is built in memory, without bundling, exactly as
 * `cdk deploy` builds it, so split stacks and their placement are the ones deployed.
 */
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { buildApp, withScratchOutdir } from '../app';
import { cachedSynth } from '../local/synth-cache';
import type { LoadedConfig } from '../config/load';
import type { PipelineConfig } from '../config/schema';
import { METADATA, type JobMetadata } from '../constructs/pipeline';

export interface DeployedPipeline {
  readonly config: PipelineConfig;
  readonly stackName: string;
  readonly stateMachineName: string;
  /** EventBridge Scheduler schedule (group `default`), when the pipeline has a schedule. */
  readonly scheduleName?: string;
  /** Each job's title and state names, in run order (to tell which step a state belongs to). */
  readonly jobs: readonly JobMetadata[];
}

export function deployedPipelines(config: LoadedConfig, stackName?: string): DeployedPipeline[] {
  // What the app names, without the config (JSON, so a synth cache can hold it: lib/local/synth-cache.ts).
  const named = cachedSynth('deployed', config, stackName, () =>
    withScratchOutdir((outdir) => {
      const { stacks } = buildApp({ config, stackName, bundle: false, historyBudget: false, appProps: { outdir } });
      return stacks.flatMap((stack) =>
        [...stack.pipelines].map(([name, pipeline]) => {
          const machine = pipeline.stateMachine.node.defaultChild as CfnStateMachine;
          return {
            name,
            stackName: stack.stackName,
            stateMachineName: String(machine.stateMachineName),
            ...(pipeline.scheduleName ? { scheduleName: pipeline.scheduleName } : {}),
            jobs: (machine.getMetadata(METADATA.jobs) as JobMetadata[] | undefined) ?? [],
          };
        }),
      );
    }),
  );
  return named.map(({ name, ...pipeline }): DeployedPipeline => ({ config: config.pipelines.find((p) => p.name === name)!, ...pipeline }));
}

/** The pipeline named `name`, or an error listing the names there are. */
export function deployedPipeline(pipelines: readonly DeployedPipeline[], name: string): DeployedPipeline {
  const found = pipelines.find((p) => p.config.name === name);
  if (!found) throw new OperateError(`no pipeline '${name}' in the config; pipelines: ${pipelines.map((p) => p.config.name).join(', ')}`);
  return found;
}

/** A mistake of the command's user (exit 2), or a resource that is not where the config says (exit 1). */
export class OperateError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
    this.name = 'OperateError';
  }
}

/** The step (job title) a state belongs to, by the job metadata's state names. */
export function stepOfState(jobs: readonly JobMetadata[], stateName: string): string | undefined {
  return jobs.find((job) => Object.values(job.states).includes(stateName))?.title;
}

/** The pipeline an execution ARN belongs to, by its state machine's name (`…:execution:<machine>:<name>`). */
export function pipelineOfExecution(pipelines: readonly DeployedPipeline[], executionArn: string): DeployedPipeline {
  const parts = executionArn.split(':');
  if (parts.length < 8 || parts[0] !== 'arn' || parts[2] !== 'states' || parts[5] !== 'execution') {
    throw new OperateError(`'${executionArn}' is not a Step Functions execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME)`);
  }
  const machine = parts[6];
  const found = pipelines.find((p) => p.stateMachineName === machine);
  if (!found) throw new OperateError(`execution ${executionArn} is of state machine '${machine}', which is no pipeline of this config (state machines: ${pipelines.map((p) => p.stateMachineName).join(', ')})`);
  return found;
}
