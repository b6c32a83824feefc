import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LastRun } from '../../lib/local/history';
import { defineCommand, UsageError } from './declare';
import { outputOption } from './shared';

export const historyCommand = defineCommand({
  name: 'history',
  summary: 'Show the state-by-state history of a local run (the last one, or one of the last 20)',
  description: `Prints the last local run (\`continuum run\` or \`continuum demo\`) like the Step Functions
console's table view: one row per state entered, with its type, status, when it started, how
long it took and, for tasks, the remote job's id, state and check number. The last 20 runs are
kept: \`--list\` lists them, \`--run ID\` shows one.`,
  options: {
    events: { type: 'boolean', help: 'one line per history event instead (entered, exited, failed, retried, caught)' },
    list: { type: 'boolean', help: 'list the kept runs, newest first: id, pipeline, status, start, duration' },
    run: { type: 'string', value: 'ID', help: 'show this kept run (its id from --list, or the start of it)' },
    output: { ...outputOption, help: 'print the saved run (or the list) as JSON' },
    file: { type: 'string', value: 'FILE', help: 'read this file instead of .continuum/last-run.json', more: ['(CONTINUUM_STATE_DIR moves the .continuum directory)'] },
  },
  async run(values) {
    const { LAST_RUN_FILE, eventLines, historyLines, parseLastRun, stateDir } = await import('../../lib/local/history');
    const { keptRun, keptRuns, runListLines } = await import('../../lib/local/run-store');
    if ([values.list, values.run !== undefined, values.file !== undefined].filter(Boolean).length > 1) throw new UsageError('give one of --list, --run and --file');
    if (values.list) {
      const runs = keptRuns(stateDir());
      if (values.output === 'json') console.log(JSON.stringify(runs.map(({ file: _file, ...run }) => run), null, 2));
      else console.log(runListLines(runs).join('\n'));
      return 0;
    }
    let run: LastRun;
    if (values.run !== undefined) {
      run = keptRun(stateDir(), values.run);
    } else {
      const file = values.file ?? join(stateDir(), LAST_RUN_FILE);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !values.file) {
          throw new UsageError(`no local run recorded yet (${file}): run \`continuum demo\` or \`continuum run\` first`);
        }
        throw new UsageError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
      try {
        run = parseLastRun(text);
      } catch (error) {
        throw new UsageError(`${file}: ${(error as Error).message}`);
      }
    }
    if (values.output === 'json') console.log(JSON.stringify(run, null, 2));
    else console.log((values.events ? eventLines(run) : historyLines(run)).join('\n'));
    return 0;
  },
});
