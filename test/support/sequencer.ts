/**
 * The order vitest starts test files in: the longest first, so the two workers end together.
 * Without a results cache (a clean clone, CI) vitest starts larger files first, and the deploy
 * gate, a short file that runs for minutes, started late and ran alone at the end. The files
 * below are the longest measured (`npx vitest run <file>`), longest first; the rest keep vitest's
 * own order after them.
 */
import type { TestSpecification } from 'vitest/node';
import { BaseSequencer } from 'vitest/node';

export const LONGEST_FIRST = [
  'test/deploy-gate-160.test.ts',
  'test/deploy-gate.test.ts',
  'test/cli-commands.test.ts',
  'test/placement.test.ts',
  'test/scale.test.ts',
  'test/stack.test.ts',
];

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = LONGEST_FIRST.findIndex((name) => file.moduleId.endsWith(`/${name}`));
      return index < 0 ? LONGEST_FIRST.length : index;
    };
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: vitest's order stays among the files not listed.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
