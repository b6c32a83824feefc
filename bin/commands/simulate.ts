import { defineCommand, UsageError } from './declare';
import { demoSetup } from './shared';

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
  },
  async run(values) {
    const { port, host, system } = values;
    const setup = await demoSetup(system);
    const { FAULT_KINDS } = await import('../../lib/local/simulators/http-simulator');
    const simulator = setup.simulator();
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

function queryString(query: Record<string, string>): string {
  const text = new URLSearchParams(query).toString();
  return text ? `?${text}` : '';
}
