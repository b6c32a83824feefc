/**
 * `--output json` is exactly one JSON document on stdout, whatever happens: each command's
 * stdout is piped into a second process that parses it, as `continuum … | jq` would. Covers a
 * parallel Map whose iterations fail together (a wrong API key: handlers still running when the
 * execution has ended) and a history larger than a pipe's 64 KiB buffer.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TamrCloudSimulator } from '../lib/local/simulators/tamr-cloud';

/** What the reader process saw: the parsed document, or why it could not parse one. */
interface Piped {
  readonly code: number | null;
  readonly stderr: string;
  readonly bytes: number;
  readonly document?: unknown;
  readonly parseError?: string;
}

// The reader parses all of its stdin at the end and reports back on its own stdout.
const READER = `let text = ''; process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => (text += c)).on('end', () => {
  try { process.stdout.write(JSON.stringify({ bytes: Buffer.byteLength(text), document: JSON.parse(text) })); }
  catch (e) { process.stdout.write(JSON.stringify({ bytes: Buffer.byteLength(text), parseError: e.message, head: text.slice(0, 300) })); }
});`;

function pipeToReader(args: string[], env: NodeJS.ProcessEnv): Promise<Piped> {
  return new Promise((resolve) => {
    const cli = spawn('node', ['bin/continuum.mjs', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const reader = spawn('node', ['-e', READER], { stdio: ['pipe', 'pipe', 'inherit'] });
    cli.stdout.pipe(reader.stdin);
    let stderr = '';
    cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let answer = '';
    reader.stdout.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    let code: number | null = null;
    cli.on('exit', (c) => (code = c));
    reader.on('close', () => resolve({ code, stderr, ...(JSON.parse(answer) as Omit<Piped, 'code' | 'stderr'>) }));
  });
}

let dir: string;
let sim: TamrCloudSimulator;
const env = () => ({ ...process.env, CI: 'true', CONTINUUM_STATE_DIR: join(dir, 'state') });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'continuum-json-'));
  sim = new TamrCloudSimulator({ jobDurationMs: 100 });
  await sim.start();
});

afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('--output json through a pipe', { timeout: 240_000 }, () => {
  it('run: one document after a parallel Map of loads fails on a wrong API key', async () => {
    const secrets = join(dir, 'wrong-key.json');
    await writeFile(secrets, JSON.stringify({ 'continuum/tamr-cloud': { apiKey: 'apk_wrong' } }));
    const piped = await pipeToReader(
      ['run', '--pipeline', 'tamr-cloud-demo', '--secrets', secrets, '--base-url', `${sim.url}/api/v1beta1`, '--wait-ms', '10', '--retry-ms', '10', '--output', 'json'],
      env(),
    );

    expect(piped.parseError, piped.stderr).toBeUndefined();
    expect(piped.code).toBe(1);
    const report = piped.document as { status: string; error: string; cause: string };
    expect(report).toMatchObject({ status: 'FAILED', error: 'AuthFailed' });
    expect(report.cause).toContain('invalid API key');
    // Handler log lines are kept with the run, not written to either stream.
    expect(piped.stderr).not.toContain('"level":"info"');
  });

  it('history: a document larger than a pipe buffer arrives whole', async () => {
    const file = join(dir, 'big-run.json');
    const history = Array.from({ length: 1500 }, (_, i) => ({
      type: i % 2 ? 'StateExited' : 'StateEntered',
      timestamp: 1_790_000_000_000 + i,
      state: { name: `Get load ${i} status`, input: { jobId: `job_${i}`, note: 'x'.repeat(60) } },
    }));
    await writeFile(file, JSON.stringify({ version: 1, pipeline: 'big', executionArn: 'arn:local', status: 'SUCCEEDED', skipped: false, input: {}, steps: [], stateTransitions: 750, history }));
    const piped = await pipeToReader(['history', '--file', file, '--output', 'json'], env());

    expect(piped.parseError).toBeUndefined();
    expect(piped.code).toBe(0);
    expect(piped.bytes).toBeGreaterThan(180 * 1024);
    expect((piped.document as { history: unknown[] }).history).toHaveLength(1500);
  });
});
