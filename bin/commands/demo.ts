import type { LocalSession } from '../../lib/local/session';
import { defineCommand } from './declare';
import { activity } from './feedback';
import { execute } from './execute';
import { configOption, demoSetup, loadConfigFile, outputOption, systemOption } from './shared';

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'Run an example pipeline against its bundled simulator (what `npm start` does)',
  description: `Starts the system's simulator on 127.0.0.1, then runs its example pipeline from pipelines.yaml
against it with demo credentials. Waits are shortened to --wait-ms.`,
  options: {
    system: systemOption,
    config: { ...configOption, help: 'pipelines file holding the demo pipeline' },
    'wait-ms': { type: 'integer', value: 'N', help: 'pause N ms in every Wait state', default: 300 },
    output: { ...outputOption, help: 'print one JSON object at the end instead of progress' },
  },
  notes: `On a terminal, progress is one line per step, redrawn in place; with CI set or output piped,
one plain line per event. The run's history is saved for \`continuum history\`.`,
  async run(values) {
    const json = values.output === 'json';
    const setup = await demoSetup(values.system);
    const synthesizing = activity(`Synthesizing ${values.config} to run the ${values.system} demo locally…`, { json });
    const simulator = setup.simulator();
    let session: LocalSession;
    let root: string;
    try {
      const config = await loadConfigFile(values.config);
      const { LocalSession } = await import('../../lib/local/session');
      root = await simulator.start();
      session = await LocalSession.open(config, setup.secrets);
    } catch (error) {
      await simulator.stop();
      throw error;
    } finally {
      await synthesizing.done();
    }
    try {
      if (!json) {
        console.log(`Continuum demo: pipeline '${setup.pipeline}' (${values.system}) executed locally by aws-local-stepfunctions`);
        console.log(`  simulator: ${root}   execution input: ${JSON.stringify(setup.input)}\n`);
      }
      const { exitCode } = await execute(session, setup.pipeline, { baseUrl: setup.baseUrl(root), input: setup.input, waitMs: values['wait-ms'], retryMs: 200, json });
      return exitCode;
    } finally {
      await session.close();
      await simulator.stop();
    }
  },
});
