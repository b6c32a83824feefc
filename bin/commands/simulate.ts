import { existsSync } from 'node:fs';
import { describeShape, SHAPE_OPTIONS, shapeHelpLines, shapeFromArgs, SimulatorShapeError, type SimulatedSystem } from '../../lib/local/simulators/shape';
import { defineCommand, UsageError } from './declare';
import { DEFAULT_CONFIG, demoSetup, loadConfigFile } from './shared';

/** The shape options (job length, failing and never-finishing steps, quarantine), declared by the simulators. */
const shapeOptions = Object.fromEntries(
  SHAPE_OPTIONS.map((option) => [option.name, { type: 'string' as const, value: option.value, help: option.help, ...(option.multiple ? { multiple: true as const } : {}) }]),
) as Record<(typeof SHAPE_OPTIONS)[number]['name'], { type: 'string'; value: string; help: string; multiple?: true }>;

export const simulateCommand = defineCommand({
  name: 'simulate',
  summary: 'Start a vendor API simulator and keep it running',
  description: `Starts the system's vendor API simulator and keeps it running until Ctrl-C. Prints its URL,
the control endpoints (state, fault injection), the demo credentials and the command that runs
the system's example pipeline against it. Each request it answers is printed.`,
  options: {
    system: { type: 'string', value: 'SYSTEM', help: 'which vendor API', default: 'tamr-mastering' },
    port: { type: 'integer', value: 'N', help: 'port to listen on (0 picks a free one)', default: 9100, max: 65535 },
    host: { type: 'string', value: 'HOST', help: 'address to listen on', default: '127.0.0.1' },
    universe: { type: 'string', value: 'ID', help: 'boomi-hub: also accept this universe id (repeatable)', multiple: true },
    config: { type: 'string', value: 'FILE', help: "boomi-hub: accept the universe ids of this file's pipelines (default pipelines.yaml, when it exists)" },
    ...shapeOptions,
  },
  notes: shapeHelpLines().slice(shapeHelpLines().indexOf('') + 1).join('\n'),
  async run(values) {
    const { port, host, system } = values;
    const setup = await demoSetup(system);
    let shape;
    try {
      shape = shapeFromArgs(system as SimulatedSystem, values);
    } catch (error) {
      if (error instanceof SimulatorShapeError) throw new UsageError(error.message);
      throw error;
    }
    const universes = system === 'boomi-hub' ? await boomiUniverses(values.universe, values.config) : undefined;
    const { FAULT_KINDS } = await import('../../lib/local/simulators/http-simulator');
    const simulator = setup.simulator({ shape, universes });
    let root: string;
    try {
      root = await simulator.start(port, host);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use: pick another with --port (0 picks a free one)`);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot listen on ${host}: ${code}`);
      throw error;
    }
    const secretsExample = JSON.stringify(setup.secrets);
    const lines = [
      `${system} simulator listening on ${root}`,
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
          console.log(`\n${system} simulator stopped`);
          resolve(0);
        });
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  },
});

/** The universe ids a Boomi Hub simulator accepts: --universe ones, then the config's; none given keeps the demo's. */
async function boomiUniverses(given: readonly string[], config: string | undefined): Promise<string[] | undefined> {
  const file = config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  const fromConfig = file ? (await loadConfigFile(file)).pipelines.flatMap((p) => (p.system === 'boomi-hub' ? [p.universeId] : [])) : [];
  const ids = [...new Set([...given, ...fromConfig])];
  return ids.length ? ids : undefined;
}

function queryString(query: Record<string, string>): string {
  const text = new URLSearchParams(query).toString();
  return text ? `?${text}` : '';
}
