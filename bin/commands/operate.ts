/**
 * What the commands that operate deployed pipelines share (status, start, rerun, pause, resume,
 * history --execution, logs): the AWS options, finding the pipelines' resources from the config
 * by the stacks' own naming, and following an execution with the local run's progress view.
 */
import type { LoadedConfig } from '../../lib/config/load';
import type { AwsClients } from '../../lib/operate/aws';
import type { DeployedPipeline } from '../../lib/operate/deployed';
import { activity } from './feedback';
import { checkPipelineName, loadConfigFile } from './shared';

export const regionOption = { type: 'string', value: 'REGION', help: 'AWS region of the deployed stacks (default: AWS_REGION or the profile\'s)' } as const;
export const profileOption = { type: 'string', value: 'NAME', help: 'named AWS profile (default: AWS_PROFILE or the default chain)' } as const;
export const intervalOption = { type: 'integer', value: 'N', help: 'with --follow: seconds between two reads of the execution', default: 5, min: 1, max: 300, unit: 'seconds' } as const;

export interface OperateValues {
  readonly config: string;
  readonly region?: string;
  readonly profile?: string;
}

export interface Operate {
  readonly aws: AwsClients;
  readonly pipelines: readonly DeployedPipeline[];
}

/**
 * Loads the config and builds the app in memory (no bundling) to learn the deployed names; a
 * pipeline name given is checked first, before the seconds that takes.
 */
export interface OpenOptions {
  /** A pipeline name to check before the app is built. */
  readonly pipeline?: string;
  /** stdout holds data (JSON, log lines, a history table): the activity line goes to stderr. */
  readonly dataOnStdout?: boolean;
  /** The config, when the command has loaded it already. */
  readonly config?: LoadedConfig;
}

export async function openOperate(values: OperateValues, options: OpenOptions = {}): Promise<Operate> {
  const config = options.config ?? (await loadConfigFile(values.config));
  await checkPipelineName(config, options.pipeline);
  const reading = activity(`Reading the deployed names from ${values.config}…`, { json: options.dataOnStdout });
  try {
    const { deployedPipelines } = await import('../../lib/operate/deployed');
    const { awsClients } = await import('../../lib/operate/aws');
    return { aws: awsClients({ region: values.region, profile: values.profile }), pipelines: deployedPipelines(config) };
  } finally {
    await reading.done();
  }
}

/**
 * Shows a deployed execution's progress as a local run shows it (live on a terminal, plain lines
 * elsewhere) until it ends; exit 0 when it succeeded, 1 otherwise.
 */
export async function followDeployed(aws: AwsClients, pipeline: DeployedPipeline, executionArn: string, intervalSeconds: number): Promise<number> {
  const { LiveProgress, plainProgress, progressMode } = await import('../../lib/local/progress-view');
  const { followExecution } = await import('../../lib/operate/follow');
  const started = Date.now();
  const live = progressMode(process.stdout) === 'live';
  const view = live ? new LiveProgress(pipeline.jobs, started, process.stdout).start() : plainProgress(started);
  // Ctrl-C stops following (the execution goes on): put the cursor back first.
  const interrupted = () => {
    view.finish();
    console.log(`\nStopped following; the execution goes on: ${executionArn}`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  let outcome: string;
  try {
    outcome = await followExecution(aws, executionArn, { jobs: pipeline.jobs, onEvent: (event) => view.onEvent(event), intervalMs: intervalSeconds * 1000 });
  } finally {
    view.finish();
    process.removeListener('SIGINT', interrupted);
  }
  console.log(`\nExecution ${executionArn.split(':').pop()}: ${outcome}`);
  return outcome === 'SUCCEEDED' ? 0 : 1;
}
