/**
 * The Tamr Mastering pipeline of pipelines.yaml, end to end: the synthesized state machine runs in
 * aws-local-stepfunctions, its tasks call the real handlers, and the handlers talk HTTP to the
 * Tamr Mastering simulator. Waits are shortened; nothing else is.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../lib/config/load';
import { OVERLAP_GUARD_STATE, SKIPPED_STATE } from '../../lib/constructs/overlap-guard';
import type { LocalSession } from '../../lib/local/session';
import { TamrMasteringSimulator } from '../../lib/local/simulators/tamr-mastering';
import { eventsOf, FAST, openSession, statesEntered, testConfig, until } from '../support/local-run';

const V1 = '/api/versioned/v1';
const SECRETS = { 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } };

let sim: TamrMasteringSimulator;
let session: LocalSession;
let baseUrl: string;

async function start(config: LoadedConfig = testConfig(), secrets: Record<string, unknown> = SECRETS): Promise<void> {
  sim = new TamrMasteringSimulator({ operationDurationMs: 120 });
  baseUrl = await sim.start();
  session = await openSession(config, secrets);
}

afterEach(async () => {
  await session?.close();
  await sim?.stop();
});

const run = (input: Record<string, unknown> = {}) => session.run('tamr-mastering-demo', { ...FAST, baseUrl, input });

/** The submitting requests the simulator saw, as `METHOD path`, in order. */
const submits = () => sim.requests.filter((r) => r.method === 'POST').map((r) => r.path);

describe('Tamr Mastering pipeline, executed locally', () => {
  it('runs every step of the seed in order and reports each operation', async () => {
    await start();
    const report = await run({ mlConfigurationChanged: true });

    expect(report.status).toBe('SUCCEEDED');
    expect(report.skipped).toBe(false);
    expect(submits()).toEqual([
      `${V1}/datasets/1:updateRecords`,
      `${V1}/projects/1/unifiedDataset:refresh`,
      '/api/recipe/recipes/2/populate',
      `${V1}/projects/1/recordPairs:refresh`,
      `${V1}/projects/1/recordClusters:refresh`,
      `${V1}/datasets/5:refresh`,
    ]);
    expect(sim.recordCount('1')).toBe(5);
    expect(report.steps.map((s) => [s.name, s.finalState])).toEqual([
      ['Update dataset records', 'SUCCEEDED'],
      ['Refresh unified dataset', 'SUCCEEDED'],
      ['Update recipe', 'SUCCEEDED'],
      ['Refresh record pairs', 'SUCCEEDED'],
      ['Refresh record clusters', 'SUCCEEDED'],
      ['Refresh dataset export', 'SUCCEEDED'],
    ]);
    // Each polled step names its operation and was checked at least once.
    for (const step of report.steps.slice(1)) {
      expect(step.remoteId).toMatch(/^\d+$/);
      expect(step.polls).toBeGreaterThan(0);
    }
    // Every poll of an operation is one GET, one per "Get ... status" task.
    const polls = report.steps.reduce((sum, s) => sum + s.polls, 0);
    expect(sim.requestsTo('GET', `${V1}/operations/`)).toHaveLength(polls);
    expect(report.lambdaInvocations).toBe(6 + polls);
    expect(report.output).toMatchObject({ status: 'SUCCEEDED', pipeline: 'tamr-mastering-demo', steps: { refreshRecordClusters: { state: 'SUCCEEDED' } } });
    // The job durations the deployed run-metrics function would publish, one per step with a
    // remote job (updateRecords is a synchronous call: its time is the Lambda's duration).
    const durations = report.metrics.filter((m) => m.name === 'JobDurationSeconds');
    expect(durations.map((m) => m.dimensions.Step).sort()).toEqual(['populateRecipe', 'refreshDataset', 'refreshRecordClusters', 'refreshRecordPairs', 'refreshUnifiedDataset'].sort());
    for (const metric of durations) expect(metric.dimensions.Pipeline).toBe('tamr-mastering-demo');
    expect(durations.find((m) => m.dimensions.Step === 'refreshRecordPairs')!.value).toBeGreaterThan(0);
  });

  it('skips the recipe when the input does not say the ML configuration changed', async () => {
    await start();
    const report = await run({ mlConfigurationChanged: false });

    expect(report.status).toBe('SUCCEEDED');
    expect(submits()).not.toContain('/api/recipe/recipes/2/populate');
    expect(statesEntered(report)).toContain('Skip update recipe');
    expect(report.steps.find((s) => s.name === 'Update recipe')?.finalState).toBe('SKIPPED');
  });

  it('fails the run with the operation message when a refresh fails, and runs nothing after it', async () => {
    await start();
    sim.failNext('org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 7.0 failed 4 times', 'recordClusters');
    const report = await run();

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('TamrOperationFailed');
    expect(report.cause).toContain('Job aborted due to stage failure: Task 3 in stage 7.0 failed 4 times');
    expect(report.cause).toContain('FAILED');
    expect(statesEntered(report).at(-1)).toBe('Record clusters failed');
    expect(submits().at(-1)).toBe(`${V1}/projects/1/recordClusters:refresh`);
    expect(report.steps.at(-1)).toMatchObject({ name: 'Refresh record clusters', finalState: 'FAILED' });
  });

  it('polls through CANCELING and fails a canceled operation as TamrOperationCanceled', async () => {
    await start();
    sim.cancelNext('recordPairs');
    const report = await run();

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('TamrOperationCanceled');
    const pairStates = report.history
      .filter((e) => e.type === 'StateExited' && e.state?.name === 'Get record pairs status')
      .map((e) => (e.state!.output as { job: { status: { state: string } } }).job.status.state);
    expect(pairStates).toContain('CANCELING');
    expect(pairStates.at(-1)).toBe('CANCELED');
  });

  it('retries a 429 with backoff in the state machine and then succeeds', async () => {
    await start();
    sim.injectFault({ fault: { kind: 'status', status: 429, body: '{"message":"Too many requests"}', contentType: 'application/json' }, method: 'POST', path: 'unifiedDataset:refresh', times: 2 });
    const report = await run();

    expect(report.status).toBe('SUCCEEDED');
    expect(sim.requestsTo('POST', 'unifiedDataset:refresh').map((r) => r.status)).toEqual([429, 429, 200]);
    const retries = eventsOf(report, 'StateRetried').map((e) => e.state!.name);
    expect(retries).toEqual(['Refresh unified dataset', 'Refresh unified dataset']);
  });

  it('retries a 503 with an HTML page, and fails at once on bad credentials', async () => {
    await start();
    sim.injectFault({ fault: { kind: 'status', status: 503, body: '<html><title>503 Service Unavailable</title></html>' }, method: 'GET', path: '/operations/', times: 1 });
    expect((await run()).status).toBe('SUCCEEDED');
    await session.close();

    session = await openSession(testConfig(), { 'continuum/tamr-mastering': { username: 'admin', password: 'wrong' } });
    const report = await run();
    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('AuthFailed');
    expect(report.cause).toContain('401');
    expect(report.cause).toContain('The supplied credentials are not valid.');
    expect(eventsOf(report, 'StateRetried')).toHaveLength(0);
    expect(statesEntered(report).at(-1)).toBe('Dataset records request failed');
  });

  it('ends a job that never finishes with JobTimedOut after its poll budget', async () => {
    const config = testConfig(`
pipelines:
  - name: tamr-mastering-demo
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr-mastering
    polling: { initialIntervalSeconds: 15, maxIntervalSeconds: 60, backoffRate: 2, timeoutMinutes: 2 }
    steps:
      - kind: refreshUnifiedDataset
        project: "1"
      - kind: refreshRecordPairs
        project: "1"
`);
    await start(config);
    sim.neverFinishNext('unifiedDataset');
    const report = await run();

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('JobTimedOut');
    expect(report.cause).toBe('Refresh unified dataset did not finish within 2 minutes (4 status checks).');
    // Waits 15 + 15 + 30 + 60 ≥ 120 s (each wait = the time so far): four checks, then the Fail.
    expect(sim.requestsTo('GET', '/operations/1')).toHaveLength(4);
    expect(statesEntered(report).at(-1)).toBe('Unified dataset timed out');
    expect(submits()).toHaveLength(1);
  });

  it('skips a run that starts while another run of the same pipeline is in progress', async () => {
    await start();
    sim.neverFinishNext('unifiedDataset');
    const first = session.start('tamr-mastering-demo', { waitMs: 50, retryMs: 10, baseUrl });
    await until(() => sim.requestsTo('GET', '/operations/').length > 0);

    const second = await run();
    expect(second.status).toBe('SUCCEEDED');
    expect(second.skipped).toBe(true);
    expect(second.output).toMatchObject({ status: 'SKIPPED', skipped: true, reason: 'a previous run of this pipeline is still in progress' });
    expect(statesEntered(second)).toEqual([OVERLAP_GUARD_STATE, 'Is another run in progress', 'Count skipped run', SKIPPED_STATE]);
    expect(second.lambdaInvocations).toBe(0);
    // The skip is visible as a metric, not only in the execution's output.
    expect(second.metrics).toEqual([{ namespace: 'Continuum', name: 'RunsSkipped', dimensions: { Pipeline: 'tamr-mastering-demo' }, value: 1 }]);
    expect(first.pipeline.config.name).toBe('tamr-mastering-demo');

    first.abort();
    const aborted = await first.done;
    expect(aborted.status).toBe('ABORTED');

    // With the first run gone, the next run is not skipped.
    const third = await run();
    expect(third.skipped).toBe(false);
  });
});

describe('the secret', () => {
  const SENTINEL = 'Sentinel-Pa55-9f1c7e';
  const secrets = { 'continuum/tamr-mastering': { username: 'admin', password: SENTINEL } };
  const forms = [SENTINEL, Buffer.from(`admin:${SENTINEL}`).toString('base64')];
  let config: LoadedConfig;

  beforeAll(() => {
    config = testConfig();
  });
  afterAll(async () => {
    await session?.close();
    await sim?.stop();
  });

  it('appears nowhere in the template, the execution history or the handler logs, on success and on failure', async () => {
    sim = new TamrMasteringSimulator({ operationDurationMs: 60, password: SENTINEL });
    baseUrl = await sim.start();
    session = await openSession(config, secrets);
    const ok = await run({ mlConfigurationChanged: true });
    expect(ok.status).toBe('SUCCEEDED');
    // The simulator did receive it: the search below would find it if it leaked.
    expect(sim.requests[0].headers.authorization).toContain(forms[1]);

    sim.injectFault({ fault: { kind: 'status', status: 403, body: '{"message":"forbidden"}' }, method: 'POST', path: 'recordPairs' });
    const failed = await run();
    expect(failed.status).toBe('FAILED');

    const haystacks = {
      template: JSON.stringify(session.app.template),
      history: JSON.stringify([...ok.history, ...failed.history]),
      logs: [...ok.logs, ...failed.logs].join('\n'),
      report: JSON.stringify({ ...ok, history: undefined }) + JSON.stringify({ ...failed, history: undefined }),
    };
    expect(haystacks.logs.length).toBeGreaterThan(1000);
    for (const [where, text] of Object.entries(haystacks)) {
      for (const form of forms) expect(text.includes(form), `${where} contains the secret`).toBe(false);
    }
  });
});
