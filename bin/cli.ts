/**
 * `continuum` command line: validate and synthesize a config, run pipelines locally (with a live
 * progress view), draw their state machines, start a vendor simulator, show the last run.
 * Exit codes: 0 success (or skipped), 1 the execution failed, 2 bad usage or config.
 *
 * Heavy modules (aws-cdk-lib, the local runner) are imported by the commands that need them, so
 * `--help` and usage errors answer at once.
 */
import '../lib/local/polyfill';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeShape, shapeFromArgs, shapeHelpLines, shapeParseArgsOptions, SimulatorShapeError, type SimulatedSystem } from '../lib/local/simulators/shape';
import type { LoadedConfig } from '../lib/config/load';
import { exitCodeOf } from '../lib/contract/errors';
import type { LastRun, RunJob } from '../lib/local/history';
import type { RunReport } from '../lib/local/runner';
import type { LocalSession } from '../lib/local/session';

class UsageError extends Error {
  readonly name = 'UsageError';
}

const DEFAULT_CONFIG = 'pipelines.yaml';

const HELP: Record<string, string> = {
  main: `continuum <command> [options]

Commands:
  demo       Run an example pipeline against its bundled simulator (what \`npm start\` does)
  run        Execute a pipeline's synthesized state machine locally
  history    Show the state-by-state history of the last local run
  validate   Check a pipelines file and print what it defines
  synth      Synthesize the CloudFormation template (like \`cdk synth\`) into cdk.out
  graph      Draw each pipeline's state machine as Mermaid, SVG and PNG
  simulate   Start a vendor API simulator and keep it running

Run \`continuum <command> --help\` for a command's options.
Exit codes: 0 ok (or the run was skipped), 1 the execution failed, 2 bad usage or config.`,
  demo: `continuum demo [--system SYSTEM] [--config FILE] [--wait-ms N] [--output json]

Starts the system's simulator on 127.0.0.1, then runs its example pipeline from pipelines.yaml
against it with demo credentials. Waits are shortened to --wait-ms (default 300).

  --system SYSTEM  which system's demo (default tamr-mastering)
  --config FILE    pipelines file holding the demo pipeline (default pipelines.yaml)
  --wait-ms N      pause N ms in every Wait state (default 300)
  --output json    print one JSON object at the end instead of progress

On a terminal, progress is one line per step, redrawn in place; with CI set or output piped,
one plain line per event. The run's history is saved for \`continuum history\`.`,
  run: `continuum run --pipeline NAME [--config FILE] [--secrets FILE] [--base-url URL]
               [--input JSON] [--wait-ms N] [--retry-ms N] [--output json]

  --config FILE    pipelines file (default pipelines.yaml)
  --pipeline NAME  pipeline to execute
  --secrets FILE   JSON map of secret name → value, standing in for Secrets Manager
  --base-url URL   call this API root instead of the pipeline's baseUrl (e.g. a simulator)
  --input JSON     execution input, e.g. '{"mlConfigurationChanged": true}'
  --wait-ms N      pause N ms in every Wait state instead of the real seconds
  --retry-ms N     pause N ms before every retry instead of the Retry interval
  --output json    print one JSON object at the end instead of progress lines

On a terminal, progress is one line per step, redrawn in place; with CI set or output piped,
one plain line per event. The run's history is saved for \`continuum history\`.`,
  history: `continuum history [--events] [--output json] [--file FILE]

Prints the last local run (\`continuum run\` or \`continuum demo\`) like the Step Functions
console's table view: one row per state entered, with its type, status, when it started, how
long it took and, for tasks, the remote job's id, state and check number.

  --events       one line per history event instead (entered, exited, failed, retried, caught)
  --output json  print the saved run as JSON
  --file FILE    read this file instead of .continuum/last-run.json
                 (CONTINUUM_STATE_DIR moves the .continuum directory)`,
  validate: `continuum validate [--config FILE]

Loads and validates the pipelines file; prints each pipeline and its steps, or every problem as
\`file: path: reason\`.

  --config FILE  pipelines file (default pipelines.yaml)`,
  synth: `continuum synth [--config FILE] [--out DIR] [--stack-name NAME] [--no-bundle]

Synthesizes the CDK app in-process, exactly as \`npx cdk synth\` does through bin/app.ts, and
writes the cloud assembly (template and Lambda bundles) to --out. Prints the stacks, state
machines and resource counts. Records which stack each pipeline is in next to the config
(<config>.placement.json, commit it): later synths keep every placed pipeline in its stack.

  --config FILE       pipelines file (default pipelines.yaml)
  --out DIR           output directory (default cdk.out)
  --stack-name NAME   stack name (default Continuum)
  --no-bundle         skip esbuild bundling of the handlers (template only, faster)`,
  graph: `continuum graph [--config FILE] [--pipeline NAME] [--out DIR] [--format LIST] [--level LEVEL] [--width N]

Draws each pipeline's synthesized state machine (or only --pipeline) into --out as
<pipeline>.mmd (Mermaid), <pipeline>.svg and <pipeline>.png (Graphviz, no browser needed).

  --config FILE    pipelines file (default pipelines.yaml)
  --pipeline NAME  only this pipeline
  --out DIR        output directory (default diagrams)
  --format LIST    comma-separated subset of mermaid,svg,png (default all three)
  --level LEVEL    steps: one node per step, failures folded into one edge (default);
                   states: every state of the state machine
  --width N        PNG width in pixels (default: natural size, text 18 px high)`,
  simulate: `continuum simulate [--system SYSTEM] [--port N] [--host HOST] [--job-seconds N]
                    [--fail STEP] [--never-finish STEP] [--quarantine RATIO] [--universe ID] [--config FILE]

Starts the system's vendor API simulator and keeps it running until Ctrl-C. Prints its URL,
the control endpoints (state, fault injection), the demo credentials and the command that runs
the system's example pipeline against it. Each request it answers is printed.

  --system SYSTEM      which vendor API (default tamr-mastering)
  --port N             port to listen on (default 9100; 0 picks a free one)
  --host HOST          address to listen on (default 127.0.0.1)
  --universe ID        boomi-hub: also accept this universe id (repeatable)
  --config FILE        boomi-hub: accept the universe ids of this file's pipelines (default
                       pipelines.yaml, when it exists)
${shapeHelpLines().join('\n')}`,
};

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  demo,
  run,
  history,
  validate,
  synth,
  graph,
  simulate,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    if (command === 'help' && rest[0] && rest[0] in COMMANDS) {
      console.log(HELP[rest[0]]);
      return 0;
    }
    console.log(HELP.main);
    return command ? 0 : 2;
  }
  const handler = COMMANDS[command];
  if (!handler) throw new UsageError(`unknown command '${command}'\n\n${HELP.main}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(HELP[command]);
    return 0;
  }
  return handler(rest);
}

async function loadConfigFile(file: string): Promise<LoadedConfig> {
  const { loadConfig } = await import('../lib/config/load');
  return loadConfig(file);
}

async function validate(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: 'string', default: DEFAULT_CONFIG } }, strict: true, allowPositionals: false });
  const config = await loadConfigFile(values.config!);
  console.log(`${config.file}: ${config.pipelines.length} pipeline(s) OK`);
  for (const pipeline of config.pipelines) {
    const schedule = pipeline.schedule ? `${pipeline.schedule.expression}${pipeline.schedule.enabled ? '' : ' (disabled)'}` : 'no schedule';
    const pool = pipeline.slotPool ? `, slot pool ${pipeline.slotPool}` : '';
    console.log(`  ${pipeline.name} (${pipeline.system}, ${schedule}${pool}): ${pipeline.steps.map((s) => s.kind).join(' → ')}`);
  }
  for (const pool of config.slotPools) console.log(`  slot pool ${pool.name}: ${pool.limit} job(s) at once, shared by ${config.pipelines.filter((p) => p.slotPool === pool.name).length} pipeline(s)`);
  return 0;
}

async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG },
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
  const json = outputJson(values.output);
  const waitMs = optionalInt(values['wait-ms'], '--wait-ms');
  const retryMs = optionalInt(values['retry-ms'], '--retry-ms');
  const secrets = values.secrets ? readJsonFile(values.secrets, '--secrets') : {};
  const input = values.input ? parseJson(values.input, '--input') : {};
  const config = await loadConfigFile(values.config!);
  const { LocalSession, UnknownPipelineError } = await import('../lib/local/session');
  // Before synthesizing: a mistyped name should not cost a synth.
  const names = config.pipelines.map((p) => p.name);
  if (!names.includes(values.pipeline)) throw new UnknownPipelineError(values.pipeline, names);
  const session = await LocalSession.open(config, secrets);
  try {
    const report = await execute(session, values.pipeline, { baseUrl: values['base-url'], input, waitMs, retryMs, json });
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
      config: { type: 'string', default: DEFAULT_CONFIG },
      'wait-ms': { type: 'string', default: '300' },
      output: { type: 'string' },
    },
    strict: true,
  });
  const json = outputJson(values.output);
  const waitMs = optionalInt(values['wait-ms'], '--wait-ms');
  const setup = await demoSetup(values.system!);
  const config = await loadConfigFile(values.config!);
  const { LocalSession } = await import('../lib/local/session');
  const simulator = setup.simulator();
  const root = await simulator.start();
  const session = await LocalSession.open(config, setup.secrets);
  try {
    if (!json) {
      console.log(`Continuum demo: pipeline '${setup.pipeline}' (${values.system}) executed locally by aws-local-stepfunctions`);
      console.log(`  simulator: ${root}   execution input: ${JSON.stringify(setup.input)}\n`);
    }
    const report = await execute(session, setup.pipeline, { baseUrl: setup.baseUrl(root), input: setup.input, waitMs, retryMs: 200, json });
    return report.status === 'SUCCEEDED' ? 0 : 1;
  } finally {
    await session.close();
    await simulator.stop();
  }
}

/** The demo setup of a system (lib/local/demo.ts), or a usage error naming the systems that have one. */
async function demoSetup(system: string) {
  const { DEMOS, demoOf } = await import('../lib/local/demo');
  const setup = demoOf(system);
  if (!setup) throw new UsageError(`no demo for system '${system}' (systems with one: ${Object.keys(DEMOS).join(', ')})`);
  return setup;
}

async function execute(
  session: LocalSession,
  pipeline: string,
  options: { baseUrl?: string; input: Record<string, unknown>; waitMs?: number; retryMs?: number; json: boolean },
): Promise<RunReport> {
  const { jsonReport, summaryLines } = await import('../lib/local/progress');
  const { LiveProgress, plainProgress, progressMode } = await import('../lib/local/progress-view');
  const jobs = session.pipeline(pipeline).jobs; // throws UnknownPipelineError before anything runs
  const started = Date.now();
  const live = !options.json && progressMode(process.stdout) === 'live';
  const view = options.json ? undefined : live ? new LiveProgress(jobs, started, process.stdout).start() : plainProgress(started);
  // Ctrl-C during a live view: put the cursor back before exiting like an interrupted command.
  const interrupted = () => {
    view?.finish();
    process.exit(130);
  };
  if (view) process.once('SIGINT', interrupted);
  let report: RunReport;
  try {
    report = await session.run(pipeline, {
      baseUrl: options.baseUrl,
      input: options.input,
      waitMs: options.waitMs,
      retryMs: options.retryMs,
      onEvent: view ? (event) => view.onEvent(event) : undefined,
    });
  } finally {
    view?.finish();
    process.removeListener('SIGINT', interrupted);
  }
  await saveLastRun(report, options.input, jobs);
  if (options.json) console.log(JSON.stringify(jsonReport(report), null, 2));
  else console.log(`\n${summaryLines(report, { steps: !live }).join('\n')}`);
  return report;
}

/** Keep the run for `continuum history`; a read-only directory only costs a warning. */
async function saveLastRun(report: RunReport, input: Record<string, unknown>, jobs: readonly RunJob[]): Promise<void> {
  const { LAST_RUN_FILE, lastRunRecord, stateDir } = await import('../lib/local/history');
  const dir = stateDir();
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, LAST_RUN_FILE), `${JSON.stringify(lastRunRecord(report, input, jobs))}\n`);
  } catch (error) {
    console.error(`continuum: could not save the run's history in ${dir} (${(error as Error).message})`);
  }
}

async function history(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { events: { type: 'boolean', default: false }, output: { type: 'string' }, file: { type: 'string' } },
    strict: true,
  });
  const json = outputJson(values.output);
  const { LAST_RUN_FILE, eventLines, historyLines, parseLastRun, stateDir } = await import('../lib/local/history');
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
  if (json) console.log(JSON.stringify(run, null, 2));
  else console.log((values.events ? eventLines(run) : historyLines(run)).join('\n'));
  return 0;
}

async function synth(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG },
      out: { type: 'string', default: 'cdk.out' },
      'stack-name': { type: 'string' },
      'no-bundle': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const config = await loadConfigFile(values.config!);
  const { buildApp, movedWarning } = await import('../lib/app');
  const { placementFileFor, writePlacement } = await import('../lib/placement');
  const built = buildApp({
    config,
    stackName: values['stack-name'],
    bundle: !values['no-bundle'],
    appProps: { outdir: values.out },
  });
  const { app, placement, moved } = built;
  const assembly = app.synth();
  console.log(`Synthesized ${config.file} into ${assembly.directory}`);
  const warning = movedWarning(moved);
  if (warning) console.error(warning);
  const placementFile = placementFileFor(config.file);
  if (writePlacement(placementFile, placement)) console.log(`  wrote ${placementFile}: which stack each pipeline is in (commit it with ${config.file})`);
  for (const stack of assembly.stacks) {
    const resources = Object.values((stack.template as { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> }).Resources ?? {});
    const byType = new Map<string, number>();
    for (const resource of resources) byType.set(resource.Type, (byType.get(resource.Type) ?? 0) + 1);
    const machines = resources.filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
    console.log(`  stack ${stack.stackName}: ${join(assembly.directory, stack.templateFile)}`);
    console.log(`    state machines: ${machines.length}`);
    for (const machine of machines) console.log(`      ${String(machine.Properties?.StateMachineName ?? '(unnamed)')}`);
    console.log(`    resources: ${resources.length}`);
    for (const [type, count] of [...byType].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) console.log(`      ${String(count).padStart(3)}  ${type}`);
  }
  // Where things will be after the deploy, and what a team's own alert topic must allow.
  const { deployNotes } = await import('../lib/deploy/outputs');
  for (const line of deployNotes(built)) console.log(line);
  return 0;
}

const FORMATS = ['mermaid', 'svg', 'png'] as const;

async function graph(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG },
      pipeline: { type: 'string' },
      out: { type: 'string', default: 'diagrams' },
      format: { type: 'string', default: FORMATS.join(',') },
      width: { type: 'string' },
      level: { type: 'string', default: 'steps' },
    },
    strict: true,
  });
  const formats = values.format!.split(',').map((f) => f.trim());
  const unknown = formats.filter((f) => !(FORMATS as readonly string[]).includes(f));
  if (unknown.length || formats.length === 0) throw new UsageError(`--format takes a comma-separated subset of ${FORMATS.join(',')}, got '${values.format}'`);
  const width = optionalInt(values.width, '--width');
  if (width !== undefined && (width < 100 || width > 20_000)) throw new UsageError(`--width takes 100 to 20000 pixels, got ${width}`);
  const { DIAGRAM_LEVELS, pipelineGraph } = await import('../lib/diagram/graph');
  const level = DIAGRAM_LEVELS.find((l) => l === values.level);
  if (!level) throw new UsageError(`--level takes ${DIAGRAM_LEVELS.join(' or ')}, got '${values.level}'`);

  const config = await loadConfigFile(values.config!);
  const { UnknownPipelineError } = await import('../lib/local/session');
  const names = config.pipelines.map((p) => p.name);
  if (values.pipeline && !names.includes(values.pipeline)) throw new UnknownPipelineError(values.pipeline, names);
  const { synthesizeForLocalRun } = await import('../lib/local/synthesized');
  const { toDot, toPng, toSvg } = await import('../lib/diagram/graphviz');
  const { toMermaid } = await import('../lib/diagram/mermaid');
  const app = synthesizeForLocalRun(config);
  const selected = [...app.pipelines.values()].filter((p) => !values.pipeline || p.config.name === values.pipeline);

  mkdirSync(values.out!, { recursive: true });
  for (const pipeline of selected) {
    const name = pipeline.config.name;
    const written: string[] = [];
    const write = (file: string, content: string | Buffer) => {
      const path = join(values.out!, file);
      writeFileSync(path, content);
      written.push(`${path} (${formatBytes(Buffer.byteLength(content))})`);
    };
    const diagram = pipelineGraph(pipeline, level);
    if (formats.includes('mermaid')) write(`${name}.mmd`, `${toMermaid(diagram)}\n`);
    if (formats.includes('svg') || formats.includes('png')) {
      const svg = await toSvg(toDot(diagram, `${name} (${pipeline.config.system})`));
      if (formats.includes('svg')) write(`${name}.svg`, svg);
      if (formats.includes('png')) write(`${name}.png`, toPng(svg, width));
    }
    console.log(`${name}: ${Object.keys(pipeline.definition.States).length} top-level states`);
    for (const line of written) console.log(`  ${line}`);
  }
  return 0;
}

async function simulate(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      system: { type: 'string', default: 'tamr-mastering' },
      port: { type: 'string', default: '9100' },
      host: { type: 'string', default: '127.0.0.1' },
      universe: { type: 'string', multiple: true },
      config: { type: 'string' },
      ...shapeParseArgsOptions(),
    },
    strict: true,
  });
  const port = optionalInt(values.port, '--port')!;
  if (port > 65535) throw new UsageError(`--port takes 0 to 65535, got ${port}`);
  const setup = await demoSetup(values.system!);
  let shape;
  try {
    shape = shapeFromArgs(values.system as SimulatedSystem, values);
  } catch (error) {
    if (error instanceof SimulatorShapeError) throw new UsageError(error.message);
    throw error;
  }
  const universes = values.system === 'boomi-hub' ? await boomiUniverses(values.universe ?? [], values.config) : undefined;
  const { FAULT_KINDS } = await import('../lib/local/simulators/http-simulator');
  const simulator = setup.simulator({ shape, universes });
  let root: string;
  try {
    root = await simulator.start(port, values.host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use: pick another with --port (0 picks a free one)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot listen on ${values.host}: ${code}`);
    throw error;
  }
  const secretsExample = JSON.stringify(setup.secrets);
  const lines = [
    `${values.system} simulator listening on ${root}`,
    `  API base URL:  ${setup.baseUrl(root)}`,
    `  state:         GET    ${root}/__simulator/state`,
    `  faults:        POST   ${root}/__simulator/faults   e.g. {"fault":{"kind":"status","status":429},"times":2}`,
    `                 DELETE ${root}/__simulator/faults   (clear queued faults)`,
    `  fault kinds:   ${Object.values(FAULT_KINDS).join(', ')}; optional "method", "path"`,
    ...(describeShape(shape) ? [`  shape:         ${describeShape(shape)}`] : []),
    ...simulator.bannerLines().map((line) => `  ${line}`),
    `  demo credentials (secret name → value): ${secretsExample}`,
    '',
    'Run the example pipeline against it (in another terminal):',
    `  echo '${secretsExample}' > secrets.json`,
    `  npx continuum run --pipeline ${setup.pipeline} --secrets secrets.json --base-url ${setup.baseUrl(root)} --input '${JSON.stringify(setup.input)}' --wait-ms 500`,
    '',
    'Requests are printed as they are answered. Ctrl-C stops the simulator.',
  ];
  console.log(lines.join('\n'));

  // Print requests as they are answered (a hung request shows up once it is 2 s old).
  let printed = 0;
  const log = setInterval(() => {
    while (printed < simulator.requests.length) {
      const request = simulator.requests[printed];
      if (request.status === undefined && Date.now() - request.at < 2000) break;
      console.log(`${new Date().toISOString()}  ${request.method.padEnd(6)} ${request.path}${queryString(request.query)} → ${request.status ?? 'no answer'}`);
      printed += 1;
    }
  }, 200);

  return new Promise<number>((resolve) => {
    const stop = () => {
      clearInterval(log);
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      void simulator.stop().then(() => {
        console.log(`\n${values.system} simulator stopped`);
        resolve(0);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** The universe ids a Boomi Hub simulator accepts: --universe ones, then the config's; none given keeps the demo's. */
async function boomiUniverses(given: string[], config: string | undefined): Promise<string[] | undefined> {
  const { existsSync } = await import('node:fs');
  const file = config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  const fromConfig = file ? (await loadConfigFile(file)).pipelines.flatMap((p) => (p.system === 'boomi-hub' ? [p.universeId] : [])) : [];
  const ids = [...new Set([...given, ...fromConfig])];
  return ids.length ? ids : undefined;
}

function queryString(query: Record<string, string>): string {
  const text = new URLSearchParams(query).toString();
  return text ? `?${text}` : '';
}

function formatBytes(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

function outputJson(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value !== 'json') throw new UsageError(`--output takes 'json', got '${value}'`);
  return true;
}

function optionalInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`${flag} takes a whole number, got '${value}'`);
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
    const name = (error as Error)?.name;
    if (name === 'ConfigError') console.error(`Invalid config:\n${(error as Error).message}`);
    // Errors the user can fix (lib/contract/errors.ts): the message, never a stack trace.
    else if (exitCodeOf(error) !== undefined) console.error(`continuum: ${(error as Error).message}`);
    else if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) console.error(`continuum: ${(error as Error).message}`);
    else {
      console.error(error);
      process.exit(1);
    }
    process.exit(exitCodeOf(error) ?? 2);
  },
);
