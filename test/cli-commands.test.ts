/**
 * Every `continuum` command as a user runs it (`node bin/continuum.mjs …`, a child process):
 * help, synth, graph, history after a run, and simulate (a long-running server stopped by Ctrl-C).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../lib/config/load';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TamrMasteringSimulator } from '../lib/local/simulators/tamr-mastering';

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dir: string;
let stateDir: string;

/** Plain progress (CI set) and a private .continuum directory, so runs here touch nothing else. */
const env = () => ({ ...process.env, CI: 'true', CONTINUUM_STATE_DIR: stateDir });

function continuum(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile('node', ['bin/continuum.mjs', ...args], { env: env(), timeout: 170_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'continuum-cli-commands-'));
  stateDir = join(dir, 'state');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const COMMANDS = ['demo', 'run', 'watch', 'history', 'validate', 'synth', 'graph', 'simulate'];

// Each call starts Node and tsx (and most an in-process synth): seconds each, more on a busy machine.
describe('continuum', { timeout: 180_000 }, () => {
  it('--help lists every command; each command has its own --help; exit 0', async () => {
    const main = await continuum(['--help']);
    expect(main.code).toBe(0);
    for (const command of COMMANDS) expect(main.stdout).toMatch(new RegExp(`^  ${command}\\s+\\S`, 'm'));

    const helps = await Promise.all(COMMANDS.map((command) => continuum([command, '--help'])));
    helps.forEach((help, i) => {
      expect(help.code, COMMANDS[i]).toBe(0);
      expect(help.stdout, COMMANDS[i]).toMatch(new RegExp(`^continuum ${COMMANDS[i]}\\b`));
      expect(help.stdout, COMMANDS[i]).toMatch(/--\w/);
    });
    expect((await continuum(['help', 'graph'])).stdout).toBe(helps[COMMANDS.indexOf('graph')].stdout);
    // simulate's help names every shape option and each system's steps.
    const simulateHelp = helps[COMMANDS.indexOf('simulate')].stdout;
    for (const option of ['--job-seconds N', '--fail STEP', '--never-finish STEP', '--quarantine RATIO']) expect(simulateHelp).toContain(option);
    const steps = simulateHelp.replace(/,\n +/g, ', '); // long step lists wrap onto indented lines
    expect(steps).toMatch(/^ {2}tamr-mastering: +refreshUnifiedDataset, refreshRecordPairs, refreshRecordClusters, refreshDataset, populateRecipe$/m);
    expect(steps).toMatch(/^ {2}tamr-cloud: +load, update, publish$/m);
    expect(steps).toMatch(/^ {2}crossing-minds: +ml_model_retrain, .*, reco_export, /m);
    expect(steps).toMatch(/^ {2}boomi-hub: +batch$/m);
  });

  it('exits 2 with a message for a bad command or option, without a stack trace', async () => {
    const results = await Promise.all([
      continuum([]),
      continuum(['frobnicate']),
      continuum(['graph', '--format', 'gif']),
      continuum(['simulate', '--system', 'nope']),
      continuum(['synth', '--bogus']),
      continuum(['simulate', '--system', 'tamr-mastering', '--fail', 'refreshPairs']),
      continuum(['simulate', '--system', 'tamr-cloud', '--quarantine', '0.2']),
      continuum(['graph', '--level', 'nodes']),
    ]);
    for (const result of results) {
      expect(result.code).toBe(2);
      expect(result.stderr + result.stdout).not.toMatch(/\n\s+at /);
    }
    expect(results[1].stderr).toContain("unknown command 'frobnicate'");
    expect(results[2].stderr).toContain('--format takes a comma-separated subset of mermaid,svg,png');
    expect(results[3].stderr).toContain("no demo for system 'nope' (systems with one: tamr-mastering");
    expect(results[4].stderr).toMatch(/Unknown option '--bogus'/);
    expect(results[5].stderr).toContain("--fail: tamr-mastering has no step 'refreshPairs'; did you mean 'refreshRecordPairs'?");
    expect(results[6].stderr).toContain('--quarantine: only the boomi-hub simulator quarantines entities, not tamr-cloud');
    expect(results[7].stderr).toContain("--level takes 'steps' or 'states', got 'nodes'");
  });

  it('synth writes the cloud assembly and summarizes it', async () => {
    const out = join(dir, 'cdk.out');
    const result = await continuum(['synth', '--out', out]);

    expect(result.code, result.stderr).toBe(0);
    const template = JSON.parse(await readFile(join(out, 'Continuum.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const types = Object.values(template.Resources).map((r) => r.Type);
    const pipelines = loadConfig('pipelines.yaml').pipelines.map((p) => p.name);
    expect(types.filter((t) => t === 'AWS::StepFunctions::StateMachine')).toHaveLength(pipelines.length);
    expect(result.stdout).toContain(`Synthesized pipelines.yaml into ${out}`);
    expect(result.stdout).toContain(`stack Continuum: ${join(out, 'Continuum.template.json')}`);
    expect(result.stdout).toContain(`state machines: ${pipelines.length}\n`);
    for (const name of pipelines) expect(result.stdout).toMatch(new RegExp(`\\n\\s+Continuum-${name}\\n`));
    expect(result.stdout).toContain(`resources: ${types.length}`);
    expect(result.stdout).toMatch(/\d+ {2}AWS::Lambda::Function/);
    // Where things will be after the deploy (lib/deploy/outputs.ts).
    expect(result.stdout).toContain('outputs of Continuum (after cdk deploy: aws cloudformation describe-stacks');
    for (const name of pipelines) expect(result.stdout).toContain(`:stateMachine:Continuum-${name}\n`);
    expect(result.stdout).toMatch(/\n\s+DashboardUrl\s+https:\/\/<region>\.console\.aws\.amazon\.com\/cloudwatch\//);
    // Bundled handlers, as cdk deploy would upload them.
    // One bundle directory per handler, shared by the functions that run it for different
    // connections (file assets, `asset.<hash>.<ext>`, are the local records files).
    const assets = (await readdir(out)).filter((f) => /^asset\.[0-9a-f]+$/.test(f));
    expect(assets.length).toBeGreaterThan(0);
    expect(assets.length).toBeLessThanOrEqual(types.filter((t) => t === 'AWS::Lambda::Function').length);
    expect((await stat(join(out, assets[0], 'index.mjs'))).size).toBeGreaterThan(1000);
  });

  it('graph writes Mermaid, SVG and PNG files for each pipeline, one node per step by default', async () => {
    const out = join(dir, 'diagrams');
    const result = await continuum(['graph', '--out', out]);

    expect(result.code, result.stderr).toBe(0);
    const pipelines = loadConfig('pipelines.yaml').pipelines.map((p) => p.name);
    expect((await readdir(out)).sort()).toEqual(pipelines.flatMap((name) => [`${name}.mmd`, `${name}.png`, `${name}.svg`]).sort());
    expect(await readFile(join(out, 'tamr-mastering-demo.mmd'), 'utf8')).toMatch(/^stateDiagram-v2\n/);
    const svg = await readFile(join(out, 'tamr-mastering-demo.svg'), 'utf8');
    expect(svg).toContain('Refresh record clusters');
    expect(svg).not.toContain('Get record clusters status'); // a state inside the step's polling loop
    const png = await readFile(join(out, 'tamr-mastering-demo.png'));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    // Natural size (4/3 px per SVG point), not stretched to a fixed width.
    const viewBoxWidth = Number(/viewBox="[\d.]+ [\d.]+ ([\d.]+) /.exec(svg)![1]);
    expect(Math.abs(png.readUInt32BE(16) - (viewBoxWidth * 4) / 3)).toBeLessThanOrEqual(1);
    expect(result.stdout).toContain(`${join(out, 'tamr-mastering-demo.png')} (`);
  });

  it('graph --level states draws every state', async () => {
    const out = join(dir, 'states');
    const result = await continuum(['graph', '--level', 'states', '--pipeline', 'tamr-mastering-demo', '--format', 'mermaid,svg', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(join(out, 'tamr-mastering-demo.svg'), 'utf8')).toContain('Get record clusters status');
    expect(await readFile(join(out, 'tamr-mastering-demo.mmd'), 'utf8')).toContain('state "Get record clusters status"');
  });

  it('graph --pipeline --format --width writes only what was asked', async () => {
    const only = await continuum(['graph', '--pipeline', 'tamr-mastering-demo', '--format', 'png', '--width', '800', '--out', join(dir, 'png-only')]);
    expect(only.code, only.stderr).toBe(0);
    expect(await readdir(join(dir, 'png-only'))).toEqual(['tamr-mastering-demo.png']);
    expect((await readFile(join(dir, 'png-only', 'tamr-mastering-demo.png'))).readUInt32BE(16)).toBe(800);
  });

  it('graph exits 2 for an unknown pipeline', async () => {
    const unknown = await continuum(['graph', '--pipeline', 'nope', '--out', join(dir, 'none')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no pipeline named 'nope'");
  });

  describe('history', () => {
    let sim: TamrMasteringSimulator;
    beforeAll(async () => {
      sim = new TamrMasteringSimulator({ operationDurationMs: 100 });
      await sim.start();
    });
    afterAll(async () => {
      await sim.stop();
    });

    it('exits 2 before any run was recorded', async () => {
      const result = await continuum(['history']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no local run recorded yet');
    });

    it('shows the last run state by state, as a table, as events and as JSON', async () => {
      const secrets = join(dir, 'secrets.json');
      await writeFile(secrets, JSON.stringify({ 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } }));
      sim.failNext('Spark job 42 lost its executors', 'recordClusters');
      const run = await continuum(['run', '--pipeline', 'tamr-mastering-demo', '--secrets', secrets, '--base-url', sim.url, '--wait-ms', '20', '--retry-ms', '10']);
      expect(run.code).toBe(1);

      const table = await continuum(['history']);
      expect(table.code, table.stderr).toBe(0);
      const lines = table.stdout.split('\n');
      expect(lines[0]).toMatch(/^Execution local-[0-9a-f-]+ of pipeline 'tamr-mastering-demo': FAILED$/);
      expect(table.stdout).toMatch(/Check for a run in progress\s+Task\s+Succeeded/);
      expect(table.stdout).toMatch(/Skip update recipe\s+Pass\s+Succeeded/);
      expect(table.stdout).toMatch(/Get record clusters status\s+Task\s+Succeeded\s+id \d+\s+FAILED\s+check \d+/);
      expect(table.stdout).toMatch(/Record clusters failed\s+Fail\s+Failed\s+TamrOperationFailed: .*Spark job 42/);
      expect(table.stdout).toContain('Error: TamrOperationFailed');

      const events = await continuum(['history', '--events']);
      expect(events.code).toBe(0);
      expect(events.stdout).toMatch(/StateEntered\s+Refresh record clusters \(Task\)/);
      expect(events.stdout).toMatch(/ExecutionFailed\s+TamrOperationFailed/);

      const json = await continuum(['history', '--output', 'json']);
      const saved = JSON.parse(json.stdout) as { version: number; pipeline: string; status: string; steps: Array<{ name: string; finalState: string }> };
      expect(saved).toMatchObject({ version: 1, pipeline: 'tamr-mastering-demo', status: 'FAILED' });
      expect(saved.steps.find((s) => s.name === 'Refresh record clusters')?.finalState).toBe('FAILED');
      // The file the runs write, where CONTINUUM_STATE_DIR says.
      expect(JSON.parse(await readFile(join(stateDir, 'last-run.json'), 'utf8'))).toEqual(saved);
    });
  });

  it('simulate serves the API and its control endpoints until Ctrl-C', async () => {
    const child = spawn('node', ['bin/continuum.mjs', 'simulate', '--system', 'tamr-mastering', '--port', '0'], { env: env() });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setInterval(() => {
          const match = /simulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (match && stdout.includes('Ctrl-C')) {
            clearInterval(timer);
            resolve(match[1]);
          }
          if (child.exitCode !== null) {
            clearInterval(timer);
            reject(new Error(`simulate exited ${child.exitCode}: ${stdout}`));
          }
        }, 50);
      });
      expect(stdout).toContain(`GET    ${url}/__simulator/state`);
      expect(stdout).toContain(`POST   ${url}/__simulator/faults`);
      expect(stdout).toContain('"continuum/tamr-mastering":{"username":"admin","password":"dt"}');
      expect(stdout).toContain(`--base-url ${url}`);

      const state = (await (await fetch(`${url}/__simulator/state`)).json()) as { system: string };
      expect(state.system).toBe('tamr-mastering');

      // A queued fault hits the next API call, which the simulator then prints.
      const queued = await fetch(`${url}/__simulator/faults`, { method: 'POST', body: JSON.stringify({ fault: { kind: 'status', status: 429 } }) });
      expect(await queued.json()).toEqual({ queued: 1 });
      const faulted = await fetch(`${url}/api/versioned/v1/operations/1`);
      expect(faulted.status).toBe(429);
      await expect.poll(() => stdout, { timeout: 5000 }).toMatch(/GET {4}\/api\/versioned\/v1\/operations\/1 → 429/);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stdout).toContain('tamr-mastering simulator stopped');
      await expect(fetch(`${url}/__simulator/state`)).rejects.toThrow();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('simulate --system boomi-hub prints its shape and the universe ids it accepts, and honours them', async () => {
    const args = ['bin/continuum.mjs', 'simulate', '--system', 'boomi-hub', '--port', '0', '--universe', 'my-universe', '--quarantine', '0.5', '--job-seconds', '0'];
    const child = spawn('node', args, { env: env() });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => stdout, { timeout: 60_000 }).toContain('Ctrl-C');
      const url = /simulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1];
      expect(stdout).toContain('shape:         jobs take 0 s; quarantine ratio 0.5');
      // --universe first, then pipelines.yaml's boomi-hub universe.
      expect(stdout).toContain('universe ids:  my-universe, ac11cc59-c77a-4afe-8c92-ed86a7daabec (any other answers 404)');

      const auth = { authorization: `Basic ${Buffer.from('boomi-user:boomi-token').toString('base64')}` };
      const body = '<batch src="SF"><contact><id>a</id><name>A</name></contact><contact><id>b</id><name>B</name></contact></batch>';
      const accepted = await fetch(`${url}/mdm/universes/my-universe/records`, { method: 'POST', headers: auth, body });
      expect(accepted.status).toBe(202);
      const status = await (await fetch(`${await accepted.text()}?includeEntities=true`, { headers: auth })).text();
      expect(status).toContain('<quarantinedCount>1</quarantinedCount>');
      expect(status).toContain("New contact entity 'b' from source SF requires approval.");
      expect((await fetch(`${url}/mdm/universes/other/records`, { method: 'POST', headers: auth, body })).status).toBe(404);

      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
