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
import { matchesSnapshot } from './support/definitions-snapshot';

/** Snapshot name → config file. */
const CONFIGS: Record<string, string> = {
  'pipelines.yaml': 'pipelines.yaml',
  'options.yaml': 'test/fixtures/snapshot-configs/options.yaml',
};

function synthesizedInChild(configFile: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', 'test/support/definitions-child.ts', configFile], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      error ? reject(new Error(`synth of ${configFile} failed: ${stderr || error.message}`)) : resolve(stdout),
    ),
  );
}

describe('synthesized definitions', () => {
  for (const [name, configFile] of Object.entries(CONFIGS)) {
    it(`of ${name} are unchanged`, async () => {
      const { matches, file } = matchesSnapshot(name, await synthesizedInChild(configFile));
      expect(matches, `${file} differs: review with git diff after UPDATE_SNAPSHOTS=1`).toBe(true);
    });
  }
});
