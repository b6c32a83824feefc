/**
 * The `continuum` command as a user runs it (a child process), against a simulator in this
 * process: exit codes 0 / 1 / 2, the `--output json` report and the config errors.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TamrMasteringSimulator } from '../lib/local/simulators/tamr-mastering';

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function continuum(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('node', ['bin/continuum.mjs', ...args], { env: { ...process.env, CI: 'true' }, timeout: 170_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let sim: TamrMasteringSimulator;
let dir: string;
let secretsFile: string;

beforeAll(async () => {
  sim = new TamrMasteringSimulator({ operationDurationMs: 100 });
  await sim.start();
  dir = await mkdtemp(join(tmpdir(), 'continuum-cli-'));
  secretsFile = join(dir, 'secrets.json');
  await writeFile(secretsFile, JSON.stringify({ 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } }));
});

afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

const runArgs = (...extra: string[]) => ['run', '--pipeline', 'tamr-mastering-demo', '--secrets', secretsFile, '--base-url', sim.url, '--wait-ms', '20', '--retry-ms', '10', ...extra];

// Each call starts Node, tsx and an in-process synth: seconds each, more on a loaded machine.
describe('continuum run', { timeout: 180_000 }, () => {
  it('exits 0 and prints one JSON report with every step', async () => {
    const result = await continuum(runArgs('--output', 'json', '--input', '{"mlConfigurationChanged": true}'));

    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { status: string; steps: Array<{ name: string; remoteId: string | null; finalState: string; polls: number }>; stateTransitions: number };
    expect(report.status).toBe('SUCCEEDED');
    expect(report.steps).toHaveLength(6);
    expect(report.steps[0]).toEqual({ name: 'Update dataset records', remoteId: null, finalState: 'SUCCEEDED', polls: 0 });
    expect(report.steps[1]).toMatchObject({ name: 'Refresh unified dataset', remoteId: expect.stringMatching(/^\d+$/), finalState: 'SUCCEEDED' });
    expect(report.steps[1].polls).toBeGreaterThan(0);
    expect(report.stateTransitions).toBeGreaterThan(30);
    // With --output json the first line goes to stderr: stdout holds only the document.
    expect(result.stderr).toContain("Synthesizing pipelines.yaml to run 'tamr-mastering-demo' locally…");
  });

  it('exits 1 and prints the error and the operation message when a step fails', async () => {
    sim.failNext('Spark job 42 lost its executors', 'recordPairs');
    const result = await continuum(runArgs());

    expect(result.code).toBe(1);
    // First what it is doing (before the seconds of synthesis), then the run header; no spinner off a terminal.
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe("Synthesizing pipelines.yaml to run 'tamr-mastering-demo' locally…");
    expect(lines[1]).toBe(`Running 'tamr-mastering-demo' (tamr-mastering) against ${sim.url}`);
    expect(lines[2]).toMatch(/^ {2}execution: local-[0-9a-f-]{36}$/);
    expect(result.stdout).not.toMatch(/\x1b|⠋/);
    expect(result.stdout).toContain('✖ FAILED: TamrOperationFailed');
    expect(result.stdout).toContain('Spark job 42 lost its executors');
    // Progress lines name the steps as they run.
    expect(result.stdout).toMatch(/Refresh record pairs\s+id \d+\s+PENDING/);
  });

  it('exits 2 with file, path and reason for an invalid config', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'pipelines:\n  - name: x\n    system: tamr-mastering\n    baseUrl: https://t\n    secretName: s\n    steps:\n      - kind: refreshRecordPairs\n');
    const result = await continuum(['run', '--config', file, '--pipeline', 'x']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}: pipelines[0].steps[0].project: required`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for an unknown pipeline or a missing flag', async () => {
    const unknown = await continuum(['run', '--pipeline', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no pipeline named 'nope' (known: tamr-mastering-demo");

    // The execution input is checked against the pipeline's input schema, as `continuum start` checks it.
    const typo = await continuum(['run', '--pipeline', 'tamr-mastering-demo', '--input', '{"mlConfigurationchanged": true}']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("--input: mlConfigurationchanged: unknown input field; did you mean 'mlConfigurationChanged'?");
    expect(typo.stderr).toContain('Nothing was run.');

    const missing = await continuum(['run']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--pipeline is required');
  });
});
