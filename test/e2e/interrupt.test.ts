/**
 * Ctrl-C on `continuum run` as a user presses it (#14 item 1): a child process runs a Tamr Cloud
 * pipeline of three loads against the simulator in this process; once the simulator has created
 * the three jobs (its own state, not a sleep) the test sends SIGINT. The run aborts, the cleanup
 * (the deployed cleaner's code) stops each job, the history is saved as ABORTED and the CLI
 * exits 130. A second signal exits at once and names the jobs that may still run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TamrCloudSimulator } from '../../lib/local/simulators/tamr-cloud';
import { until } from '../support/local-run';

const CONFIG = `
pipelines:
  - name: three-loads
    system: tamr-cloud
    tenant: e2e
    secretName: continuum/tamr-cloud
    jobLimit: 3
    polling: { initialIntervalSeconds: 1, maxIntervalSeconds: 1, backoffRate: 1, timeoutMinutes: 60 }
    steps:
      - kind: load
        sourceIds: [src_a, src_b, src_c]
      - kind: updateDataProduct
        dataProductId: dp_main
`;

let dir: string;
let sim: TamrCloudSimulator;
let child: ChildProcess | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'continuum-interrupt-'));
  await writeFile(join(dir, 'pipelines.yaml'), CONFIG);
  await writeFile(join(dir, 'secrets.json'), JSON.stringify({ 'continuum/tamr-cloud': { apiKey: 'apk_interrupt' } }));
  // Loads that would run for an hour: only a stop ends them.
  sim = new TamrCloudSimulator({ apiKey: 'apk_interrupt', jobDurationMs: 3_600_000, stopDelayMs: 50 });
  await sim.start();
});

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

const env = () => ({ ...process.env, CI: 'true', CONTINUUM_STATE_DIR: join(dir, 'state') });

/** `continuum run` of the three loads, its output collected and its exit awaited. */
function startRun() {
  const args = ['bin/continuum.mjs', 'run', '--config', join(dir, 'pipelines.yaml'), '--pipeline', 'three-loads', '--secrets', join(dir, 'secrets.json')];
  const proc = spawn('node', [...args, '--base-url', `${sim.url}/api/v1beta1`, '--wait-ms', '50', '--retry-ms', '20'], { env: env() });
  child = proc;
  const out = { stdout: '', stderr: '' };
  proc.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, out, exit };
}

function continuum(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const proc = spawn('node', ['bin/continuum.mjs', ...args], { env: env() });
    let stdout = '';
    proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    proc.on('exit', (code) => resolve({ code, stdout }));
  });
}

const loads = () => sim.jobs.filter((j) => j.configuration.load);

// Node, tsx and a synth per child process: many seconds on a busy machine (bounds, not timings).
describe('Ctrl-C on continuum run', { timeout: 240_000 }, () => {
  it('stops each of the three running loads, saves the run as ABORTED and exits 130', async () => {
    const run = startRun();
    await until(() => loads().length === 3, 180_000);
    run.proc.kill('SIGINT');
    const code = await run.exit;

    expect(code, run.out.stderr).toBe(130);
    const ids = loads().map((j) => j.jobId);
    expect([...sim.stopRequests].sort()).toEqual([...ids].sort());
    for (const id of ids) expect(run.out.stdout).toContain(`stopped remote job ${id}`);
    expect(run.out.stdout).toContain('SIGINT: aborting the execution');
    // Nothing after the loads was submitted.
    expect(sim.jobs.some((j) => j.configuration.update)).toBe(false);

    const history = await continuum(['history']);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/of pipeline 'three-loads': ABORTED/);
  });

  it('a second signal exits at once with 130 and names the jobs that may still run', async () => {
    // Every stop hangs: the cleanup cannot finish before the second signal.
    sim.injectFault({ fault: { kind: 'hang' }, method: 'POST', path: /:stop$/, times: Infinity });
    const run = startRun();
    await until(() => loads().length === 3, 180_000);
    run.proc.kill('SIGINT');
    await until(() => sim.requestsTo('POST', /:stop$/).length >= 1, 60_000);
    run.proc.kill('SIGINT');
    const code = await run.exit;

    expect(code, run.out.stderr).toBe(130);
    expect(run.out.stdout).toContain('SIGINT again: exiting now. These remote jobs may still run');
    const mayRun = run.out.stdout.slice(run.out.stdout.indexOf('may still run'));
    for (const job of loads()) expect(mayRun).toContain(job.jobId);
  });
});
