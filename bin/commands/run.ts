import type { LocalSession } from '../../lib/local/session';
import { defineCommand } from './declare';
import { activity } from './feedback';
import { execute } from './execute';
import { checkedRunInput } from './run-input';
import { checkPipelineName, configOption, loadConfigFile, outputOption, parseJsonObject, pipelineOption, readJsonFile } from './shared';

export const runCommand = defineCommand({
  name: 'run',
  summary: "Execute a pipeline's synthesized state machine locally",
  options: {
    pipeline: pipelineOption,
    config: configOption,
    secrets: { type: 'string', value: 'FILE', help: 'JSON map of secret name → value, standing in for Secrets Manager' },
    'base-url': { type: 'string', value: 'URL', help: "call this API root instead of the pipeline's baseUrl (e.g. a simulator)" },
    input: { type: 'string', value: 'JSON', help: `execution input, e.g. '{"mlConfigurationChanged": true}'`, more: ['(checked against the pipeline\'s input fields: an unknown one is refused)'] },
    'from-step': { type: 'string', value: 'STEP', help: "start at this step (its title, e.g. 'Refresh record clusters'): the steps before it are skipped" },
    'wait-ms': { type: 'integer', value: 'N', help: 'pause N ms in every Wait state instead of the real seconds' },
    'retry-ms': { type: 'integer', value: 'N', help: 'pause N ms before every retry instead of the Retry interval' },
    output: outputOption,
  },
  notes: `On a terminal, progress is one line per step, redrawn in place; with CI set or output piped,
one plain line per event. The run's history is saved for \`continuum history\`.`,
  async run(values) {
    const secrets = values.secrets ? readJsonFile(values.secrets, '--secrets') : {};
    let input = values.input ? parseJsonObject(values.input, '--input') : {};
    const json = values.output === 'json';
    const synthesizing = activity(`Synthesizing ${values.config} to run '${values.pipeline}' locally…`, { json });
    let session: LocalSession;
    try {
      const config = await loadConfigFile(values.config);
      await checkPipelineName(config, values.pipeline);
      input = await checkedRunInput(config, values.pipeline, input, values['from-step']);
      const { LocalSession } = await import('../../lib/local/session');
      session = await LocalSession.open(config, secrets);
    } finally {
      await synthesizing.done();
    }
    try {
      const { exitCode } = await execute(session, values.pipeline, {
        baseUrl: values['base-url'],
        input,
        waitMs: values['wait-ms'],
        retryMs: values['retry-ms'],
        json,
      });
      return exitCode;
    } finally {
      await session.close();
    }
  },
});
