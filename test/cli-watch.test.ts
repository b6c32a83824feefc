/**
 * `continuum watch` as a user runs it (a child
 * process) against the Tamr Mastering simulator in this process: `watch --once` runs each file
 * in the folder once, each sending its own records (files not moved in yet are left alone); a
 * pipeline watch cannot feed is refused with exit 2 before any synth.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { TamrMasteringSimulator } from '../lib/local/simulators/tamr-mastering';

let dir: string;
const sim = new TamrMasteringSimulator({ username: 'admin', password: 'dt', operationDurationMs: 50 });
let baseUrl: string;

function continuum(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, CI: 'true', CONTINUUM_STATE_DIR: join(dir, 'state') };
    execFile('node', ['bin/continuum.mjs', ...args], { env, timeout: 170_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const idsSent = () => sim.requestsTo('POST', /:updateRecords$/).map((r) => r.body.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { recordId: string }).recordId));
const records = (ids: string[]) => ids.map((id) => JSON.stringify({ id })).join('\n') + '\n';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'continuum-cli-watch-'));
  baseUrl = await sim.start();
  const file = parse(await readFile('pipelines.yaml', 'utf8')) as { pipelines: Array<{ name: string; steps: Array<Record<string, unknown>> }> };
  const demo = file.pipelines.find((p) => p.name === 'tamr-mastering-demo')!;
  const steps = demo.steps.map((step) => (step.kind === 'updateRecords' ? { ...step, records: undefined } : step));
  const triggered = { ...demo, name: 'landing', steps, triggers: [{ s3: { bucket: 'acme-landing', prefix: 'tamr/', suffix: '.jsonl' } }] };
  await writeFile(join(dir, 'pipelines.yaml'), stringify({ ...file, pipelines: [triggered] }));
  await writeFile(join(dir, 'secrets.json'), JSON.stringify({ [String((demo as { secretName?: string }).secretName ?? 'continuum/tamr-mastering')]: { username: 'admin', password: 'dt' } }));
  await mkdir(join(dir, 'incoming'));
});

afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

// Each call starts Node and tsx, and the second synthesizes the app: seconds each, more on a busy machine.
describe('continuum watch', { timeout: 300_000 }, () => {
  it('refuses a folder that is not there, and a pipeline whose runs would be skipped, with exit 2', async () => {
    const missing = await continuum(['watch', '--pipeline', 'tamr-mastering-demo', '--dir', join(dir, 'nowhere')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--dir: no folder at');
    const skipping = await continuum(['watch', '--pipeline', 'tamr-mastering-demo', '--dir', dir]);
    expect(skipping.code).toBe(2);
    expect(skipping.stderr).toContain("'tamr-mastering-demo' has onOverlap: skip");
  });

  it('--once runs each file of the folder once, with its own records, and exits 0', async () => {
    await writeFile(join(dir, 'incoming', 'a.jsonl'), records(['a1', 'a2']));
    await writeFile(join(dir, 'incoming', 'b.jsonl'), records(['b1']));
    await writeFile(join(dir, 'incoming', '.c.jsonl.tmp'), records(['c1']));
    await writeFile(join(dir, 'incoming', 'notes.txt'), 'not records\n');
    const common = ['--pipeline', 'landing', '--config', join(dir, 'pipelines.yaml'), '--secrets', join(dir, 'secrets.json'), '--base-url', baseUrl, '--wait-ms', '20', '--retry-ms', '10'];
    const watched = await continuum(['watch', ...common, '--dir', join(dir, 'incoming'), '--once']);
    expect(watched.code, watched.stderr).toBe(0);
    expect(watched.stdout).toMatch(/^→ a\.jsonl: run s3-a-jsonl-[0-9a-f]{20} started$/m);
    expect(watched.stdout).toMatch(/^✔ a\.jsonl: SUCCEEDED$/m);
    expect(watched.stdout).toMatch(/^✔ b\.jsonl: SUCCEEDED$/m);
    expect(watched.stdout).not.toContain('c.jsonl');
    expect(idsSent()).toEqual([['a1', 'a2'], ['b1']]);
  });
});
