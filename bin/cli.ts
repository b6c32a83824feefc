/**
 * `continuum` command line: validate a config, run a pipeline locally, or run the demo.
 * Exit codes: 0 success (or skipped), 1 the execution failed, 2 bad usage or config.
 */
import '../lib/local/polyfill';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type LoadedConfig } from '../lib/config/load';
import { DEFAULT_CONFIG_FILE } from '../lib/app';
import { DEMOS } from '../lib/local/demo';
import { jsonReport, progressLine, summaryLines } from '../lib/local/progress';
import type { RunReport } from '../lib/local/runner';
import { LocalSession, UnknownPipelineError } from '../lib/local/session';
import type { SystemName } from '../lib/config/schema';

class UsageError extends Error {
  readonly name = 'UsageError';
}

const HELP: Record<string, string> = {
  main: `continuum <command> [options]

Commands:
  demo       Run an example pipeline against its bundled simulator (what \`npm start\` does)
  run        Execute a pipeline's synthesized state machine locally
  validate   Check a pipelines file and print what it defines

Run \`continuum <command> --help\` for a command's options.`,
  demo: `continuum demo [--system tamr-mastering] [--wait-ms N] [--output json]

Starts the system's simulator on 127.0.0.1, then runs its example pipeline from pipelines.yaml
against it with demo credentials. Waits are shortened to --wait-ms (default 300).`,
  run: `continuum run --pipeline NAME [--config FILE] [--secrets FILE] [--base-url URL]
               [--input JSON] [--wait-ms N] [--retry-ms N] [--output json]

  --config FILE    pipelines file (default pipelines.yaml)
  --pipeline NAME  pipeline to execute
  --secrets FILE   JSON map of secret name → value, standing in for Secrets Manager
  --base-url URL   call this API root instead of the pipeline's baseUrl (e.g. a simulator)
  --input JSON     execution input, e.g. '{"mlConfigurationChanged": true}'
  --wait-ms N      pause N ms in every Wait state instead of the real seconds
  --retry-ms N     pause N ms before every retry instead of the Retry interval
  --output json    print one JSON object at the end instead of progress lines`,
  validate: `continuum validate [--config FILE]

Loads and validates the pipelines file; prints each pipeline and its steps, or every problem as
\`file: path: reason\`.`,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP.main);
    return command ? 0 : 2;
  }
  if (!(command in HELP) || command === 'main') throw new UsageError(`unknown command '${command}'\n\n${HELP.main}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(HELP[command]);
    return 0;
  }
  switch (command) {
    case 'validate':
      return validate(rest);
    case 'run':
      return run(rest);
    case 'demo':
      return demo(rest);
  }
  return 2;
}

function validate(args: string[]): number {
  const { values } = parseArgs({ args, options: { config: { type: 'string', default: DEFAULT_CONFIG_FILE } }, strict: true });
  const config = loadConfig(values.config!);
  console.log(`${config.file}: ${config.pipelines.length} pipeline(s) OK`);
  for (const pipeline of config.pipelines) {
    const schedule = pipeline.schedule ? `${pipeline.schedule.expression}${pipeline.schedule.enabled ? '' : ' (disabled)'}` : 'no schedule';
    console.log(`  ${pipeline.name} (${pipeline.system}, ${schedule}): ${pipeline.steps.map((s) => s.kind).join(' → ')}`);
  }
  return 0;
}

async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG_FILE },
      pipeline: { type: 'string' },
      secrets: { type: 'string' },
      'base-url': { type: 'string' },
      input: { type: 'string' },
      'wait-ms': { type: 'string' },
      'retry-ms': { type: 'string' },
      output: { type: 'string' },
    },
    strict: true,
  });
  if (!values.pipeline) throw new UsageError(`--pipeline is required\n\n${HELP.run}`);
  const config = loadConfig(values.config!);
  const secrets = values.secrets ? readJsonFile(values.secrets, '--secrets') : {};
  const input = values.input ? parseJson(values.input, '--input') : {};
  const session = await LocalSession.open(config, secrets);
  try {
    const report = await execute(session, values.pipeline, {
      baseUrl: values['base-url'],
      input,
      waitMs: optionalInt(values['wait-ms'], '--wait-ms'),
      retryMs: optionalInt(values['retry-ms'], '--retry-ms'),
      json: outputJson(values.output),
    });
    return report.status === 'SUCCEEDED' ? 0 : 1;
  } finally {
    await session.close();
  }
}

async function demo(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      system: { type: 'string', default: 'tamr-mastering' },
      config: { type: 'string', default: DEFAULT_CONFIG_FILE },
      'wait-ms': { type: 'string', default: '300' },
      output: { type: 'string' },
    },
    strict: true,
  });
  const setup = DEMOS[values.system as SystemName];
  if (!setup) throw new UsageError(`no demo for system '${values.system}' (demos: ${Object.keys(DEMOS).join(', ')})`);
  const config: LoadedConfig = loadConfig(values.config!);
  const simulator = setup.simulator();
  const root = await simulator.start();
  const session = await LocalSession.open(config, setup.secrets);
  const json = outputJson(values.output);
  try {
    if (!json) {
      console.log(`Continuum demo: pipeline '${setup.pipeline}' (${values.system}) executed locally by aws-local-stepfunctions`);
      console.log(`  simulator: ${root}   execution input: ${JSON.stringify(setup.input)}\n`);
    }
    const report = await execute(session, setup.pipeline, {
      baseUrl: setup.baseUrl(root),
      input: setup.input,
      waitMs: optionalInt(values['wait-ms'], '--wait-ms'),
      retryMs: 200,
      json,
    });
    return report.status === 'SUCCEEDED' ? 0 : 1;
  } finally {
    await session.close();
    await simulator.stop();
  }
}

async function execute(
  session: LocalSession,
  pipeline: string,
  options: { baseUrl?: string; input: Record<string, unknown>; waitMs?: number; retryMs?: number; json: boolean },
): Promise<RunReport> {
  const started = Date.now();
  const report = await session.run(pipeline, {
    baseUrl: options.baseUrl,
    input: options.input,
    waitMs: options.waitMs,
    retryMs: options.retryMs,
    onEvent: options.json
      ? undefined
      : (event) => {
          const line = progressLine(event, started);
          if (line) console.log(line);
        },
  });
  if (options.json) console.log(JSON.stringify(jsonReport(report), null, 2));
  else console.log(`\n${summaryLines(report).join('\n')}`);
  return report;
}

function outputJson(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value !== 'json') throw new UsageError(`--output takes 'json', got '${value}'`);
  return true;
}

function optionalInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} takes a whole number of milliseconds, got '${value}'`);
  return n;
}

function readJsonFile(file: string, flag: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${flag}: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  return parseJson(text, `${flag} ${file}`);
}

function parseJson(text: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new UsageError(`${what}: must be a JSON object`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`Invalid config:\n${error.message}`);
    else if (error instanceof UsageError || error instanceof UnknownPipelineError || (error as Error).name === 'ParseError') console.error(`continuum: ${(error as Error).message}`);
    else if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(`continuum: ${(error as Error).message}`);
    else {
      console.error(error);
      process.exit(1);
    }
    process.exit(2);
  },
);
