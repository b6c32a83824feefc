/**
 * The definitions snapshots under test/snapshots/ (test/definitions.test.ts, and the 100-pipeline
 * one in test/scale.test.ts, from the templates that test synthesizes anyway): each pipeline's
 * definition and job metadata by pipeline name, as pretty JSON. A change to a definition must be
 * deliberate: regenerate with `UPDATE_SNAPSHOTS=1 npx vitest run test/definitions.test.ts
 * test/scale.test.ts` and review the diff.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SynthesizedPipeline } from '../../lib/local/synthesized';

const SNAPSHOTS = 'test/snapshots';

/** The snapshot text; `hashed`: the first and last pipelines in full, all of them by hash (configs that differ only in ids). */
export function snapshotText(pipelines: Iterable<[string, SynthesizedPipeline]>, hashed: boolean): string {
  const entries = [...pipelines].map(([name, p]): [string, unknown] => [name, { definition: p.definition, jobs: p.jobs }]);
  if (!hashed) return `${JSON.stringify(Object.fromEntries(entries), null, 1)}\n`;
  const all = createHash('sha256').update(JSON.stringify(entries)).digest('hex');
  return `${JSON.stringify({ sha256OfAll: all, count: entries.length, ...Object.fromEntries([entries[0], entries[entries.length - 1]]) }, null, 1)}\n`;
}

/** Whether `actual` is the snapshot `name` exactly (key order and number formatting count too); written first when asked to. */
export function matchesSnapshot(name: string, actual: string): { readonly matches: boolean; readonly file: string } {
  const file = join(SNAPSHOTS, `${name.replace(/\.yaml$/, '')}.json`);
  if (process.env.UPDATE_SNAPSHOTS === '1' || !existsSync(file)) {
    mkdirSync(SNAPSHOTS, { recursive: true });
    writeFileSync(file, actual);
  }
  return { matches: actual === readFileSync(file, 'utf8'), file };
}
