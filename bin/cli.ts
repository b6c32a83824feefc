/**
 * `continuum` command line: validate and synthesize a config, run pipelines locally (with a live
 * progress view), draw their state machines, start a vendor simulator, show the last run.
 * Each command is declared in bin/commands/<name>.ts; this file only dispatches and maps errors
 * to exit codes: 0 success (or skipped), 1 the execution failed, 2 bad usage or config.
 *
 * Heavy modules (aws-cdk-lib, the local runner) are imported by the commands that need them, so
 * `--help` and usage errors answer at once.
 */
import '../lib/local/polyfill';
import { exitCodeOf } from '../lib/contract/errors';
import { didYouMean } from '../lib/text/suggest';
import { commandHelp, mainHelp, parseCommandLine, UsageError } from './commands/declare';
import { COMMANDS } from './commands/index';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const topic = COMMANDS.find((c) => c.name === rest[0]);
    console.log(name === 'help' && topic ? commandHelp(topic) : mainHelp(COMMANDS));
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const hint = didYouMean(name, COMMANDS.map((c) => c.name));
    throw new UsageError(`unknown command '${name}'${hint}\n\n${mainHelp(COMMANDS)}`);
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(command));
    return 0;
  }
  const { values, argument } = parseCommandLine(command, rest);
  return command.run(values, argument);
}


/**
 * Exit once stdout and stderr have handed everything to the OS: `process.exit()` drops what a
 * pipe has not taken yet (a large `--output json` cut at 64 KiB).
 */
async function exitWhenWritten(code: number): Promise<never> {
  process.exitCode = code;
  await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => (stream.writableLength === 0 && !stream.writableNeedDrain ? resolve() : stream.write('', () => resolve())))));
  process.exit(code);
}

// A reader that closes the pipe early (`| head`) is not an error of the command.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

main(process.argv.slice(2)).then(exitWhenWritten, (error: unknown) => {
  // Errors the user can fix (the error registry gives their exit code): the message, never a stack trace.
  const code = exitCodeOf(error);
  if (code === undefined) {
    console.error(error);
    return exitWhenWritten(1);
  }
  if ((error as Error).name === 'ConfigError') console.error(`Invalid config:\n${(error as Error).message}`);
  else console.error(`continuum: ${(error as Error).message}`);
  return exitWhenWritten(code);
});
