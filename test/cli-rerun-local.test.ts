/**
 * Starting a local run at a step, as a user does it (`node bin/continuum.mjs …`, child processes,
 * a private state dir) against a Tamr Mastering simulator in this process: `run --from-step`, the
 * input check of `run --input`, the kept runs of `history --list` / `--run`, and a local rerun of
 * a failed run, which starts at the failed step (the simulator sees no call of an earlier step).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rerunLocal } from '../bin/commands/rerun-local';
import { TamrMasteringSimulator } from '../lib/local/simulators/tamr-mastering';

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const V1 = '/api/versioned/v1';
let sim: TamrMasteringSimulator;
let dir: string;
let stateDir: string;
let secretsFile: string;

function continuum(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const env = { ...process.env, CI: 'true', CONTINUUM_STATE_DIR: stateDir };
    execFile('node', ['bin/continuum.mjs', ...args], { env, timeout: 170_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const run = (...extra: string[]) =>
  continuum(['run', '--pipeline', 'tamr-mastering-demo', '--secrets', secretsFile, '--base-url', sim.url, '--wait-ms', '20', '--retry-ms', '10', '--output', 'json', ...extra]);
const posts = () => sim.requests.filter((r) => r.method === 'POST').map((r) => r.path);
const earlierSteps = /updateRecords|unifiedDataset|recipes|recordPairs/;

beforeAll(async () => {
  sim = new TamrMasteringSimulator({ operationDurationMs: 60 });
  await sim.start();
  dir = await mkdtemp(join(tmpdir(), 'continuum-rerun-'));
  stateDir = join(dir, 'state');
  secretsFile = join(dir, 'secrets.json');
  await writeFile(secretsFile, JSON.stringify({ 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } }));
});

afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  sim.requests.length = 0;
});

// Each run starts Node, tsx and an in-process synth: seconds each, more on a loaded machine.
describe('continuum run at a step', { timeout: 180_000 }, () => {
  it('--from-step runs only the named step and those after it', async () => {
    const result = await run('--from-step', 'Refresh record clusters');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { status: string; steps: Array<{ name: string; finalState: string }> };
    expect(report.steps.map((s) => s.finalState)).toEqual(['SKIPPED', 'SKIPPED', 'SKIPPED', 'SKIPPED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(posts()).toEqual([`${V1}/projects/1/recordClusters:refresh`, `${V1}/datasets/5:refresh`]);
    expect(sim.requests.filter((r) => earlierSteps.test(r.path))).toEqual([]);
  });

  it('refuses an unknown step or input field with exit 2, naming the right ones, and runs nothing', async () => {
    const step = await run('--from-step', 'Refresh record cluster');
    expect(step.code).toBe(2);
    expect(step.stderr).toContain("--from-step: pipeline 'tamr-mastering-demo' has no step 'Refresh record cluster' (did you mean 'Refresh record clusters'?); its steps: 'Update dataset records'");
    expect(step.stderr).toContain("'Update dataset records', 'Refresh unified dataset', 'Update recipe', 'Refresh record pairs', 'Refresh record clusters', 'Refresh dataset export'");

    // The typo: accepted silently before, the recipe step skipped and the run SUCCEEDED.
    const typo = await run('--input', '{"mlConfigurationchanged": true}');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("--input: mlConfigurationchanged: unknown input field; did you mean 'mlConfigurationChanged'?");
    expect(typo.stdout).toBe('');
    expect(sim.requests).toEqual([]);
  });

  let failedRunId: string;

  it('keeps the runs for history --list and --run', async () => {
    sim.failNext('Spark job 42 lost its executors', 'recordClusters');
    const failed = await run('--input', '{"mlConfigurationChanged": true}');
    expect(failed.code).toBe(1);
    expect(posts().at(-1)).toBe(`${V1}/projects/1/recordClusters:refresh`);

    const list = await continuum(['history', '--list', '--output', 'json']);
    expect(list.code, list.stderr).toBe(0);
    const runs = JSON.parse(list.stdout) as Array<{ id: string; pipeline: string; status: string; start: string; durationSeconds: number }>;
    expect(runs.length).toBeGreaterThanOrEqual(2); // this one and the --from-step run, newest first
    expect(runs[0]).toMatchObject({ id: expect.stringMatching(/^local-/), pipeline: 'tamr-mastering-demo', status: 'FAILED' });
    expect(runs[0].durationSeconds).toBeGreaterThan(0);
    expect(runs.slice(1).every((r) => r.start <= runs[0].start)).toBe(true);
    const table = await continuum(['history', '--list']);
    expect(table.stdout).toMatch(new RegExp(`^${runs[0].id}\\s+tamr-mastering-demo\\s+FAILED\\s+\\S+\\s+\\d+\\.\\ds$`, 'm'));
    const shown = await continuum(['history', '--run', runs[0].id.slice(0, 14)]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.split('\n')[0]).toBe(`Execution ${runs[0].id} of pipeline 'tamr-mastering-demo': FAILED`);
    expect((await continuum(['history', '--run', 'local-nope'])).code).toBe(2);
    failedRunId = runs[0].id;
  });

  it('a failed run is rerun with its own input from the step that failed, and a run that succeeded is not', async () => {
    const rerun = await rerunLocal(failedRunId, stateDir);
    expect(rerun).toEqual({ runId: failedRunId, pipeline: 'tamr-mastering-demo', fromStep: 'Refresh record clusters', input: { mlConfigurationChanged: true, fromStep: 'Refresh record clusters' } });
    sim.requests.length = 0;
    // `continuum rerun RUN_ID` as a user types it (the id from `history --list`).
    const again = await continuum(['rerun', failedRunId, '--secrets', secretsFile, '--base-url', sim.url, '--wait-ms', '20', '--retry-ms', '10', '--output', 'json']);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { status: string }).status).toBe('SUCCEEDED');
    expect(posts()).toEqual([`${V1}/projects/1/recordClusters:refresh`, `${V1}/datasets/5:refresh`]);
    expect(sim.requests.filter((r) => earlierSteps.test(r.path))).toEqual([]);

    // A run that succeeded is not rerun.
    const latest = (JSON.parse((await continuum(['history', '--list', '--output', 'json'])).stdout) as Array<{ id: string; status: string }>)[0];
    expect(latest.status).toBe('SUCCEEDED');
    await expect(rerunLocal(latest.id, stateDir)).rejects.toThrow(/succeeded: only a run that failed, timed out or was aborted is rerun/);
    await expect(rerunLocal('local-nope', stateDir)).rejects.toMatchObject({ name: 'RunNotKeptError' });
    expect((await continuum(['rerun', latest.id])).code).toBe(2);
  });
});
