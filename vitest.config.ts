import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './test/support/sequencer';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['lib/local/polyfill.ts', 'test/support/scratch-tmpdir.ts'],
    // Each config is synthesized once per run, not once per file (test/support/synth-cache.ts).
    globalSetup: ['test/support/synth-cache.ts'],
    // Synth-heavy tests take seconds on an idle 2-core machine and far longer on a loaded one.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Synth + local executions are CPU-bound; CI has 2 cores.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The longest files first (test/support/sequencer.ts), so both workers finish together.
    sequence: { sequencer: LongestFirstSequencer },
  },
});
