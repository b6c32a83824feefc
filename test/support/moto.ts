/**
 * A real AWS API endpoint on 127.0.0.1: moto's server (`python3 -m moto.server`, preinstalled on
 * these machines). Tests start one per file and stop it; where python3 or moto is absent they skip
 * with `MOTO_MISSING` as the reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export const MOTO_MISSING = (() => {
  const probe = spawnSync('python3', ['-c', 'import moto.server'], { encoding: 'utf8' });
  return probe.status === 0 ? undefined : 'moto is not installed (python3 -m moto.server): the tests against a local AWS API are skipped';
})();

export interface MotoServer {
  readonly endpoint: string;
  /** Environment for SDK clients and CLI child processes pointed at this server. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * moto 5.2.1's executing backend deep-copies the state machine on every StartExecution, and
 * through its backend every earlier execution, whose worker holds locks: the second start of the
 * server fails (500, "cannot pickle '_thread.RLock'"). An execution copied as itself fixes that.
 */
const EXECUTING_SERVER = `
import sys
from moto.stepfunctions.parser.backend.execution import Execution
Execution.__deepcopy__ = lambda self, memo: self
from moto.server import main
main(sys.argv[1:])
`;

export interface MotoOptions {
  /**
   * Step Functions executes the definitions (moto's \`execute_state_machine\`: Pass, Choice, Fail…
   * run; Lambda tasks cannot, there is no Lambda runtime here). @default false: executions stay
   * RUNNING and GetExecutionHistory answers a fixed four-event history
   */
  readonly executeStateMachines?: boolean;
}

export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const port = await freePort();
  const server = options.executeStateMachines ? ['-c', EXECUTING_SERVER] : ['-m', 'moto.server'];
  const child = spawn('python3', [...server, '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const endpoint = `http://127.0.0.1:${port}`;
  await ready(child, endpoint);
  if (options.executeStateMachines) {
    await fetch(`${endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }) });
  }
  return {
    endpoint,
    env: { AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_EC2_METADATA_DISABLED: 'true' },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Waits for the server's own log line that it listens, then for an HTTP answer: events, not a sleep. */
async function ready(child: ChildProcess, endpoint: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let log = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (/Running on/.test(log)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`moto.server exited (${code}): ${log.slice(-500)}`)));
  });
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      return;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
