/**
 * Closing a local session leaves nothing behind. Handlers cache their secret with middy, which
 * re-reads it on a timer when the cache expires (5 minutes later). Before the fix, a process that
 * outlived a closed session (the fault matrix, a long test file) kept that timer: it held the
 * process open for 5 minutes, then the re-read hit the stopped Secrets Manager stand-in and the
 * ECONNREFUSED surfaced as an unhandled rejection that ended the process.
 */
import { getCache } from '@middy/util';
import { describe, expect, it } from 'vitest';
import { HARNESSES } from '../../lib/local/faults/systems';
import { FAST, openSession, testConfig } from '../support/local-run';

describe('closing a local session', { timeout: 180_000 }, () => {
  it('drops the cached secrets and their refresh timers', async () => {
    const all = testConfig();
    const pipeline = all.pipelines.find((p) => p.system === 'boomi-hub')!;
    // One pipeline is enough, and synthesizes faster.
    const config = { ...all, pipelines: [pipeline] };
    const harness = HARNESSES['boomi-hub'];
    const sim = harness.simulator({ credential: 'close-test', pipeline, jobMs: 100 });
    const root = await sim.start();
    const session = await openSession(config, { [pipeline.secretName]: harness.secret(pipeline, 'close-test') });
    try {
      const report = await session.run(pipeline.name, { ...FAST, baseUrl: harness.baseUrl(root) });
      expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');

      // start() answers the running stand-in's endpoint: the handlers' cache key names it.
      const key = `continuum-secret:${await session.secrets.start()}:${pipeline.secretName}`;
      expect(getCache(key).refresh).toBeDefined();

      await session.close();
      expect(getCache(key)).toEqual({});
    } finally {
      await session.close();
      await sim.stop();
    }
  });
});
