/**
 * An execution that ends early (aborted from the console, or failed halfway) leaves no remote
 * job running: the cleanup reads the history and calls each unfinished job's stop handler, the
 * local twin of the deployed EventBridge rule + cleaner (lambdas/cleanup/).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LocalSession } from '../../lib/local/session';
import { CrossingMindsSimulator } from '../../lib/local/simulators/crossing-minds';
import type { SimRequest, SimResponse } from '../../lib/local/simulators/http-simulator';
import { TamrCloudSimulator, type TamrCloudSimulatorOptions } from '../../lib/local/simulators/tamr-cloud';
import { openSession, testConfig, until } from '../support/local-run';

const CONFIG = testConfig(`
pipelines:
  - name: cloud-loads
    system: tamr-cloud
    tenant: e2e
    secretName: continuum/tamr-cloud
    jobLimit: 3
    polling: { initialIntervalSeconds: 1, maxIntervalSeconds: 1, backoffRate: 1, timeoutMinutes: 60 }
    steps:
      - kind: load
        sourceIds: [src_a, src_b, src_c, src_d]
      - kind: updateDataProduct
        dataProductId: dp_main
  - name: cm-export
    system: crossing-minds
    baseUrl: https://api.crossingminds.com
    secretName: continuum/crossing-minds
    polling: { initialIntervalSeconds: 1, maxIntervalSeconds: 1, backoffRate: 1, timeoutMinutes: 60 }
    steps:
      - kind: backgroundTask
        taskName: reco_export
        context:
          input_table: { connection: S3, name: users.csv }
          reco_params: { amt: 10 }
          output_table: { connection: LOCAL, name: out.parquet }
`);
const SECRETS = {
  'continuum/tamr-cloud': { apiKey: 'apk_abort' },
  'continuum/crossing-minds': { token: 'cm-demo-jwt', refreshToken: 'cm-demo-refresh' },
};

let session: LocalSession | undefined;
let stopSimulator: (() => Promise<void>) | undefined;
afterEach(async () => {
  await session?.close();
  await stopSimulator?.();
  session = undefined;
});

describe('an execution that ends early', () => {
  it('Tamr Cloud: aborting during the loads stops every job still running on the tenant', async () => {
    const sim = new TamrCloudSimulator({ apiKey: 'apk_abort', jobDurationMs: 60_000, stopDelayMs: 50 });
    const root = await sim.start();
    stopSimulator = () => sim.stop();
    session = await openSession(CONFIG, SECRETS);

    const run = session.start('cloud-loads', { baseUrl: `${root}/api/v1beta1`, waitMs: 30, retryMs: 10 });
    // Three loads submitted (the Map's limit) and each checked once: the run is polling.
    await until(() => sim.jobs.length === 3 && sim.requestsTo('GET', /\/jobs\/job_/).length >= 3);
    run.abort();
    const report = await run.done;

    expect(report.status).toBe('ABORTED');
    const running = sim.jobs.filter((j) => j.configuration.load).map((j) => j.jobId);
    expect(running).toHaveLength(3);
    expect(report.cleanup.failed).toEqual([]);
    expect([...report.cleanup.stopped].sort()).toEqual([...running].sort());
    expect([...sim.stopRequests].sort()).toEqual([...running].sort());
    await until(() => sim.jobs.every((j) => j.status.state === 'DONE'));
    expect(sim.jobs.every((j) => j.status.error?.reason === 'STOPPED')).toBe(true);
    // Nothing after the loads was ever submitted.
    expect(sim.jobs.some((j) => j.configuration.update)).toBe(false);
  });

  it('Tamr Cloud: a run that fails in one Map iteration stops the jobs of the others', async () => {
    const sim = new TamrCloudSimulator({ apiKey: 'apk_abort', jobDurationMs: 400, stopDelayMs: 50 });
    sim.neverFinish((c) => c.load?.sourceId === 'src_a' || c.load?.sourceId === 'src_b');
    sim.failJobs((c) => c.load?.sourceId === 'src_c', { reason: 'INTERNAL', message: 'source src_c: schema mismatch' });
    const root = await sim.start();
    stopSimulator = () => sim.stop();
    session = await openSession(CONFIG, SECRETS);

    const report = await session.run('cloud-loads', { baseUrl: `${root}/api/v1beta1`, waitMs: 30, retryMs: 10 });

    expect(report.status).toBe('FAILED');
    expect(report.cause).toContain('schema mismatch');
    const stuck = sim.jobs.filter((j) => j.configuration.load?.sourceId === 'src_a' || j.configuration.load?.sourceId === 'src_b').map((j) => j.jobId);
    expect(stuck).toHaveLength(2);
    expect(report.cleanup.stopped).toEqual(expect.arrayContaining(stuck));
    // Also stopped: src_d's load, when its submit went out as src_c's iteration failed the run.
    const others = report.cleanup.stopped.filter((id) => !stuck.includes(id));
    expect(others.every((id) => sim.jobs.find((j) => j.jobId === id)?.configuration.load?.sourceId === 'src_d')).toBe(true);
    await until(() => sim.jobs.every((j) => j.status.state === 'DONE'));
  });

  it('Tamr Cloud: one unknown source fails the run while the other loads\' submits are unanswered: the cleanup finds those jobs and stops them', async () => {
    // src_a answers 404 at once; src_b and src_c are created at once but their answers are held
    // until the 404'd iteration has failed (an event of the run, not a sleep).
    let release!: () => void;
    const failed = new Promise<void>((resolve) => (release = resolve));
    const sim = new HoldingSimulator(failed, { apiKey: 'apk_abort', jobDurationMs: 60_000, stopDelayMs: 50, sources: ['src_b', 'src_c', 'src_d'] });
    const root = await sim.start();
    stopSimulator = () => sim.stop();
    session = await openSession(CONFIG, SECRETS);

    const report = await session.run('cloud-loads', {
      baseUrl: `${root}/api/v1beta1`,
      waitMs: 30,
      retryMs: 10,
      onEvent: (event) => {
        if (event.type === 'StateEntered' && event.state?.name === 'Source load request failed') release();
      },
    });

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('NotFound');
    const loads = sim.jobs.filter((j) => j.configuration.load);
    // src_d may have been submitted too, in the slot src_a freed, before the run ended.
    expect(loads.map((j) => j.configuration.load!.sourceId)).toEqual(expect.arrayContaining(['src_b', 'src_c']));
    // Their ids never reached the state data; the cleanup found them by configuration and stopped them.
    expect([...report.cleanup.stopped].sort()).toEqual(loads.map((j) => j.jobId).sort());
    expect(report.cleanup.failed).toEqual([]);
    expect([...sim.stopRequests].sort()).toEqual(loads.map((j) => j.jobId).sort());
    await until(() => sim.jobs.every((j) => j.status.state === 'DONE'));
    expect(sim.jobs.every((j) => j.status.error?.reason === 'STOPPED')).toBe(true);
    // The report names them with their ids as STOPPED, never NOT_STARTED.
    const bySource = (source: string) => report.steps.find((s) => s.key === 'load' && s.item === ['src_a', 'src_b', 'src_c', 'src_d'].indexOf(source));
    expect(bySource('src_a')).toMatchObject({ finalState: 'REQUEST_FAILED', remoteId: null });
    for (const job of loads) expect(bySource(job.configuration.load!.sourceId)).toMatchObject({ remoteId: job.jobId, finalState: 'STOPPED' });
    expect(report.steps.some((s) => s.finalState === 'NOT_STARTED')).toBe(false);
  });

  it('Crossing Minds: aborting while a private task runs requests its cancel', async () => {
    const sim = new CrossingMindsSimulator({ taskDurationMs: 60_000, cancelDelayMs: 50 });
    sim.neverFinishNext('reco_export');
    const root = await sim.start();
    stopSimulator = () => sim.stop();
    session = await openSession(CONFIG, SECRETS);

    const run = session.start('cm-export', { baseUrl: root, waitMs: 30, retryMs: 10 });
    await until(() => sim.requestsTo('GET', '/tasks/private/reco_export/').length > 0);
    run.abort();
    const report = await run.done;

    expect(report.status).toBe('ABORTED');
    const [task] = sim.tasks;
    expect(report.cleanup).toEqual({ stopped: [task.task_id], failed: [] });
    expect(sim.requestsTo('DELETE', `/tasks/private/reco_export/${task.task_id}/`).map((r) => r.status)).toEqual([204]);
  });

  it('a run that succeeds stops nothing', async () => {
    const sim = new TamrCloudSimulator({ apiKey: 'apk_abort', jobDurationMs: 100 });
    const root = await sim.start();
    stopSimulator = () => sim.stop();
    session = await openSession(CONFIG, SECRETS);

    const report = await session.run('cloud-loads', { baseUrl: `${root}/api/v1beta1`, waitMs: 20, retryMs: 10 });
    expect(report.status).toBe('SUCCEEDED');
    expect(report.cleanup).toEqual({ stopped: [], failed: [] });
    expect(sim.stopRequests).toEqual([]);
  });
});

/** Answers every accepted POST /jobs only once `held` resolves; the job itself is created at once. */
class HoldingSimulator extends TamrCloudSimulator {
  constructor(private readonly held: Promise<void>, options: TamrCloudSimulatorOptions) {
    super(options);
  }

  protected override async route(request: SimRequest): Promise<SimResponse> {
    const response = await super.route(request);
    if (request.method === 'POST' && response.status === 200) await this.held;
    return response;
  }
}
