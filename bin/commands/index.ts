/**
 * Every `continuum` command, in the order `--help` lists them. Adding a command is one file in
 * this directory (a `defineCommand` declaration) and one line here.
 */
import type { Command } from './declare';
import { demoCommand } from './demo';
import { graphCommand } from './graph';
import { historyCommand } from './history';
import { logsCommand } from './logs';
import { pauseCommand } from './pause';
import { rerunCommand } from './rerun';
import { resumeCommand } from './resume';
import { runCommand } from './run';
import { simulateCommand } from './simulate';
import { startCommand } from './start';
import { statusCommand } from './status';
import { synthCommand } from './synth';
import { validateCommand } from './validate';
import { watchCommand } from './watch';

export const COMMANDS: readonly Command[] = [
  demoCommand,
  runCommand,
  watchCommand,
  historyCommand,
  validateCommand,
  synthCommand,
  graphCommand,
  simulateCommand,
  // Deployed pipelines (AWS SDK; --region, --profile, AWS_ENDPOINT_URL).
  statusCommand,
  startCommand,
  rerunCommand,
  pauseCommand,
  resumeCommand,
  logsCommand,
];
