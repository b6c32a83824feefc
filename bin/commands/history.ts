import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LastRun } from '../../lib/local/history';
import { defineCommand, UsageError } from './declare';
import { outputOption } from './shared';

export const historyCommand = defineCommand({
  name: 'history',
  summary: 'Show the state-by-state history of the last local run',
  description: `Prints the last local run (\`continuum run\` or \`continuum demo\`) like the Step Functions
console's table view: one row per state entered, with its type, status, when it started, how
long it took and, for tasks, the remote job's id, state and check number.`,
  options: {
    events: { type: 'boolean', help: 'one line per history event instead (entered, exited, failed, retried, caught)' },
    output: { ...outputOption, help: 'print the saved run as JSON' },
    file: { type: 'string', value: 'FILE', help: 'read this file instead of .continuum/last-run.json', more: ['(CONTINUUM_STATE_DIR moves the .continuum directory)'] },
  },
  async run(values) {
    const { LAST_RUN_FILE, eventLines, historyLines, parseLastRun, stateDir } = await import('../../lib/local/history');
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
    let run: LastRun;
    try {
      run = parseLastRun(text);
    } catch (error) {
      throw new UsageError(`${file}: ${(error as Error).message}`);
    }
    if (values.output === 'json') console.log(JSON.stringify(run, null, 2));
    else console.log((values.events ? eventLines(run) : historyLines(run)).join('\n'));
    return 0;
  },
});
