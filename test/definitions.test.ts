/**
 * The safety net for refactoring the constructs: every synthesized state machine definition (and
 * the job metadata the template records next to it) of the example pipelines.yaml and the options
 * fixture (test/fixtures/snapshot-configs/), compared exactly with the JSON files under
 * test/snapshots/ (test/support/definitions-snapshot.ts; the 100-pipeline bench config's is
 * checked by test/scale.test.ts, which synthesizes it anyway). Each config is synthesized in a
 * child process (test/support/definitions-child.ts), so the worker is never blocked by it.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SNAPSHOT_CONFIGS } from './support/definitions-child';
import { matchesSnapshot } from './support/definitions-snapshot';

function synthesizedInChild(name: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', 'test/support/definitions-child.ts', name], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`synth of ${name} failed: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );
}

describe('synthesized definitions', () => {
  for (const name of Object.keys(SNAPSHOT_CONFIGS)) {
    it(`of ${name} are unchanged`, async () => {
      const { matches, file } = matchesSnapshot(name, await synthesizedInChild(name));
      expect(matches, `${file} differs: review with git diff after UPDATE_SNAPSHOTS=1`).toBe(true);
    });
  }
});
