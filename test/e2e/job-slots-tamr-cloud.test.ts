/**
 * The issue's acceptance test: three Tamr Cloud pipelines (4 sources each) run at once against
 * one simulated tenant that allows 5 concurrent jobs. With a slot pool of 5 the tenant never sees
 * more than 5 jobs and never answers 429; without it the same pipelines ask for 12 at once and
 * the tenant answers 429. The synthesized state machines run in aws-local-stepfunctions, their
 * slot tasks make the real DynamoDB calls against dynalite. After each run the pool is empty.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/load';
import type { RunningExecution } from '../../lib/local/runner';
import { LocalSession } from '../../lib/local/session';
import { TamrCloudSimulator } from '../../lib/local/simulators/tamr-cloud';
import { statesEntered, until } from '../support/local-run';
import { HeldClock } from '../support/held-clock';

const KEY = 'apk_slots_key';
const API = '/api/v1beta1';
const PIPELINES = ['orders', 'customers', 'suppliers'];
const WAITING = 'Waiting for a tenant job slot for ';

/** Three pipelines of one tenant: 4 sources each, then their own data product. */
function config(pooled: boolean) {
  const pipelines = PIPELINES.map(
    (name) => `
  - name: ${name}
    system: tamr-cloud
    tenant: acme
    secretName: continuum/tamr-cloud
${pooled ? '    slotPool: acme-tenant\n' : ''}    # Waits are a few ms here: budgets of an hour of checks keep a loaded machine from timing out.
    polling: { initialIntervalSeconds: 1, maxIntervalSeconds: 1, backoffRate: 1, timeoutMinutes: 60 }
    retry:
      rateLimited: { intervalSeconds: 10, maxAttempts: 20, backoffRate: 2 }
      transient: { intervalSeconds: 5, maxAttempts: 2, backoffRate: 2 }
    steps:
      - kind: load
        sourceIds: [${[1, 2, 3, 4].map((i) => `src_${name}_${i}`).join(', ')}]
      - kind: updateDataProduct
        dataProductId: dp_${name}`,
  );
  const pools = pooled ? 'slotPools:\n  - { name: acme-tenant, limit: 5, waitSeconds: 1, maxWaitMinutes: 600 }\n' : '';
  return parseConfig(`${pools}pipelines:${pipelines.join('')}\n`, '/tmp/job-slots-tamr-cloud.yaml');
}

let session: LocalSession | undefined;
let sim: TamrCloudSimulator | undefined;
let runs: RunningExecution[] = [];

/**
 * Several executions at once, each machine's first handler imports and dynalite share a 2-core
 * machine with the rest of the suite: minutes, not seconds, when it is loaded.
 */
const SLOW = { timeout: 300_000 };

afterEach(async () => {
  for (const run of runs) run.abort();
  await Promise.all(runs.map((run) => run.done));
  runs = [];
  if (session?.app.slotTable) {
    const pool = await session.slotPool('acme-tenant');
    expect(pool.holders).toEqual({});
    expect(pool.count).toBe(0);
  }
  await session?.close();
  await sim?.stop();
  session = undefined;
  sim = undefined;
});

async function start(pooled: boolean, limit: number, clock: HeldClock, onState: (name: string) => void) {
  session = await LocalSession.open(config(pooled), { 'continuum/tamr-cloud': KEY });
  sim = new TamrCloudSimulator({ apiKey: KEY, concurrentJobLimit: limit, jobDurationMs: 150, clock: clock.now });
  await sim.start(0);
  runs = PIPELINES.map((name) =>
    session!.start(name, {
      baseUrl: `${sim!.url}${API}`,
      waitMs: 50,
      retryMs: 10,
      onEvent: (event) => {
        if (event.type === 'StateEntered' || event.type === 'StateRetried') onState(`${event.type}:${event.state!.name}`);
      },
    }),
  );
}

describe('three Tamr Cloud pipelines against one tenant (limit 5, 4 sources each)', SLOW, () => {
  it('with a slot pool of 5: at most 5 jobs at the tenant, no 429, every pipeline SUCCEEDED', async () => {
    const clock = new HeldClock();
    let waiting = false;
    await start(true, 5, clock, (state) => {
      if (state.startsWith(`StateEntered:${WAITING}`)) waiting = true;
    });
    // Jobs cannot finish until the pool is full, 5 loads are submitted and another load waits.
    await until(() => waiting && sim!.jobs.length === 5, 180_000);
    expect(await session!.slotPool('acme-tenant')).toMatchObject({ count: 5, limit: 5 });
    clock.release();
    const reports = await Promise.all(runs.map((run) => run.done));

    expect(reports.map((r) => [r.pipeline, r.status])).toEqual(PIPELINES.map((name) => [name, 'SUCCEEDED']));
    expect(sim!.jobs).toHaveLength(15);
    expect(sim!.jobs.every((job) => job.status.state === 'DONE' && !job.status.error)).toBe(true);
    expect(sim!.peakConcurrentJobs).toBe(5);
    expect(sim!.rateLimitedCount).toBe(0);
    expect(sim!.requests.filter((r) => r.status === 429)).toEqual([]);
    // The waits happened in the Map iterations, each load holding its own slot.
    expect(reports.some((r) => statesEntered(r).includes(`${WAITING}source load`))).toBe(true);
    for (const report of reports) {
      expect(statesEntered(report).filter((s) => s === 'Release tenant job slot (Source load done)')).toHaveLength(4);
      expect(statesEntered(report)).toContain('Release tenant job slot (Data product update done)');
    }
  });

  it('without the pool: the same pipelines ask for more than 5 jobs at once, and the tenant answers 429', async () => {
    // The tenant's own limit of 5 turns the excess into 429s (retried until slots free).
    let clock = new HeldClock();
    let releasedOn429 = clock;
    await start(false, 5, clock, (state) => {
      if (state === 'StateRetried:Load source') releasedOn429.release();
    });
    let reports = await Promise.all(runs.map((run) => run.done));
    expect(reports.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(sim!.rateLimitedCount).toBeGreaterThan(0);
    expect(sim!.peakConcurrentJobs).toBe(5);
    await session!.close();
    await sim!.stop();
    runs = [];

    // What they asked for: measured on a tenant without a limit, all 12 loads run at once.
    clock = new HeldClock();
    releasedOn429 = clock;
    await start(false, 1000, clock, () => undefined);
    await until(() => sim!.jobs.length === 12, 180_000);
    clock.release();
    reports = await Promise.all(runs.map((run) => run.done));
    expect(reports.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(sim!.peakConcurrentJobs).toBe(12);
  });
});
