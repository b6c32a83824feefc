/**
 * The safety net for refactoring the constructs: every synthesized state machine definition (and
 * the job metadata the template records next to it) of the example pipelines.yaml, the options
 * fixture (test/fixtures/snapshot-configs/) and the 100-pipeline bench config, compared exactly
 * with the JSON files under test/snapshots/. A change to a definition must be deliberate:
 * regenerate with `UPDATE_SNAPSHOTS=1 npx vitest run test/definitions.test.ts` and review the diff.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedPipelines } from '../bench/generated-pipelines';
import { loadConfig, type LoadedConfig } from '../lib/config/load';
import { synthesizeForLocalRun } from '../lib/local/synthesized';

const SNAPSHOTS = 'test/snapshots';
const CONFIGS: Record<string, () => LoadedConfig> = {
  'pipelines.yaml': () => loadConfig('pipelines.yaml'),
  'options.yaml': () => loadConfig('test/fixtures/snapshot-configs/options.yaml'),
  'bench-100': () => generatedPipelines(100),
};
/** The 100 bench pipelines differ only in ids: the first and last in full, all of them by hash. */
const HASHED = new Set(['bench-100']);

/** Each pipeline's definition and job metadata, by pipeline name, as pretty JSON. */
function synthesized(config: LoadedConfig, hashed: boolean): string {
  const { pipelines } = synthesizeForLocalRun(config);
  const entries = [...pipelines].map(([name, p]): [string, unknown] => [name, { definition: p.definition, jobs: p.jobs }]);
  if (!hashed) return `${JSON.stringify(Object.fromEntries(entries), null, 1)}\n`;
  const all = createHash('sha256').update(JSON.stringify(entries)).digest('hex');
  return `${JSON.stringify({ sha256OfAll: all, count: entries.length, ...Object.fromEntries([entries[0], entries[entries.length - 1]]) }, null, 1)}\n`;
}

describe('synthesized definitions', () => {
  for (const [name, config] of Object.entries(CONFIGS)) {
    it(`of ${name} are unchanged`, () => {
      const actual = synthesized(config(), HASHED.has(name));
      const file = join(SNAPSHOTS, `${name.replace(/\.yaml$/, '')}.json`);
      if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(file)) {
        mkdirSync(SNAPSHOTS, { recursive: true });
        writeFileSync(file, actual);
      }
      // Exact text, not toEqual: key order and number formatting count too.
      expect(actual === readFileSync(file, 'utf8'), `${file} differs: review with git diff after UPDATE_SNAPSHOTS=1`).toBe(true);
    });
  }
});
