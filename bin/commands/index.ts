/**
 * Every `continuum` command, in the order `--help` lists them. Adding a command is one file in
 * this directory (a `defineCommand` declaration) and one line here.
 */
import type { Command } from './declare';
import { demoCommand } from './demo';
import { graphCommand } from './graph';
import { historyCommand } from './history';
import { runCommand } from './run';
import { simulateCommand } from './simulate';
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
];
