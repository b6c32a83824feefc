/**
 * The deployable unit: one stack holding every pipeline of a config file.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { LoadedConfig } from './config/load';
import { Pipeline } from './constructs/pipeline';
import { pascal } from './constructs/names';

export interface ContinuumStackProps extends StackProps {
  readonly config: LoadedConfig;
}

export class ContinuumStack extends Stack {
  readonly pipelines: ReadonlyMap<string, Pipeline>;

  constructor(scope: Construct, id: string, props: ContinuumStackProps) {
    super(scope, id, props);
    const pipelines = new Map<string, Pipeline>();
    for (const pipeline of props.config.pipelines) {
      pipelines.set(pipeline.name, new Pipeline(this, pascal(pipeline.name), { pipeline }));
    }
    this.pipelines = pipelines;
  }
}
