import { afterEach, describe, expect, it } from 'vitest';
import { TamrCloudSimulator, type TamrCloudJob, type TamrCloudSimulatorOptions } from '../../lib/local/simulators/tamr-cloud';

const KEY = 'apk_local_demo';
const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** A simulator on a virtual clock the test moves by hand. */
class Harness {
  now = T0;
  readonly sim: TamrCloudSimulator;
  constructor(options: TamrCloudSimulatorOptions = {}) {
    this.sim = new TamrCloudSimulator({ jobDurationMs: 1000, clock: () => this.now, ...options });
  }
  advance(ms: number): void {
    this.now += ms;
  }
  async call(method: string, path: string, body?: unknown, key: string | null = KEY): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (key !== null) headers['X-API-KEY'] = key;
    const response = await fetch(`${this.sim.url}/api/v1beta1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }
  async create(configuration: object): Promise<TamrCloudJob> {
    const response = await this.call('POST', '/jobs', { configuration });
    expect(response.status).toBe(200);
    return response.body as TamrCloudJob;
  }
  async get(jobId: string): Promise<TamrCloudJob> {
    const response = await this.call('GET', `/jobs/${jobId}`);
    expect(response.status).toBe(200);
    return response.body as TamrCloudJob;
  }
}

const started: TamrCloudSimulator[] = [];
async function harness(options: TamrCloudSimulatorOptions = {}): Promise<Harness> {
  const h = new Harness(options);
  await h.sim.start(0);
  started.push(h.sim);
  return h;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((sim) => sim.stop()));
});

describe('TamrCloudSimulator', () => {
  it('answers 401 with { code, message } without the right X-API-KEY', async () => {
    const h = await harness();
    const missing = await h.call('POST', '/jobs', { configuration: { load: { sourceId: 'src_1' } } }, null);
    expect(missing).toEqual({ status: 401, body: { code: 401, message: 'invalid API key' } });
    const wrong = await h.call('GET', '/jobs', undefined, 'apk_wrong');
    expect(wrong).toEqual({ status: 401, body: { code: 401, message: 'invalid API key' } });
    expect(h.sim.jobs).toEqual([]);

    const custom = await harness({ apiKey: 'apk_custom' });
    expect((await custom.call('GET', '/jobs', undefined, 'apk_custom')).status).toBe(200);
    expect((await custom.call('GET', '/jobs')).status).toBe(401);
  });

  it('runs a job PENDING → RUNNING → DONE on the virtual clock and records its history', async () => {
    const h = await harness();
    const created = await h.create({ load: { sourceId: 'src_customers' } });
    expect(created.jobId).toMatch(/^job_[A-Za-z0-9]{20}$/);
    expect(created).toEqual({
      jobId: created.jobId,
      configuration: { load: { sourceId: 'src_customers' } },
      status: { state: 'PENDING', stateStartTime: iso(T0) },
      statusHistory: [{ state: 'PENDING', stateStartTime: iso(T0) }],
    });

    h.advance(99);
    expect((await h.get(created.jobId)).status.state).toBe('PENDING');
    h.advance(1); // 10% of the 1000 ms duration
    const running = await h.get(created.jobId);
    expect(running.status).toEqual({ state: 'RUNNING', stateStartTime: iso(T0 + 100) });

    h.advance(900);
    const done = await h.get(created.jobId);
    expect(done.status).toEqual({ state: 'DONE', stateStartTime: iso(T0 + 1000) });
    expect(done.status).not.toHaveProperty('error');
    expect(done.statusHistory).toEqual([
      { state: 'PENDING', stateStartTime: iso(T0) },
      { state: 'RUNNING', stateStartTime: iso(T0 + 100) },
      { state: 'DONE', stateStartTime: iso(T0 + 1000) },
    ]);
  });

  it('uses per-type durations when given', async () => {
    const h = await harness({ durationsMs: { update: 5000 } });
    const load = await h.create({ load: { sourceId: 'src_1' } });
    const update = await h.create({ update: { dataProductId: 'dp_1' } });
    h.advance(1000);
    expect((await h.get(load.jobId)).status.state).toBe('DONE');
    expect((await h.get(update.jobId)).status.state).toBe('RUNNING');
    h.advance(4000);
    expect((await h.get(update.jobId)).status.state).toBe('DONE');
  });

  it('answers 429 for the 6th concurrent job, creates nothing, and accepts again once jobs finish', async () => {
    const h = await harness();
    for (let i = 0; i < 5; i += 1) await h.create({ load: { sourceId: `src_${i}` } });
    h.advance(500); // all five are RUNNING now

    const rejected = await h.call('POST', '/jobs', { configuration: { load: { sourceId: 'src_5' } } });
    expect(rejected).toEqual({ status: 429, body: { code: 429, message: 'Too Many Requests: tenant has 5 concurrent jobs' } });
    expect(h.sim.jobs).toHaveLength(5);
    expect(h.sim.rateLimitedCount).toBe(1);
    expect(h.sim.peakConcurrentJobs).toBe(5);

    h.advance(500); // the first five are DONE, so they no longer count
    const accepted = await h.create({ load: { sourceId: 'src_5' } });
    expect(accepted.status.state).toBe('PENDING');
    expect(h.sim.jobs).toHaveLength(6);
    expect(h.sim.peakConcurrentJobs).toBe(5);

    const state = (await (await fetch(`${h.sim.url}/__simulator/state`)).json()) as { jobs: unknown[] };
    expect(state).toMatchObject({ system: 'tamr-cloud', peakConcurrentJobs: 5, rateLimitedCount: 1, stopRequests: [] });
    expect(state.jobs).toHaveLength(6);
  });

  it('counts seeded jobs against the limit and honours a custom limit', async () => {
    const h = await harness({ concurrentJobLimit: 2 });
    const seeded = h.sim.seedJob({ update: { dataProductId: 'dp_1' } }, 'RUNNING');
    expect(seeded.status.state).toBe('RUNNING');
    expect(seeded.statusHistory.map((s) => s.state)).toEqual(['PENDING', 'RUNNING']);
    const pending = h.sim.seedJob({ load: { sourceId: 'src_1' } }, 'PENDING');
    expect(pending.status.state).toBe('PENDING');

    const rejected = await h.call('POST', '/jobs', { configuration: { update: { dataProductId: 'dp_1' } } });
    expect(rejected.status).toBe(429);
    expect(rejected.body.message).toBe('Too Many Requests: tenant has 2 concurrent jobs');

    const listed = await h.call('GET', '/jobs?dataProductId=dp_1&filter=status.state%20!%3D%20DONE');
    expect(listed.body.jobs.map((j: TamrCloudJob) => j.jobId)).toEqual([seeded.jobId]);
  });

  it('failJobs makes matching jobs end DONE with the given error', async () => {
    const h = await harness();
    h.sim.failJobs((c) => c.update?.dataProductId === 'dp_broken', { reason: 'INTERNAL', message: 'Spark stage failed' });
    const bad = await h.create({ update: { dataProductId: 'dp_broken' } });
    const good = await h.create({ update: { dataProductId: 'dp_ok' } });

    h.advance(500);
    expect((await h.get(bad.jobId)).status).toEqual({ state: 'RUNNING', stateStartTime: iso(T0 + 100) });
    h.advance(500);
    expect((await h.get(bad.jobId)).status).toEqual({
      state: 'DONE',
      stateStartTime: iso(T0 + 1000),
      error: { reason: 'INTERNAL', message: 'Spark stage failed' },
    });
    expect((await h.get(good.jobId)).status).not.toHaveProperty('error');
  });

  it('stops a PENDING job straight to DONE with a STOPPED error', async () => {
    const h = await harness();
    const job = await h.create({ load: { sourceId: 'src_1' } });
    h.advance(50);
    expect(await h.call('POST', `/jobs/${job.jobId}:stop`)).toEqual({ status: 200, body: {} });

    const stopped = await h.get(job.jobId);
    expect(stopped.status).toEqual({
      state: 'DONE',
      stateStartTime: iso(T0 + 50),
      error: { reason: 'STOPPED', message: 'Job was stopped by a user' },
    });
    expect(stopped.statusHistory.map((s) => s.state)).toEqual(['PENDING', 'DONE']);
    h.advance(5000);
    expect((await h.get(job.jobId)).status.stateStartTime).toBe(iso(T0 + 50));
    expect(h.sim.stopRequests).toEqual([job.jobId]);
  });

  it('stops a RUNNING job through STOPPING, then DONE after the stop delay; DONE jobs are unaffected', async () => {
    const h = await harness();
    const job = await h.create({ publish: { destinationId: 'Golden Records', dataProductId: 'dp_1' } });
    h.advance(400);
    expect((await h.call('POST', `/jobs/${job.jobId}:stop`)).status).toBe(200);
    expect((await h.get(job.jobId)).status).toEqual({ state: 'STOPPING', stateStartTime: iso(T0 + 400) });

    h.advance(299);
    expect((await h.get(job.jobId)).status.state).toBe('STOPPING');
    h.advance(1);
    const done = await h.get(job.jobId);
    expect(done.status).toEqual({
      state: 'DONE',
      stateStartTime: iso(T0 + 700),
      error: { reason: 'STOPPED', message: 'Job was stopped by a user' },
    });
    expect(done.statusHistory.map((s) => s.state)).toEqual(['PENDING', 'RUNNING', 'STOPPING', 'DONE']);

    const finished = await h.create({ load: { sourceId: 'src_1' } });
    h.advance(1000);
    expect((await h.call('POST', `/jobs/${finished.jobId}:stop`)).status).toBe(200);
    expect((await h.get(finished.jobId)).status).toEqual({ state: 'DONE', stateStartTime: iso(h.now) });
    expect(h.sim.stopRequests).toEqual([job.jobId, finished.jobId]);
    expect((await h.call('POST', '/jobs/job_nope:stop')).status).toBe(404);
  });

  it('neverFinish keeps matching jobs RUNNING until they are stopped', async () => {
    const h = await harness({ stopDelayMs: 100 });
    h.sim.neverFinish((c) => c.load?.sourceId === 'src_stuck');
    const stuck = await h.create({ load: { sourceId: 'src_stuck' } });
    h.advance(3_600_000);
    expect((await h.get(stuck.jobId)).status.state).toBe('RUNNING');
    await h.call('POST', `/jobs/${stuck.jobId}:stop`);
    h.advance(100);
    expect((await h.get(stuck.jobId)).status.error?.reason).toBe('STOPPED');
  });

  it('lists newest first with paging and filters', async () => {
    const h = await harness();
    const configurations = [
      { load: { sourceId: 'src_a' } },
      { update: { dataProductId: 'dp_1' } },
      { update: { workflowId: 'flow_1' } },
      { publish: { destinationId: 'dest_1', dataProductId: 'dp_1' } },
      { update: { dataProductId: 'dp_2' } },
    ];
    const ids: string[] = [];
    for (const configuration of configurations) {
      ids.push((await h.create(configuration)).jobId);
      h.advance(400); // staggered, so the first three are DONE by the end
    }
    const newestFirst = [...ids].reverse();

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let token: string | undefined;
    do {
      const query = `/jobs?pageSize=2${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
      const page = await h.call('GET', query);
      expect(page.status).toBe(200);
      pageSizes.push(page.body.jobs.length);
      seen.push(...page.body.jobs.map((j: TamrCloudJob) => j.jobId));
      token = page.body.nextPageToken;
      if (token !== undefined) expect(typeof token).toBe('string');
    } while (token);
    expect(pageSizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(newestFirst);

    const byProduct = await h.call('GET', '/jobs?dataProductId=dp_1');
    expect(byProduct.body.jobs.map((j: TamrCloudJob) => j.jobId)).toEqual([ids[3], ids[1]]);
    expect(byProduct.body).not.toHaveProperty('nextPageToken');
    const byWorkflow = await h.call('GET', '/jobs?workflowId=flow_1');
    expect(byWorkflow.body.jobs.map((j: TamrCloudJob) => j.jobId)).toEqual([ids[2]]);

    // Job i started at T0 + 400i and ends at T0 + 400i + 1000; the clock is at T0 + 2000.
    const unfinished = await h.call('GET', `/jobs?filter=${encodeURIComponent('status.state != DONE')}`);
    expect(unfinished.body.jobs.map((j: TamrCloudJob) => j.jobId)).toEqual([ids[4], ids[3]]);
    const finished = await h.call('GET', `/jobs?filter=${encodeURIComponent('status.state="DONE"')}`);
    expect(finished.body.jobs.map((j: TamrCloudJob) => j.jobId)).toEqual([ids[2], ids[1], ids[0]]);

    const bad = await h.call('GET', `/jobs?filter=${encodeURIComponent('status.state = FINISHED')}`);
    expect(bad.status).toBe(400);
    expect((await h.call('GET', '/jobs?pageToken=garbage')).status).toBe(400);
  });

  it('ignoreListFilters: the resource filters list every job (as a gateway that drops unknown parameters), the state filter still applies', async () => {
    const h = await harness({ ignoreListFilters: true });
    const load = await h.create({ load: { sourceId: 'src_a' } });
    const update = await h.create({ update: { dataProductId: 'dp_1' } });
    const listed = await h.call('GET', '/jobs?sourceId=src_b&dataProductId=dp_2&workflowId=flow_9&destinationId=dest_9');
    expect(listed.body.jobs.map((j: TamrCloudJob) => j.jobId)).toEqual([update.jobId, load.jobId]);
    h.advance(2000);
    const unfinished = await h.call('GET', `/jobs?sourceId=src_a&filter=${encodeURIComponent('status.state != DONE')}`);
    expect(unfinished.body.jobs).toEqual([]);
  });

  it('clamps pageSize to 30', async () => {
    const h = await harness({ concurrentJobLimit: 100 });
    for (let i = 0; i < 35; i += 1) await h.create({ load: { sourceId: `src_${i}` } });
    const first = await h.call('GET', '/jobs?pageSize=100');
    expect(first.body.jobs).toHaveLength(30);
    const rest = await h.call('GET', `/jobs?pageSize=100&pageToken=${encodeURIComponent(first.body.nextPageToken)}`);
    expect(rest.body.jobs).toHaveLength(5);
    expect(rest.body).not.toHaveProperty('nextPageToken');
    expect((await h.call('GET', '/jobs')).body.jobs).toHaveLength(30);
  });

  it('answers 400 on a bad configuration and creates nothing', async () => {
    const h = await harness();
    const badBodies: unknown[] = [
      '{not json',
      {},
      { configuration: {} },
      { configuration: { load: {} } },
      { configuration: { load: { sourceId: '' } } },
      { configuration: { load: { sourceId: 's' }, update: { dataProductId: 'dp' } } },
      { configuration: { update: {} } },
      { configuration: { update: { dataProductId: 'dp', workflowId: 'wf' } } },
      { configuration: { publish: { dataProductId: 'dp' } } },
      { configuration: { refresh: { sourceId: 's' } } },
    ];
    for (const body of badBodies) {
      const response = await h.call('POST', '/jobs', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body).toEqual({ code: 400, message: expect.any(String) });
    }
    expect(h.sim.jobs).toEqual([]);
  });

  it('answers 404 for unknown jobs and, when resources are declared, unknown ids', async () => {
    const h = await harness({ sources: ['src_known'], dataProducts: ['dp_known'], destinations: ['dest_known'] });
    expect(await h.call('GET', '/jobs/job_doesnotexist00000000')).toEqual({
      status: 404,
      body: { code: 404, message: 'job job_doesnotexist00000000 not found' },
    });

    const unknownSource = await h.call('POST', '/jobs', { configuration: { load: { sourceId: 'src_other' } } });
    expect(unknownSource).toEqual({ status: 404, body: { code: 404, message: 'source src_other not found' } });
    const unknownProduct = await h.call('POST', '/jobs', {
      configuration: { publish: { destinationId: 'dest_known', dataProductId: 'dp_other' } },
    });
    expect(unknownProduct.status).toBe(404);
    expect(h.sim.jobs).toEqual([]);

    await h.create({ load: { sourceId: 'src_known' } });
    await h.create({ publish: { destinationId: 'dest_known', dataProductId: 'dp_known' } });
    // Workflows were not declared, so any workflow id is accepted.
    await h.create({ update: { workflowId: 'flow_anything' } });
    expect(h.sim.jobs).toHaveLength(3);
  });

  it('moves jobs along on the real clock by default', async () => {
    const sim = new TamrCloudSimulator({ jobDurationMs: 60 });
    await sim.start(0);
    started.push(sim);
    const headers = { 'X-API-KEY': KEY, 'content-type': 'application/json' };
    const created = await fetch(`${sim.url}/api/v1beta1/jobs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ configuration: { load: { sourceId: 'src_1' } } }),
    });
    const { jobId } = (await created.json()) as TamrCloudJob;
    await new Promise((resolve) => setTimeout(resolve, 120));
    const job = (await (await fetch(`${sim.url}/api/v1beta1/jobs/${jobId}`, { headers })).json()) as TamrCloudJob;
    expect(job.status.state).toBe('DONE');
    expect(job.statusHistory.map((s) => s.state)).toEqual(['PENDING', 'RUNNING', 'DONE']);
  });
});
