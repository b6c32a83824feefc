/**
 * The test file order (test/support/sequencer.ts): the longest files first, then vitest's own
 * order (larger files first without a results cache); every listed file exists.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import { LONGEST_FIRST, LongestFirstSequencer } from './support/sequencer';

const root = '/repo';
const sizes: Record<string, number> = { 'test/small.test.ts': 10, 'test/big.test.ts': 900, 'test/deploy-gate.test.ts': 50, 'test/deploy-gate-160.test.ts': 5, 'test/cli-commands.test.ts': 300 };
const ctx = {
  config: { root },
  cache: { getFileTestResults: () => undefined, getFileStats: (key: string) => ({ size: sizes[key.replace(/^:/, '')] }) },
} as unknown as Vitest;
const spec = (file: string) => ({ project: { name: '' }, moduleId: `${root}/${file}` }) as unknown as TestSpecification;

describe('LongestFirstSequencer', () => {
  it('starts the listed files first, longest first, then the others as vitest orders them (larger first)', async () => {
    const files = Object.keys(sizes).map(spec);
    const sorted = await new LongestFirstSequencer(ctx).sort(files);
    expect(sorted.map((f) => f.moduleId.slice(root.length + 1))).toEqual([
      'test/deploy-gate-160.test.ts',
      'test/deploy-gate.test.ts',
      'test/cli-commands.test.ts',
      'test/big.test.ts',
      'test/small.test.ts',
    ]);
  });

  it('lists only files that exist', () => {
    for (const file of LONGEST_FIRST) expect(existsSync(file), file).toBe(true);
  });
});
