/**
 * YAML as people write it, through `continuum validate` as a child process: 150 pipelines
 * sharing one `x-nightly: &nightly` anchor validate; an alias bomb and every YAML-level mistake of
 * the bad-config corpus exit 2 with `file:line:col: reason` lines, never a stack trace. (The whole
 * corpus is also loaded in-process by test/config.test.ts.)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CORPUS = join('test', 'fixtures', 'bad-config');

function validate(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', ['bin/continuum.mjs', 'validate', '--config', file], { timeout: 150_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'continuum-yaml-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('continuum validate on YAML', { timeout: 200_000 }, () => {
  it('takes 150 pipelines sharing one x- anchor', async () => {
    const pipeline = (i: number) => `  - name: nightly-${i}
    system: tamr-mastering
    baseUrl: https://tamr.example.com
    secretName: continuum/tamr
    schedule: { expression: cron(0 3 * * ? *), timezone: Europe/Paris }
    polling: *nightly
    steps: [{ kind: refreshUnifiedDataset, project: "1" }]
`;
    const file = join(dir, 'many.yaml');
    await writeFile(file, `x-nightly: &nightly { initialIntervalSeconds: 5, maxIntervalSeconds: 300, backoffRate: 1.1, timeoutMinutes: 120 }\npipelines:\n${Array.from({ length: 150 }, (_, i) => pipeline(i)).join('')}`);
    const result = await validate(file);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`${file}: 150 pipeline(s) OK`);
  });

  it('refuses an alias bomb and every YAML-level mistake with file:line:col: reason, exit 2', async () => {
    const files = (await readdir(CORPUS)).filter((name) => name.startsWith('yaml-')).sort();
    expect(files).toContain('yaml-alias-bomb.yaml');
    const results = await Promise.all(files.map((name) => validate(join(CORPUS, name))));
    results.forEach((result, i) => {
      const file = join(CORPUS, files[i]);
      expect(result.code, files[i]).toBe(2);
      expect(result.stderr, files[i]).not.toMatch(/\n\s+at |ReferenceError|YAMLParseError/);
      const lines = result.stderr.trim().split('\n').slice(1); // after "Invalid config:"
      for (const line of lines) expect(line, files[i]).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}:\\d+:\\d+: \\S`));
    });
    const bomb = results[files.indexOf('yaml-alias-bomb.yaml')];
    expect(bomb.stderr.trim().split('\n')).toEqual(['Invalid config:', expect.stringContaining('yaml-alias-bomb.yaml:3:8: YAML aliases expand to too much data')]);
  });
});
