import type { LocalSession } from '../../lib/local/session';
import { defineCommand } from './declare';
import { activity } from './feedback';
import { execute } from './execute';
import { checkedInput } from './execution-input';
import { checkPipelineName, configOption, loadConfigFile, outputOption, parseJsonObject, pipelineOption, readJsonFile } from './shared';

/** The options of a local run that `run` and a local `rerun` share. */
export const localRunOptions = {
  config: configOption,
  secrets: { type: 'string', value: 'FILE', help: 'JSON map of secret name → value, standing in for Secrets Manager' },
  'base-url': { type: 'string', value: 'URL', help: "call this API root instead of the pipeline's baseUrl (e.g. a simulator)" },
  'wait-ms': { type: 'integer', value: 'N', help: 'pause N ms in every Wait state instead of the real seconds' },
  'retry-ms': { type: 'integer', value: 'N', help: 'pause N ms before every retry instead of the Retry interval' },
  output: outputOption,
} as const;

export const runCommand = defineCommand({
  name: 'run',
  summary: "Execute a pipeline's synthesized state machine locally",
  options: {
    pipeline: pipelineOption,
    ...localRunOptions,
    input: { type: 'string', value: 'JSON', help: `execution input, e.g. '{"mlConfigurationChanged": true}'`, more: ['(checked against the pipeline\'s input fields: an unknown one is refused)'] },
    'from-step': { type: 'string', value: 'STEP', help: "start at this step (its title, e.g. 'Refresh record clusters'): the steps before it are skipped" },
  },
  notes: `On a terminal, progress is one line per step, redrawn in place; with CI set or output piped,
one plain line per event. The run's history is saved for \`continuum history\`.`,
  async run(values) {
    const input = values.input ? parseJsonObject(values.input, '--input') : {};
    return runLocally({ ...values, input, fromStep: values['from-step'] });
  },
});

export interface LocalRunRequest {
  readonly pipeline: string;
  readonly config: string;
  readonly secrets?: string;
  readonly 'base-url'?: string;
  readonly 'wait-ms'?: number;
  readonly 'retry-ms'?: number;
  readonly output?: string;
  readonly input: Record<string, unknown>;
  readonly fromStep?: string;
}

/** Synthesize, check the input, run one pipeline locally with its progress view: the exit code. */
export async function runLocally(request: LocalRunRequest): Promise<number> {
  const secrets = request.secrets ? readJsonFile(request.secrets, '--secrets') : {};
  const json = request.output === 'json';
  const synthesizing = activity(`Synthesizing ${request.config} to run '${request.pipeline}' locally…`, { json });
  let session: LocalSession;
  let input: Record<string, unknown>;
  try {
    const config = await loadConfigFile(request.config);
    await checkPipelineName(config, request.pipeline);
    input = await checkedInput(config.pipelines.find((p) => p.name === request.pipeline)!, request.input, { fromStep: request.fromStep, refused: 'run' });
    const { LocalSession } = await import('../../lib/local/session');
    session = await LocalSession.open(config, secrets);
  } finally {
    await synthesizing.done();
  }
  try {
    const { exitCode } = await execute(session, request.pipeline, {
      baseUrl: request['base-url'],
      input,
      waitMs: request['wait-ms'],
      retryMs: request['retry-ms'],
      json,
    });
    return exitCode;
  } finally {
    await session.close();
  }
}
