import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LastRun } from '../../lib/local/history';
import { defineCommand, UsageError } from './declare';
import { openOperate, profileOption, regionOption } from './operate';
import { configOption, outputOption } from './shared';

export const historyCommand = defineCommand({
  name: 'history',
  summary: 'Show the state-by-state history of a local run (the last one, or one of the last 20), or of a deployed execution',
  description: `Prints the last local run (\`continuum run\` or \`continuum demo\`), or with --execution a
deployed execution (GetExecutionHistory), like the Step Functions console's table view: one row
per state entered, with its type, status, when it started, how long it took and, for tasks, the
remote job's id, state and check number. The last 20 local runs are kept: \`--list\` lists them,
\`--run ID\` shows one.`,
  options: {
    events: { type: 'boolean', help: 'one line per history event instead (entered, exited, failed, retried, caught)' },
    list: { type: 'boolean', help: 'list the kept local runs, newest first: id, pipeline, status, start, duration' },
    run: { type: 'string', value: 'ID', help: 'show this kept local run (its id from --list, or the start of it)' },
    output: { ...outputOption, help: 'print the run (or the list) as JSON' },
    file: { type: 'string', value: 'FILE', help: 'read this file instead of .continuum/last-run.json', more: ['(CONTINUUM_STATE_DIR moves the .continuum directory)'] },
    execution: { type: 'string', value: 'ARN', help: 'a deployed execution instead of a local run' },
    config: { ...configOption, help: 'with --execution: pipelines file (to know the steps)' },
    region: regionOption,
    profile: profileOption,
  },
  async run(values) {
    const { eventLines, historyLines, stateDir } = await import('../../lib/local/history');
    const { keptRun, keptRuns, runListLines } = await import('../../lib/local/run-store');
    const sources = [values.list, values.run !== undefined, values.file !== undefined, values.execution !== undefined];
    if (sources.filter(Boolean).length > 1) throw new UsageError('give one of --list, --run, --file and --execution');
    if (values.list) {
      const runs = keptRuns(stateDir());
      if (values.output === 'json') console.log(JSON.stringify(runs.map(({ file: _file, ...run }) => run), null, 2));
      else console.log(runListLines(runs).join('\n'));
      return 0;
    }
    const run =
      values.execution !== undefined
        ? await deployedRunOf(values.execution, values)
        : values.run !== undefined
          ? keptRun(stateDir(), values.run)
          : await localRun(values.file);
    if (values.output === 'json') console.log(JSON.stringify(run, null, 2));
    else console.log((values.events ? eventLines(run) : historyLines(run)).join('\n'));
    return 0;
  },
});

async function deployedRunOf(executionArn: string, values: { config: string; region?: string; profile?: string; output?: string }): Promise<LastRun> {
  const { aws, pipelines } = await openOperate(values, { dataOnStdout: true });
  const { pipelineOfExecution } = await import('../../lib/operate/deployed');
  const { deployedRun } = await import('../../lib/operate/follow');
  return deployedRun(aws, pipelineOfExecution(pipelines, executionArn), executionArn);
}

async function localRun(given: string | undefined): Promise<LastRun> {
  const { LAST_RUN_FILE, parseLastRun, stateDir } = await import('../../lib/local/history');
  const file = given ?? join(stateDir(), LAST_RUN_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !given) {
      throw new UsageError(`no local run recorded yet (${file}): run \`continuum demo\` or \`continuum run\` first`);
    }
    throw new UsageError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return parseLastRun(text);
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
}
