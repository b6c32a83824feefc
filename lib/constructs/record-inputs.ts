/**
 * Where deployed steps read their `records:` from. An `s3://bucket/key` URI is read as is; a
 * local file (what the local runner reads) is uploaded by `cdk deploy` as a CDK asset, and the
 * deployed step reads the asset's object instead. The template therefore never holds a path of
 * the machine that synthesized it, and the function is granted s3:GetObject on that one object.
 */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { ConfigError } from '../config/load';
import type { PipelineConfig } from '../config/schema';
import { pascal } from './names';

export interface RecordInputsProps {
  /** The config file, named in the error when a local records file is missing. */
  readonly file: string;
  /** Every pipeline of the config (its index is the one the error names). */
  readonly pipelines: readonly PipelineConfig[];
}

/** One uploaded local file: the `s3://` URI the deployed step reads (with tokens) and the file. */
export interface UploadedRecords {
  readonly uri: string;
  readonly path: string;
}

export class RecordInputs extends Construct {
  /** By local path: pipelines (and stacks' trial builds) reading one file share one asset. */
  private readonly assets = new Map<string, UploadedRecords>();

  constructor(
    scope: Construct,
    id: string,
    private readonly props: RecordInputsProps,
  ) {
    super(scope, id);
  }

  /** The pipeline as deployed: each local `records:` file replaced by its asset's `s3://` URI. */
  deployable(pipeline: PipelineConfig): PipelineConfig {
    const steps = pipeline.steps.map((step, stepIndex) => {
      if (!('records' in step) || step.records === undefined || step.records.startsWith('s3://')) return step;
      return { ...step, records: this.upload(step.records, pipeline, stepIndex).uri };
    });
    return { ...pipeline, steps } as PipelineConfig;
  }

  /** Every local file uploaded, with the URI its steps read it by. */
  get uploaded(): readonly UploadedRecords[] {
    return [...this.assets.values()];
  }

  private upload(path: string, pipeline: PipelineConfig, stepIndex: number): UploadedRecords {
    const known = this.assets.get(path);
    if (known) return known;
    if (!existsSync(path) || !statSync(path).isFile()) {
      const index = this.props.pipelines.findIndex((p) => p.name === pipeline.name);
      throw new ConfigError(this.props.file, [
        { path: `pipelines[${index}].steps[${stepIndex}].records`, reason: `no file at ${path} to upload (a local records file is deployed as an asset); give an existing file or an s3:// URI` },
      ]);
    }
    // The id names the file, never its directory: the construct tree is written to cdk.out.
    const asset = new Asset(this, `${pascal(basename(path))}${this.assets.size + 1}`, { path });
    const uploaded = { uri: `s3://${asset.s3BucketName}/${asset.s3ObjectKey}`, path };
    this.assets.set(path, uploaded);
    return uploaded;
  }
}

/**
 * The ARN granting s3:GetObject on what `uri` names: one object, or the keys under a prefix for a
 * URI ending in '/' or '*' (`s3://bucket/prefix*`: an s3 trigger's objects).
 */
export function s3ObjectArn(scope: Construct, uri: string): string | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) return undefined;
  const [, bucket, key] = match;
  return `arn:${Stack.of(scope).partition}:s3:::${bucket}/${key.endsWith('/') ? `${key}*` : key}`;
}
