import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['lib/local/polyfill.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Synth + local executions are CPU-bound; CI has 2 cores.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
