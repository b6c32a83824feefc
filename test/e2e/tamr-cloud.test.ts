/**
 * Tamr Cloud end to end: the synthesized state machines, executed locally by
 * aws-local-stepfunctions with the real handlers, against a TamrCloudSimulator on the real clock.
 * Waits are shortened to 20 ms and retry intervals to 10 ms, so each run takes about a second.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../lib/config/load';
import { baseUrlOf, jobsOf } from '../../lib/providers';
import { DEMOS } from '../../lib/local/demo';
import { progressLine } from '../../lib/local/progress';
import type { HistoryEvent, RunReport } from '../../lib/local/runner';
import { LocalSession, type SessionRunOptions } from '../../lib/local/session';
import { allStates } from '../../lib/local/synthesized';
import { TamrCloudSimulator, type TamrCloudJob, type TamrCloudSimulatorOptions } from '../../lib/local/simulators/tamr-cloud';
import { HeldClock } from '../support/held-clock';

const KEY = 'apk_e2e_key';
const API = '/api/v1beta1';
const SOURCES = ['src_crm', 'src_erp', 'src_web', 'src_support', 'src_billing', 'src_marketing', 'src_partners'];

/** Every pipeline the tests run, synthesized once. */
const CONFIG = `
pipelines:
  - name: cloud-pipeline
    system: tamr-cloud
    tenant: e2e
    secretName: continuum/tamr-cloud
    jobLimit: 5
    # Waits are 20 ms in these runs: a poll budget of 3600 checks keeps a slow CI machine from timing out.
    polling: &polling { initialIntervalSeconds: 1, maxIntervalSeconds: 1, backoffRate: 1, timeoutMinutes: 60 }
    retry: &retry
      rateLimited: { intervalSeconds: 10, maxAttempts: 20, backoffRate: 2 }
      transient: { intervalSeconds: 5, maxAttempts: 2, backoffRate: 2 }
    steps:
      - kind: load
        sourceIds: [${SOURCES.join(', ')}]
      - kind: updateDataProduct
        dataProductId: dp_main
      - kind: updateWorkflow
        workflowId: flow_main
      - kind: publish
        destinationId: Golden Records
        dataProductId: dp_main
  - name: cloud-over-limit
    system: tamr-cloud
    tenant: e2e
    secretName: continuum/tamr-cloud
    jobLimit: 7
    polling: *polling
    retry: *retry
    steps:
      - kind: load
        sourceIds: [${SOURCES.join(', ')}]
${['wait', 'skip', 'fail']
  .map(
    (policy) => `  - name: cloud-conflict-${policy}
    system: tamr-cloud
    tenant: e2e
    secretName: continuum/tamr-cloud
    polling: *polling
    retry: *retry
    steps:
      - kind: updateDataProduct
        dataProductId: dp_main
        onConflict: ${policy}
      - kind: updateWorkflow
        workflowId: flow_main`,
  )
  .join('\n')}
  - name: cloud-wrong-key
    system: tamr-cloud
    tenant: e2e
    secretName: continuum/tamr-cloud-wrong
    polling: *polling
    retry: *retry
    steps:
      - kind: load
        sourceIds: [src_crm]
      - kind: updateWorkflow
        workflowId: flow_main
  - name: cloud-timeout
    system: tamr-cloud
    tenant: e2e
    secretName: continuum/tamr-cloud
    polling: { initialIntervalSeconds: 20, maxIntervalSeconds: 20, backoffRate: 2, timeoutMinutes: 1 }
    steps:
      - kind: updateDataProduct
        dataProductId: dp_stuck
      - kind: publish
        destinationId: Golden Records
        dataProductId: dp_stuck
`;

let session: LocalSession;
const simulators: TamrCloudSimulator[] = [];

beforeAll(async () => {
  const config = parseConfig(CONFIG, '/tmp/tamr-cloud-e2e.yaml');
  // The plain-text form of the secret here; the demo below uses the JSON form.
  session = await LocalSession.open(config, { 'continuum/tamr-cloud': KEY, 'continuum/tamr-cloud-wrong': { apiKey: 'apk_revoked' } });
});

afterAll(async () => {
  await session?.close();
});

afterEach(async () => {
  await Promise.all(simulators.splice(0).map((sim) => sim.stop()));
});

async function simulator(options: TamrCloudSimulatorOptions = {}): Promise<TamrCloudSimulator> {
  const sim = new TamrCloudSimulator({ apiKey: KEY, jobDurationMs: 150, stopDelayMs: 50, ...options });
  await sim.start(0);
  simulators.push(sim);
  return sim;
}

function run(sim: TamrCloudSimulator, pipeline: string, options: SessionRunOptions = {}): Promise<RunReport> {
  return session.run(pipeline, { baseUrl: `${sim.url}${API}`, waitMs: 20, retryMs: 10, ...options });
}

const ms = (iso: string) => Date.parse(iso);
const createdAt = (job: TamrCloudJob) => ms(job.statusHistory[0].stateStartTime);
const doneAt = (job: TamrCloudJob) => ms(job.statusHistory.find((s) => s.state === 'DONE')!.stateStartTime);
const entered = (report: RunReport, state: string) => report.history.filter((e: HistoryEvent) => e.type === 'StateEntered' && e.state?.name === state);
const submittedConfigurations = (sim: TamrCloudSimulator) =>
  sim.requestsTo('POST', new RegExp(`^${API}/jobs$`)).filter((r) => r.status === 200).map((r) => JSON.parse(r.body).configuration);

describe('tamr-cloud pipeline, end to end', () => {
  it('loads 7 sources never more than 5 at once, then updates the data product, the RealTime workflow and publishes, in order', async () => {
    // No job may finish until the Map has submitted all it will submit at once.
    const clock = new HeldClock();
    const sim = await simulator({ clock: clock.now });
    let submittedWhileHeld = 0;
    const report = await run(sim, 'cloud-pipeline', {
      onEvent: (event) => {
        if (event.type === 'StateExited' && event.state?.name === 'Load source' && ++submittedWhileHeld === 5) clock.release();
      },
    });

    expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
    // The tenant's limit was respected: 5 loads ran side by side, never more, and no 429 at all.
    expect(sim.peakConcurrentJobs).toBe(5);
    expect(sim.rateLimitedCount).toBe(0);

    // All 7 loads ran, each once, and ended DONE without error.
    const loads = sim.jobs.filter((job) => job.configuration.load);
    expect(loads.map((job) => job.configuration.load!.sourceId).sort()).toEqual([...SOURCES].sort());
    expect(loads.every((job) => job.status.state === 'DONE' && !job.status.error)).toBe(true);

    // Then one job per later step, each created only after the previous step's jobs were DONE.
    const configurations = submittedConfigurations(sim);
    expect(configurations.slice(7)).toEqual([
      { update: { dataProductId: 'dp_main' } },
      { update: { workflowId: 'flow_main' } },
      { publish: { destinationId: 'Golden Records', dataProductId: 'dp_main' } },
    ]);
    const [update, workflow, publish] = sim.jobs.slice(7);
    expect(createdAt(update)).toBeGreaterThanOrEqual(Math.max(...loads.map(doneAt)));
    expect(createdAt(workflow)).toBeGreaterThanOrEqual(doneAt(update));
    expect(createdAt(publish)).toBeGreaterThanOrEqual(doneAt(workflow));
    expect(sim.jobs.every((job) => job.status.state === 'DONE' && !job.status.error)).toBe(true);

    // The steps the report shows: 7 Map iterations and 3 jobs, with their remote ids.
    expect(report.steps.map((s) => [s.name, s.item ?? null, s.finalState])).toEqual([
      ...SOURCES.map((_, i) => ['Load source', i, 'DONE']),
      ['Update data product', null, 'DONE'],
      ['Update RealTime workflow', null, 'DONE'],
      ['Publish output', null, 'DONE'],
    ]);
    expect(new Set(report.steps.map((s) => s.remoteId))).toEqual(new Set(sim.jobs.map((job) => job.jobId)));
    // The conflict checks ran before the data product steps and found nothing.
    expect(sim.requestsTo('GET', new RegExp(`^${API}/jobs$`)).map((r) => r.query.dataProductId)).toEqual(['dp_main', 'dp_main']);
    expect(report.output).toMatchObject({ status: 'SUCCEEDED', steps: { load: { items: expect.any(Array) }, publish: { state: 'DONE' } } });
  });

  it('with a jobLimit above the tenant\'s limit the extra loads get 429, retried until a slot frees', async () => {
    // Jobs cannot finish until the first 429 was answered and retried.
    const clock = new HeldClock();
    const sim = await simulator({ clock: clock.now });
    const report = await run(sim, 'cloud-over-limit', {
      retryMs: 100,
      onEvent: (event) => {
        if (event.type === 'StateRetried' && event.state?.name === 'Load source') clock.release();
      },
    });

    expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
    expect(sim.rateLimitedCount).toBeGreaterThan(0);
    expect(sim.peakConcurrentJobs).toBe(5);
    expect(sim.jobs).toHaveLength(7);
    expect(report.history.some((e) => e.type === 'StateRetried' && e.state?.name === 'Load source')).toBe(true);
  });

  it('a failing data product update ends FAILED with the remote reason and message; nothing after it runs', async () => {
    const sim = await simulator();
    sim.failJobs((c) => c.update?.dataProductId === 'dp_main', { reason: 'INTERNAL', message: 'Mastering flow failed: stage 3 ran out of memory' });
    const report = await run(sim, 'cloud-pipeline');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('TamrCloudJobFailed');
    const update = sim.jobs.find((job) => job.configuration.update?.dataProductId)!;
    expect(report.cause).toBe(
      `job ${update.jobId} (update of data product dp_main) failed with reason: INTERNAL; message: Mastering flow failed: stage 3 ran out of memory`,
    );
    expect(entered(report, 'Data product update failed')).toHaveLength(1);
    expect(report.steps.find((s) => s.key === 'updateDataProduct')).toMatchObject({ remoteId: update.jobId, finalState: 'DONE' });
    expect(submittedConfigurations(sim).filter((c) => c.publish || c.update?.workflowId)).toEqual([]);
  });

  describe('an unfinished job of the same data product (onConflict)', () => {
    it('wait: waits until it is DONE, then submits', async () => {
      const sim = await simulator({ stopDelayMs: 100 });
      let blocking = true;
      sim.neverFinish((c) => blocking && c.update?.dataProductId === 'dp_main');
      const other = sim.seedJob({ update: { dataProductId: 'dp_main' } }, 'RUNNING');
      blocking = false;
      // The other job ends when someone stops it, after this run has waited for it twice.
      let waits = 0;
      const report = await run(sim, 'cloud-conflict-wait', {
        onEvent: (event) => {
          if (event.type === 'StateEntered' && event.state?.name === 'Wait for the running data product update job' && ++waits === 2) {
            void fetch(`${sim.url}${API}/jobs/${other.jobId}:stop`, { method: 'POST', headers: { 'X-API-KEY': KEY } });
          }
        },
      });

      expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
      expect(waits).toBeGreaterThanOrEqual(2);
      const finds = sim.requestsTo('GET', new RegExp(`^${API}/jobs$`));
      expect(finds.length).toBeGreaterThanOrEqual(3);
      const ours = sim.jobs.find((job) => job.configuration.update?.dataProductId === 'dp_main' && job.jobId !== other.jobId)!;
      const theirs = sim.jobs.find((job) => job.jobId === other.jobId)!;
      expect(theirs.status.error?.reason).toBe('STOPPED');
      expect(createdAt(ours)).toBeGreaterThanOrEqual(doneAt(theirs));
      expect(report.steps.find((s) => s.key === 'updateDataProduct')).toMatchObject({ remoteId: ours.jobId, finalState: 'DONE' });
      expect(submittedConfigurations(sim)).toEqual([{ update: { dataProductId: 'dp_main' } }, { update: { workflowId: 'flow_main' } }]);
      // The progress output says what each look-up found.
      const findLines = report.history.map((e) => progressLine(e, 0)).filter((l) => l?.includes('Find running data product update'));
      expect(findLines[0]).toMatch(new RegExp(`found id ${other.jobId}  RUNNING$`));
      expect(findLines.at(-1)).toMatch(/none found$/);
    });

    it('skip: skips the step and goes on with the next one', async () => {
      const sim = await simulator();
      sim.neverFinish((c) => c.update?.dataProductId === 'dp_main');
      const other = sim.seedJob({ update: { dataProductId: 'dp_main' } }, 'RUNNING');
      const report = await run(sim, 'cloud-conflict-skip');

      expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
      expect(entered(report, 'Skip update data product while one runs')).toHaveLength(1);
      expect(report.steps.map((step) => [step.name, step.finalState])).toEqual([
        ['Update data product', 'SKIPPED'],
        ['Update RealTime workflow', 'DONE'],
      ]);
      expect(submittedConfigurations(sim)).toEqual([{ update: { workflowId: 'flow_main' } }]);
      expect(sim.jobs.filter((job) => job.configuration.update?.dataProductId).map((job) => job.jobId)).toEqual([other.jobId]);
      expect(sim.stopRequests).toEqual([]);
    });

    it('fail: fails the run with JobConflict and leaves the other job alone', async () => {
      const sim = await simulator();
      sim.neverFinish((c) => c.update?.dataProductId === 'dp_main');
      sim.seedJob({ update: { dataProductId: 'dp_main' } }, 'PENDING');
      const report = await run(sim, 'cloud-conflict-fail');

      expect(report.status).toBe('FAILED');
      expect(report.error).toBe('JobConflict');
      expect(report.cause).toBe('Update data product: another data product update job is still running (onConflict: fail).');
      expect(submittedConfigurations(sim)).toEqual([]);
      expect(sim.stopRequests).toEqual([]);
    });
  });

  it('a 429 on submit is retried, then the job runs', async () => {
    const sim = await simulator();
    sim.injectFault({
      fault: { kind: 'status', status: 429, body: JSON.stringify({ code: 8, message: 'Too Many Requests' }), contentType: 'application/json' },
      method: 'POST',
      path: new RegExp(`^${API}/jobs$`),
    });
    const report = await run(sim, 'cloud-conflict-wait');

    expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
    expect(sim.requestsTo('POST', new RegExp(`^${API}/jobs$`)).map((r) => r.status)).toEqual([429, 200, 200]);
    const retried = report.history.filter((e) => e.type === 'StateRetried').map((e) => e.state?.name);
    expect(retried).toEqual(['Update data product']);
  });

  describe('a submit whose answer is lost', () => {
    const jobsPost = new RegExp(`^${API}/jobs$`);

    it('created its job: the run finds it and polls it, and no second job is started', async () => {
      // Held until the run attached: the look always sees the job unfinished, however slow the machine.
      const clock = new HeldClock();
      const sim = await simulator({ clock: clock.now });
      sim.injectFault({ fault: { kind: 'lostAnswer' }, method: 'POST', path: jobsPost });
      const report = await run(sim, 'cloud-conflict-wait', {
        onEvent: (event) => {
          if (event.type === 'StateEntered' && event.state?.name === 'Attach to data product update job started by the failed submit') clock.release();
        },
      });

      expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
      // One data product update and one workflow update: the lost answer's job is the step's job.
      expect(sim.jobs.map((job) => job.configuration)).toEqual([{ update: { dataProductId: 'dp_main' } }, { update: { workflowId: 'flow_main' } }]);
      const [lost] = sim.jobs;
      expect(sim.requestsTo('POST', jobsPost).map((r) => [r.status, r.lostAnswer])).toEqual([[undefined, 200], [200, undefined]]);
      expect(entered(report, 'Wait after failed data product update submit')).toHaveLength(1);
      expect(entered(report, 'Attach to data product update job started by the failed submit')).toHaveLength(1);
      expect(report.history.filter((e) => e.type === 'StateRetried')).toEqual([]);
      expect(report.steps[0]).toMatchObject({ key: 'updateDataProduct', remoteId: lost.jobId, finalState: 'DONE' });
      // The look is by configuration: the workflow filter of the list, not the data product's.
      const look = sim.requestsTo('GET', `${API}/jobs`).filter((r) => r.query.dataProductId === 'dp_main');
      expect(look.length).toBeGreaterThanOrEqual(2); // the onConflict check, then the look after the lost answer
    });

    it('created a job that is DONE by the time of the look (20 ms): the run attaches to it and succeeds; one job for that configuration', async () => {
      // The simulator's clock moves 1 s on as soon as a list request follows the lost answer, so
      // the job is DONE when the look reads the list: no race with the machine's speed.
      let sim: TamrCloudSimulator | undefined;
      const lookedAfterLoss = () => {
        const lost = sim?.requests.findIndex((r) => r.lostAnswer !== undefined) ?? -1;
        return lost >= 0 && sim!.requests.slice(lost + 1).some((r) => r.method === 'GET');
      };
      sim = await simulator({ durationsMs: { update: 20 }, clock: () => Date.now() + (lookedAfterLoss() ? 1000 : 0) });
      sim.injectFault({ fault: { kind: 'lostAnswer' }, method: 'POST', path: jobsPost });
      const report = await run(sim, 'cloud-conflict-wait');

      expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
      const updates = sim.jobs.filter((job) => job.configuration.update?.dataProductId === 'dp_main');
      expect(updates).toHaveLength(1);
      expect(sim.requestsTo('POST', jobsPost).map((r) => [JSON.parse(r.body).configuration, r.status, r.lostAnswer])).toEqual([
        [{ update: { dataProductId: 'dp_main' } }, undefined, 200],
        [{ update: { workflowId: 'flow_main' } }, 200, undefined],
      ]);
      // The look answered the DONE job: attached, and its outcome taken without a status check.
      const [attach] = entered(report, 'Attach to data product update job started by the failed submit');
      expect(attach.state?.input).toMatchObject({ existing: { id: updates[0].jobId, status: { state: 'DONE', outcome: 'succeeded' } } });
      expect(report.steps[0]).toMatchObject({ key: 'updateDataProduct', remoteId: updates[0].jobId, finalState: 'DONE' });
    });

    it('against a server that ignores the list filters: other unfinished jobs of the tenant are neither a conflict nor the lost job', async () => {
      const sim = await simulator({ ignoreListFilters: true });
      const others = [{ load: { sourceId: 'src_crm' } }, { update: { dataProductId: 'dp_other' } }, { publish: { destinationId: 'Golden Records', dataProductId: 'dp_other' } }];
      sim.neverFinish((c) => !c.update?.workflowId && c.update?.dataProductId !== 'dp_main');
      for (const configuration of others) sim.seedJob(configuration, 'RUNNING');
      sim.injectFault({ fault: { kind: 'lostAnswer' }, method: 'POST', path: jobsPost });
      const report = await run(sim, 'cloud-conflict-fail');

      expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
      // The conflict check found none of the three, and the look found the lost answer's own job.
      expect(entered(report, 'Data product update conflicts with a running job')).toEqual([]);
      expect(entered(report, 'Attach to data product update job started by the failed submit')).toHaveLength(1);
      expect(sim.jobs.filter((job) => job.configuration.update?.dataProductId === 'dp_main')).toHaveLength(1);
      expect(sim.requestsTo('GET', jobsPost).map((r) => r.query.dataProductId)).toEqual(['dp_main', 'dp_main']);
    });

    it('did not reach the API: the look finds nothing and the submit is sent again', async () => {
      const sim = await simulator();
      sim.injectFault({ fault: { kind: 'reset' }, method: 'POST', path: jobsPost });
      const report = await run(sim, 'cloud-conflict-wait');

      expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
      expect(sim.jobs).toHaveLength(2);
      expect(entered(report, 'Look for data product update job started by the failed submit')).toHaveLength(1);
      expect(entered(report, 'Attach to data product update job started by the failed submit')).toEqual([]);
    });

    it('in a Map item: the load of that source is found and polled; every source is loaded once', async () => {
      const sim = await simulator();
      // The third load request loses its answer.
      sim.injectFault({ fault: { kind: 'delay', ms: 0 }, method: 'POST', path: jobsPost, times: 2 });
      sim.injectFault({ fault: { kind: 'lostAnswer' }, method: 'POST', path: jobsPost });
      const report = await run(sim, 'cloud-pipeline');

      expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
      const loads = sim.jobs.filter((job) => job.configuration.load).map((job) => job.configuration.load!.sourceId);
      expect(loads.sort()).toEqual([...SOURCES].sort());
      expect(report.history.filter((e) => e.type === 'StateEntered' && e.state?.name === 'Attach to source load job started by the failed submit')).toHaveLength(1);
    });

    it('keeps failing: submits again as often as the transient retry allows, looks once more, then fails', async () => {
      const sim = await simulator();
      sim.injectFault({ fault: { kind: 'reset' }, method: 'POST', path: jobsPost, times: Infinity });
      const report = await run(sim, 'cloud-conflict-wait');

      expect(report.status).toBe('FAILED');
      expect(report.error).toBe('TransientApiError');
      expect(report.cause).toContain(`POST ${API}/jobs`);
      // retry.transient.maxAttempts is 2: the first submit and 2 more, each followed by a look.
      expect(sim.requestsTo('POST', jobsPost)).toHaveLength(3);
      expect(entered(report, 'Look for data product update job started by the failed submit')).toHaveLength(3);
      expect(entered(report, 'Data product update request failed')).toHaveLength(1);
      expect(sim.jobs).toEqual([]);
    });
  });

  it('a revoked key fails at once with AuthFailed and the server message, no retries', async () => {
    const sim = await simulator();
    const report = await run(sim, 'cloud-wrong-key');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('AuthFailed');
    expect(report.cause).toBe(`POST ${API}/jobs answered 401: invalid API key (check the API key in secret 'continuum/tamr-cloud-wrong')`);
    expect(sim.requests.map((r) => [r.method, r.path, r.status])).toEqual([['POST', `${API}/jobs`, 401]]);
    expect(report.history.filter((e) => e.type === 'StateRetried')).toEqual([]);
    expect(entered(report, 'Source load request failed')).toHaveLength(1);
    expect(report.steps).toEqual([expect.objectContaining({ name: 'Load source', item: 0, finalState: 'REQUEST_FAILED' })]);
  });

  it('a job still running after its timeout is stopped on the tenant, then the run fails with JobTimedOut', async () => {
    // The real clock, moved on by hand once the run is over: the wind-down needs no sleep.
    let ahead = 0;
    const sim = await simulator({ clock: () => Date.now() + ahead });
    sim.neverFinish((c) => c.update?.dataProductId === 'dp_stuck');
    const report = await run(sim, 'cloud-timeout');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('JobTimedOut');
    expect(report.cause).toBe('Update data product did not finish within 1 minutes (3 status checks).');
    const [job] = sim.jobs;
    expect(sim.jobs).toHaveLength(1);
    expect(report.steps).toEqual([expect.objectContaining({ key: 'updateDataProduct', remoteId: job.jobId, finalState: 'TIMED_OUT', polls: 3 })]);
    // The stop request reached the simulator, after the last status check.
    expect(sim.stopRequests).toEqual([job.jobId]);
    const stop = sim.requestsTo('POST', `${API}/jobs/${job.jobId}:stop`);
    expect(stop).toHaveLength(1);
    expect(stop[0].at).toBeGreaterThanOrEqual(Math.max(...sim.requestsTo('GET', `${API}/jobs/${job.jobId}`).map((r) => r.at)));
    expect(entered(report, 'Stop data product update')).toHaveLength(1);
    expect(report.history.map((e) => progressLine(e, 0)).filter((l) => l?.includes('Stop data product update'))).toEqual([
      expect.stringMatching(/• Stop data product update\s+stop requested for id job_\w+$/),
    ]);
    // The job ends DONE, stopped, once the tenant has wound it down (stopDelayMs: 50).
    ahead += 50;
    const stopped = sim.jobs[0];
    expect(stopped.status).toMatchObject({ state: 'DONE', error: { reason: 'STOPPED', message: 'Job was stopped by a user' } });
    expect(stopped.statusHistory.map((s) => s.state)).toEqual(['PENDING', 'RUNNING', 'STOPPING', 'DONE']);
    expect(submittedConfigurations(sim)).toEqual([{ update: { dataProductId: 'dp_stuck' } }]);
  });
});

describe('the synthesized tamr-cloud state machines', () => {
  it('bound the load Map by jobLimit and call the tenant\'s API root unless baseUrl replaces it', () => {
    const states = (name: string) => allStates(session.pipeline(name).definition);
    const map = (name: string) => states(name).find(([state]) => state === 'Load sources')![1];
    expect(map('cloud-pipeline')).toMatchObject({ Type: 'Map', MaxConcurrency: 5, ItemsPath: '$.items.load' });
    expect(map('cloud-over-limit')).toMatchObject({ Type: 'Map', MaxConcurrency: 7 });

    const pipeline = session.pipeline('cloud-pipeline');
    expect(new Set([...pipeline.functions.values()].map((fn) => fn.handlerId))).toEqual(
      new Set(['tamr-cloud/create-job', 'tamr-cloud/get-job', 'tamr-cloud/stop-job', 'tamr-cloud/find-unfinished-job']),
    );
    for (const fn of pipeline.functions.values()) expect(fn.environment.BASE_URL).toBe('https://e2e.tamr.cloud/api/v1beta1');

    // Only the steps with a data product look for a conflicting job first; every job can be stopped.
    const names = states('cloud-pipeline').map(([state]) => state);
    expect(names.filter((n) => n.startsWith('Find running')).sort()).toEqual(['Find running data product update', 'Find running output publish']);
    expect(names.filter((n) => n.startsWith('Stop ')).sort()).toEqual(
      ['Stop RealTime workflow update', 'Stop data product update', 'Stop output publish', 'Stop source load'],
    );
  });

  it('fills the defaults: jobLimit 5, onConflict wait, the tenant\'s URL', () => {
    const [pipeline] = parseConfig(
      `pipelines:
  - name: defaults
    system: tamr-cloud
    tenant: acme
    secretName: s
    steps:
      - { kind: updateDataProduct, dataProductId: dp_1 }
      - { kind: publish, destinationId: RealTime datastore }
`,
      '/tmp/defaults.yaml',
    ).pipelines;
    expect(pipeline).toMatchObject({ jobLimit: 5 });
    expect(baseUrlOf(pipeline)).toBe('https://acme.tamr.cloud/api/v1beta1');
    const [update, publish] = jobsOf(pipeline);
    expect(update.existingJob).toMatchObject({ trigger: 'beforeSubmit', policy: 'wait', find: { payload: { dataProductId: 'dp_1' } } });
    // Publishing the RealTime datastore has no data product: nothing to look up.
    expect(publish.existingJob).toBeUndefined();
    expect(publish.submit.payload).toEqual({ kind: 'publish', destinationId: 'RealTime datastore' });
  });
});

describe('the tamr-cloud demo', () => {
  it('runs pipelines.yaml\'s tamr-cloud-demo with the demo\'s secret and base URL to SUCCEEDED', async () => {
    const setup = DEMOS['tamr-cloud'];
    expect(setup.simulator()).toBeInstanceOf(TamrCloudSimulator);
    const demoSession = await LocalSession.open(loadConfig('pipelines.yaml'), setup.secrets);
    // The demo's simulator with shorter jobs (the demo's are 1.2 s, to be watched).
    const sim = new TamrCloudSimulator({ jobDurationMs: 150 });
    const root = await sim.start(0);
    simulators.push(sim);
    try {
      const report = await demoSession.run(setup.pipeline, { baseUrl: setup.baseUrl(root), input: setup.input, waitMs: 20, retryMs: 10 });
      expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
      expect(sim.jobs).toHaveLength(10);
      expect(sim.peakConcurrentJobs).toBeLessThanOrEqual(5);
      expect(sim.rateLimitedCount).toBe(0);
      expect(report.steps.map((s) => s.finalState)).toEqual(Array(10).fill('DONE'));
    } finally {
      await demoSession.close();
    }
  });
});
