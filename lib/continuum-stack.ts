/**
 * The deployable unit: one stack holding every pipeline of a config file.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { LoadedConfig } from './config/load';
import { HandlerFunctions } from './constructs/handler-functions';
import { Pipeline } from './constructs/pipeline';
import { pascal } from './constructs/names';

export interface ContinuumStackProps extends StackProps {
  readonly config: LoadedConfig;
}

export class ContinuumStack extends Stack {
  readonly pipelines: ReadonlyMap<string, Pipeline>;
  readonly functions: HandlerFunctions;

  constructor(scope: Construct, id: string, props: ContinuumStackProps) {
    super(scope, id, props);
    this.functions = new HandlerFunctions(this, 'Handlers');
    const pipelines = new Map<string, Pipeline>();
    for (const pipeline of props.config.pipelines) {
      pipelines.set(pipeline.name, new Pipeline(this, pascal(pipeline.name), { pipeline, functions: this.functions }));
    }
    this.pipelines = pipelines;
  }
}
