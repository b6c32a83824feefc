/**
 * Network failures name where the request went: a wrong --base-url (a closed port), a misspelled
 * tenant (a host DNS does not know). The run test executes the real state machine and handlers
 * locally against a port nothing listens on.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../lambdas/shared/http';
import type { LocalSession } from '../lib/local/session';
import { openSession, testConfig } from './support/local-run';

/** A port that was free a moment ago and that nothing listens on now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const failure = (promise: Promise<unknown>) => promise.then(() => new Error('no error'), (error: Error) => error);

describe('network errors', () => {
  it('a closed port: connection refused by host:port', async () => {
    const port = await closedPort();
    const error = await failure(callApi({ method: 'GET', url: `http://127.0.0.1:${port}/api/v1/things?token=SECRET123`, timeoutMs: 5000 }));
    expect(error.name).toBe('TransientApiError');
    expect(error.message).toBe(`GET /api/v1/things: connection refused by 127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('an unknown host: DNS lookup failed for it, without the query string', async () => {
    const error = await failure(callApi({ method: 'POST', url: 'https://my-tenant.invalid/api/v1beta1/jobs?apiKey=SECRET123', timeoutMs: 5000 }));
    expect(error.name).toBe('TransientApiError');
    expect(error.message).toMatch(/^POST \/api\/v1beta1\/jobs: DNS lookup failed for my-tenant\.invalid \((ENOTFOUND|EAI_AGAIN)\)$/);
    expect(error.message).not.toContain('SECRET123');
  });

  describe('a run against a closed port', { timeout: 180_000 }, () => {
    let session: LocalSession;
    beforeAll(async () => {
      session = await openSession(testConfig(), { 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } });
    }, 180_000);
    afterAll(async () => {
      await session?.close();
    });

    it('fails with TransientApiError naming 127.0.0.1:<port> in its cause', async () => {
      const port = await closedPort();
      const report = await session.run('tamr-mastering-demo', { baseUrl: `http://127.0.0.1:${port}`, waitMs: 1, retryMs: 1, input: {} });
      expect(report.status).toBe('FAILED');
      expect(report.error).toBe('TransientApiError');
      expect(report.cause).toContain(`connection refused by 127.0.0.1:${port}`);
    });
  });
});
