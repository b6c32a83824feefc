/**
 * The real Tamr Cloud handlers against a real TamrCloudSimulator over HTTP, on a virtual clock.
 * Only the Secrets Manager SDK client is mocked (test/support/secrets.ts); fetch is never touched.
 */
import { inspect } from 'node:util';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { htmlErrorPage } from '../../lib/local/simulators/http-simulator';
import { TamrCloudSimulator, type TamrCloudSimulatorOptions } from '../../lib/local/simulators/tamr-cloud';
import type { HandlerEnvironment } from '../../lambdas/shared/environment';
import type { JobResult } from '../../lambdas/shared/job-result';
import { createHandler as createCreateJob } from '../../lambdas/tamr-cloud/create-job';
import { createHandler as createFindUnfinishedJob } from '../../lambdas/tamr-cloud/find-unfinished-job';
import { createHandler as createGetJob } from '../../lambdas/tamr-cloud/get-job';
import { createHandler as createStopJob } from '../../lambdas/tamr-cloud/stop-job';
import { captureHandlerLogs, failure, type HandlerError } from '../support/handlers';
import { secretFetches, useSecret } from '../support/secrets';

const EPOCH = Date.UTC(2025, 2, 1, 12);
const API = '/api/v1beta1';
const SECRET_NAME = 'continuum/tamr-cloud-test';
const KEY = 'apk_handler_test_key';
const context = { awsRequestId: 'test' } as Context;
const iso = (ms: number) => new Date(EPOCH + ms).toISOString();


let t: number;
let sim: TamrCloudSimulator;
let env: HandlerEnvironment;
const logs = captureHandlerLogs();

/** Jobs take 1000 ms (100 ms PENDING), stops 100 ms, on a clock the test moves by hand. */
async function startSimulator(options: TamrCloudSimulatorOptions = {}): Promise<void> {
  await sim?.stop();
  sim = new TamrCloudSimulator({ apiKey: KEY, jobDurationMs: 1000, stopDelayMs: 100, clock: () => EPOCH + t, ...options });
  // 60 s: no answer of the in-process simulator takes that long, however loaded the machine, and
  // a hung call still fails within vitest's 120 s test timeout. Hang tests set their own short one.
  env = { BASE_URL: `${await sim.start(0, '127.0.0.1')}${API}`, SECRET_NAME, HTTP_TIMEOUT_MS: '60000' };
}

const createJob = (event: unknown): Promise<JobResult> => createCreateJob(env)(event, context);
const getJob = (event: unknown): Promise<JobResult> => createGetJob(env)(event, context);
const stopJob = (event: unknown): Promise<JobResult> => createStopJob(env)(event, context);
const findUnfinishedJob = (event: unknown): Promise<JobResult> => createFindUnfinishedJob(env)(event, context);


const jsonFault = (status: number, body: object) => ({ kind: 'status' as const, status, body: JSON.stringify(body), contentType: 'application/json' });

beforeEach(async () => {
  t = 0;
  useSecret(KEY);
  await startSimulator();
});

afterEach(async () => {
  await sim.stop();
});

describe('create-job', () => {
  it.each([
    { event: { kind: 'load', sourceId: 'src_crm' }, configuration: { load: { sourceId: 'src_crm' } }, summary: { type: 'load', sourceId: 'src_crm' } },
    {
      event: { kind: 'updateDataProduct', dataProductId: 'dp_customers' },
      configuration: { update: { dataProductId: 'dp_customers' } },
      summary: { type: 'update', dataProductId: 'dp_customers' },
    },
    {
      event: { kind: 'updateWorkflow', workflowId: 'flow_realtime' },
      configuration: { update: { workflowId: 'flow_realtime' } },
      summary: { type: 'update', workflowId: 'flow_realtime' },
    },
    {
      event: { kind: 'publish', destinationId: 'Golden Records 123', dataProductId: 'dp_customers' },
      configuration: { publish: { destinationId: 'Golden Records 123', dataProductId: 'dp_customers' } },
      summary: { type: 'publish', destinationId: 'Golden Records 123', dataProductId: 'dp_customers' },
    },
    {
      event: { kind: 'publish', destinationId: 'realtime-datastore' },
      configuration: { publish: { destinationId: 'realtime-datastore' } },
      summary: { type: 'publish', destinationId: 'realtime-datastore' },
    },
  ])('$event.kind posts {"configuration": $configuration} with X-API-KEY and returns the PENDING job', async ({ event, configuration, summary }) => {
    const result = await createJob(event);

    const [job] = sim.jobs;
    expect(job.configuration).toEqual(configuration);
    expect(result).toEqual({ id: job.jobId, state: 'PENDING', outcome: 'running', error: null, cause: null, summary: { ...summary, stateStartTime: iso(0) } });
    expect(sim.requests).toHaveLength(1);
    const [request] = sim.requests;
    expect(request).toMatchObject({ method: 'POST', path: `${API}/jobs`, status: 200 });
    expect(JSON.parse(request.body)).toEqual({ configuration });
    expect(request.headers['x-api-key']).toBe(KEY);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.accept).toBe('application/json');
  });

  it('reads the key from JSON {"apiKey"} as well as from a plain-text secret (trimmed), fetched once per cache lifetime', async () => {
    useSecret({ apiKey: KEY });
    const handler = createCreateJob(env);
    await handler({ kind: 'load', sourceId: 'src_1' }, context);
    await handler({ kind: 'load', sourceId: 'src_2' }, context);
    expect(secretFetches()).toBe(1);

    useSecret(`${KEY}\n`);
    await createJob({ kind: 'load', sourceId: 'src_3' });
    expect(sim.requests.map((r) => [r.headers['x-api-key'], r.status])).toEqual([
      [KEY, 200],
      [KEY, 200],
      [KEY, 200],
    ]);
  });

  it('accepts the seed\'s minimal answer {"jobId"} as a PENDING job', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: '{"jobId":"job_minimal"}' } });
    const result = await createJob({ kind: 'updateWorkflow', workflowId: 'flow_1' });
    expect(result).toEqual({ id: 'job_minimal', state: 'PENDING', outcome: 'running', error: null, cause: null, summary: { type: 'update', workflowId: 'flow_1' } });
  });

  it("429 when the tenant's concurrent job limit is reached → RateLimited with the server message", async () => {
    for (let i = 0; i < 5; i++) sim.seedJob({ load: { sourceId: `src_other_${i}` } }, 'RUNNING');
    const err = await failure(createJob({ kind: 'load', sourceId: 'src_1' }));

    expect(err.name).toBe('RateLimited');
    expect(err.status).toBe(429);
    expect(err.message).toBe('POST /api/v1beta1/jobs answered 429: Too Many Requests: tenant has 5 concurrent jobs');
    expect(sim.rateLimitedCount).toBe(1);
  });

  it('429 with Retry-After → RateLimited carrying the seconds', async () => {
    sim.injectFault({ fault: { ...jsonFault(429, { code: 8, message: 'Too Many Requests' }), headers: { 'retry-after': '30' } } });
    const err = await failure(createJob({ kind: 'load', sourceId: 'src_1' }));
    expect(err).toMatchObject({ name: 'RateLimited', status: 429, retryAfterSeconds: 30 });
  });

  it('a wrong key → AuthFailed with the server message and the secret to fix, never the key', async () => {
    useSecret({ apiKey: 'apk_wrong_key_1234' });
    const err = await failure(createJob({ kind: 'load', sourceId: 'src_1' }));

    expect(err.name).toBe('AuthFailed');
    expect(err.status).toBe(401);
    expect(err.message).toBe(`POST /api/v1beta1/jobs answered 401: invalid API key (check the API key in secret '${SECRET_NAME}')`);
    expect(err.message).not.toContain('apk_wrong_key_1234');
    expect(sim.jobs).toHaveLength(0);
  });

  it('403 → AuthFailed with the server message', async () => {
    sim.injectFault({ fault: jsonFault(403, { code: 7, message: 'API key lacks the jobs:create permission' }) });
    const err = await failure(createJob({ kind: 'updateDataProduct', dataProductId: 'dp_1' }));
    expect(err.name).toBe('AuthFailed');
    expect(err.status).toBe(403);
    expect(err.message).toContain('API key lacks the jobs:create permission');
  });

  it('an unknown source → NotFound with the server message', async () => {
    await startSimulator({ sources: ['src_known'] });
    const err = await failure(createJob({ kind: 'load', sourceId: 'src_unknown' }));
    expect(err).toMatchObject({ name: 'NotFound', status: 404, message: 'POST /api/v1beta1/jobs answered 404: source src_unknown not found' });
  });

  it('400 → ApiRejected with the server message', async () => {
    sim.injectFault({ fault: jsonFault(400, { code: 3, message: 'data product dp_legacy needs no dataProductId for publish' }) });
    const err = await failure(createJob({ kind: 'publish', destinationId: 'x', dataProductId: 'dp_legacy' }));
    expect(err).toMatchObject({ name: 'ApiRejected', status: 400 });
    expect(err.message).toContain('data product dp_legacy needs no dataProductId for publish');
  });

  it('503 with an HTML page → TransientApiError naming the page title, not the markup', async () => {
    sim.injectFault({ fault: { kind: 'status', status: 503, body: htmlErrorPage(503, 'Service Temporarily Unavailable') } });
    const err = await failure(createJob({ kind: 'load', sourceId: 'src_1' }));
    expect(err).toMatchObject({ name: 'TransientApiError', status: 503 });
    expect(err.message).toContain('503 Service Temporarily Unavailable');
    expect(err.message).not.toContain('<');
  });

  it('a connection reset or no answer → TransientApiError', async () => {
    sim.injectFault({ fault: { kind: 'reset' } });
    expect((await failure(createJob({ kind: 'load', sourceId: 'src_1' }))).name).toBe('TransientApiError');
    sim.injectFault({ fault: { kind: 'hang' } });
    const err = await failure(createCreateJob({ ...env, HTTP_TIMEOUT_MS: '500' })({ kind: 'load', sourceId: 'src_1' }, context));
    expect(err.name).toBe('TransientApiError');
    expect(err.message).toBe(`POST /api/v1beta1/jobs: no answer from ${new URL(sim.url).host} within 0.5 s`);
  });

  it.each([
    { what: 'not JSON', body: '{"jobId": "job_1", "status": ', message: 'answer is not valid JSON' },
    { what: 'a JSON answer without jobId', body: '{"status": {"state": "PENDING"}}', message: 'not a Tamr Cloud job' },
    { what: 'an unknown state', body: '{"jobId": "job_1", "status": {"state": "QUEUED"}}', message: 'not a Tamr Cloud job' },
  ])('$what → MalformedResponse', async ({ body, message }) => {
    sim.injectFault({ fault: { kind: 'malformed', body } });
    const err = await failure(createJob({ kind: 'load', sourceId: 'src_1' }));
    expect(err.name).toBe('MalformedResponse');
    expect(err.message).toContain(`POST ${API}/jobs: ${message}`);
  });

  it.each([
    { what: 'JSON without apiKey', value: { key: KEY } },
    { what: 'an empty apiKey', value: { apiKey: '' } },
    { what: 'a key with a space inside', value: 'apk_one two' },
    { what: 'a numeric apiKey', value: { apiKey: 12345 } },
  ])('$what → BadSecret before any request', async ({ value }) => {
    useSecret(value);
    const err = await failure(createJob({ kind: 'load', sourceId: 'src_1' }));
    expect(err.name).toBe('BadSecret');
    expect(err.message).toBe(`secret '${SECRET_NAME}' must be the Tamr Cloud API key, as plain text or as JSON {"apiKey": "..."}`);
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    { handler: 'create-job', call: () => createJob({ kind: 'refresh', sourceId: 'src_1' }) },
    { handler: 'create-job', call: () => createJob({ kind: 'load', dataProductId: 'dp_1' }) },
    { handler: 'get-job', call: () => getJob({ id: 'job_1' }) },
    { handler: 'stop-job', call: () => stopJob({}) },
    { handler: 'find-unfinished-job', call: () => findUnfinishedJob({ dataProductId: '' }) },
  ])('$handler with a bad payload → BadTaskInput before any request', async ({ handler, call }) => {
    const err = await failure(call());
    expect(err.name).toBe('BadTaskInput');
    expect(err.message).toContain(`tamr-cloud/${handler}: unexpected task input`);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('get-job', () => {
  it('follows a job PENDING → RUNNING → DONE as the clock advances (Map payload fields are ignored)', async () => {
    const { id } = await createJob({ kind: 'load', sourceId: 'src_crm' });
    const poll = { jobId: id, sourceId: 'src_crm' };

    expect(await getJob(poll)).toMatchObject({ id, state: 'PENDING', outcome: 'running' });
    t = 100;
    expect(await getJob(poll)).toMatchObject({ id, state: 'RUNNING', outcome: 'running', error: null, cause: null });
    t = 1000;
    expect(await getJob(poll)).toEqual({
      id,
      state: 'DONE',
      outcome: 'succeeded',
      error: null,
      cause: null,
      // Created at 0, DONE at 1 s on the tenant's clock: the duration learned polling keeps.
      summary: { type: 'load', sourceId: 'src_crm', stateStartTime: iso(1000), ranSeconds: 1 },
    });
    const polls = sim.requestsTo('GET', `${API}/jobs/${id}`);
    expect(polls).toHaveLength(3);
    expect(polls.every((r) => r.headers['x-api-key'] === KEY)).toBe(true);
  });

  it('DONE with status.error → failed TamrCloudJobFailed with the job, its reason and its message', async () => {
    sim.failJobs((c) => c.update?.dataProductId === 'dp_broken', { reason: 'INTERNAL', message: 'Mastering flow failed: stage 3 ran out of memory' });
    const { id } = await createJob({ kind: 'updateDataProduct', dataProductId: 'dp_broken' });
    t = 1000;
    const result = await getJob({ jobId: id });

    expect(result).toMatchObject({ id, state: 'DONE', outcome: 'failed', error: 'TamrCloudJobFailed' });
    expect(result.cause).toBe(
      `job ${id} (update of data product dp_broken) failed with reason: INTERNAL; message: Mastering flow failed: stage 3 ran out of memory`,
    );
  });

  it('cuts a very long remote message and marks the cut', async () => {
    const message = `java.lang.IllegalStateException: ${'at com.tamr.Stage.run(Stage.java:1) '.repeat(300)}`;
    sim.failJobs(() => true, { reason: 'INTERNAL', message });
    const { id } = await createJob({ kind: 'load', sourceId: 'src_1' });
    t = 1000;
    const { cause } = await getJob({ jobId: id });
    expect(cause).toMatch(/^job job_\w+ \(load of source src_1\) failed with reason: INTERNAL; message: java\.lang\.IllegalStateException/);
    expect(cause).toMatch(/… \[cut \d+ characters\]$/);
    expect(cause!.length).toBeLessThan(4100);
  });

  it('keeps polling through STOPPING and reports a stopped job as TamrCloudJobStopped', async () => {
    const { id } = await createJob({ kind: 'publish', destinationId: 'Golden Records', dataProductId: 'dp_1' });
    t = 400;
    await stopJob({ jobId: id });
    expect(await getJob({ jobId: id })).toMatchObject({ id, state: 'STOPPING', outcome: 'running' });
    t = 500;
    const stopped = await getJob({ jobId: id });
    expect(stopped).toMatchObject({ id, state: 'DONE', outcome: 'failed', error: 'TamrCloudJobStopped' });
    expect(stopped.cause).toBe(
      `job ${id} (publish of data product dp_1 to destination 'Golden Records') was stopped before it finished (reason: STOPPED; message: Job was stopped by a user)`,
    );
  });

  it('a DONE job that went through STOPPING is stopped even when the server gives no error', async () => {
    const body = {
      jobId: 'job_x',
      configuration: { load: { sourceId: 'src_1' } },
      status: { state: 'DONE', stateStartTime: iso(5) },
      statusHistory: [{ state: 'PENDING' }, { state: 'RUNNING' }, { state: 'STOPPING' }, { state: 'DONE' }],
    };
    sim.injectFault({ fault: { kind: 'malformed', body: JSON.stringify(body) } });
    expect(await getJob({ jobId: 'job_x' })).toMatchObject({ outcome: 'failed', error: 'TamrCloudJobStopped' });
  });

  it('an empty error object on DONE is success, as the seed reads it', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: JSON.stringify({ jobId: 'job_x', status: { state: 'DONE', error: {} } }) } });
    expect(await getJob({ jobId: 'job_x' })).toEqual({ id: 'job_x', state: 'DONE', outcome: 'succeeded', error: null, cause: null, summary: {} });
  });

  it('an unknown job → NotFound with the server message', async () => {
    const err = await failure(getJob({ jobId: 'job_nope' }));
    expect(err).toMatchObject({ name: 'NotFound', status: 404, message: 'GET /api/v1beta1/jobs/job_nope answered 404: job job_nope not found' });
    const failedLine = logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.message === 'failed');
    expect(failedLine).toMatchObject({ level: 'error', handler: 'tamr-cloud/get-job', error: 'NotFound' });
  });

  it('a job without a status → MalformedResponse', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: '{"jobId":"job_x"}' } });
    const err = await failure(getJob({ jobId: 'job_x' }));
    expect(err.name).toBe('MalformedResponse');
    expect(err.message).toContain('GET /api/v1beta1/jobs/job_x: not a Tamr Cloud job');
  });
});

describe('stop-job', () => {
  it('POSTs /jobs/{id}:stop; a RUNNING job goes STOPPING, then DONE with the STOPPED error', async () => {
    const { id } = await createJob({ kind: 'updateDataProduct', dataProductId: 'dp_1' });
    t = 300;
    const result = await stopJob({ jobId: id!, sourceId: 'ignored' });

    expect(result).toEqual({ id, state: 'STOP_REQUESTED', outcome: 'succeeded', error: null, cause: null, summary: null });
    const [request] = sim.requestsTo('POST', `${API}/jobs/${id}:stop`);
    expect(request).toMatchObject({ status: 200 });
    expect(request.headers['x-api-key']).toBe(KEY);
    expect(sim.stopRequests).toEqual([id]);
    t = 400;
    const [job] = sim.jobs;
    expect(job.status).toEqual({ state: 'DONE', stateStartTime: iso(400), error: { reason: 'STOPPED', message: 'Job was stopped by a user' } });
    expect(job.statusHistory.map((s) => s.state)).toEqual(['PENDING', 'RUNNING', 'STOPPING', 'DONE']);
  });

  it('a PENDING job goes straight to DONE; stopping a DONE job changes nothing', async () => {
    const pending = await createJob({ kind: 'load', sourceId: 'src_1' });
    await stopJob({ jobId: pending.id });
    expect(sim.jobs[0].statusHistory.map((s) => s.state)).toEqual(['PENDING', 'DONE']);

    const done = await createJob({ kind: 'load', sourceId: 'src_2' });
    t = 2000;
    expect((await stopJob({ jobId: done.id })).outcome).toBe('succeeded');
    expect(sim.jobs[1].status).toEqual({ state: 'DONE', stateStartTime: iso(1000) });
  });

  it('an unknown job → NotFound', async () => {
    const err = await failure(stopJob({ jobId: 'job_nope' }));
    expect(err).toMatchObject({ name: 'NotFound', status: 404 });
    expect(err.message).toBe('POST /api/v1beta1/jobs/job_nope:stop answered 404: job job_nope not found');
  });

  it('an empty answer is read as {}; anything but a JSON object → MalformedResponse', async () => {
    const { id } = await createJob({ kind: 'load', sourceId: 'src_1' });
    sim.injectFault({ fault: { kind: 'malformed', body: '' } });
    expect((await stopJob({ jobId: id })).outcome).toBe('succeeded');
    sim.injectFault({ fault: { kind: 'malformed', body: '[]' } });
    expect((await failure(stopJob({ jobId: id }))).message).toContain(`POST ${API}/jobs/${id}:stop: expected {} as the answer, got []`);
    sim.injectFault({ fault: { kind: 'malformed', body: 'stopped' } });
    expect((await failure(stopJob({ jobId: id }))).name).toBe('MalformedResponse');
  });
});

describe('find-unfinished-job', () => {
  it('none: lists the data product\'s jobs (pageSize 30) and answers id null', async () => {
    await createJob({ kind: 'updateDataProduct', dataProductId: 'dp_1' });
    t = 1000; // DONE now
    const result = await findUnfinishedJob({ dataProductId: 'dp_1' });

    expect(result).toEqual({ id: null, state: 'NONE', outcome: 'succeeded', error: null, cause: null, summary: { dataProductId: 'dp_1', jobsChecked: 1, pagesRead: 1 } });
    const [request] = sim.requestsTo('GET', `${API}/jobs`);
    expect(request.query).toEqual({ dataProductId: 'dp_1', pageSize: '30' });
    expect(request.headers['x-api-key']).toBe(KEY);
  });

  it('answers the newest unfinished job of the data product (update or publish), ignoring DONE jobs and other data products', async () => {
    sim.seedJob({ update: { dataProductId: 'dp_1' } }, 'RUNNING');
    const publish = sim.seedJob({ publish: { destinationId: 'Golden Records', dataProductId: 'dp_1' } }, 'PENDING');
    sim.seedJob({ update: { dataProductId: 'dp_other' } }, 'RUNNING');
    sim.seedJob({ load: { sourceId: 'src_1' } }, 'RUNNING');

    const result = await findUnfinishedJob({ dataProductId: 'dp_1' });
    expect(result).toEqual({
      id: publish.jobId,
      state: 'PENDING',
      outcome: 'running',
      error: null,
      cause: null,
      summary: { dataProductId: 'dp_1', job: "publish of data product dp_1 to destination 'Golden Records'" },
    });
  });

  it('counts STOPPING jobs as unfinished', async () => {
    const job = sim.seedJob({ update: { dataProductId: 'dp_1' } }, 'RUNNING');
    await stopJob({ jobId: job.jobId });
    expect(await findUnfinishedJob({ dataProductId: 'dp_1' })).toMatchObject({ id: job.jobId, state: 'STOPPING', outcome: 'running' });
  });

  it('follows nextPageToken to an unfinished job on the second page', async () => {
    await startSimulator({ concurrentJobLimit: 100, durationsMs: { update: 10_000, publish: 100 } });
    const old = sim.seedJob({ update: { dataProductId: 'dp_1' } }, 'RUNNING');
    for (let i = 0; i < 35; i++) sim.seedJob({ publish: { destinationId: `dest_${i}`, dataProductId: 'dp_1' } }, 'PENDING');
    t = 200; // the 35 publishes are DONE, the update still RUNNING

    const result = await findUnfinishedJob({ dataProductId: 'dp_1' });
    expect(result).toMatchObject({ id: old.jobId, state: 'RUNNING', outcome: 'running' });
    const pages = sim.requestsTo('GET', `${API}/jobs`);
    expect(pages).toHaveLength(2);
    expect(pages[0].query.pageToken).toBeUndefined();
    expect(pages[1].query).toMatchObject({ dataProductId: 'dp_1', pageSize: '30', pageToken: expect.any(String) });
  });

  it(`stops after ${3} pages and answers none, saying more jobs were left unchecked`, async () => {
    await startSimulator({ concurrentJobLimit: 1000, durationsMs: { update: 10_000, publish: 100 } });
    sim.seedJob({ update: { dataProductId: 'dp_1' } }, 'RUNNING');
    for (let i = 0; i < 100; i++) sim.seedJob({ publish: { destinationId: `dest_${i}`, dataProductId: 'dp_1' } }, 'PENDING');
    t = 200;

    const result = await findUnfinishedJob({ dataProductId: 'dp_1' });
    expect(result).toEqual({
      id: null,
      state: 'NONE',
      outcome: 'succeeded',
      error: null,
      cause: null,
      summary: { dataProductId: 'dp_1', jobsChecked: 90, pagesRead: 3, moreJobsUnchecked: true },
    });
    expect(sim.requestsTo('GET', `${API}/jobs`)).toHaveLength(3);
  });

  it('an empty list whose "jobs" field is omitted (proto3 JSON) is none', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: '{}' } });
    expect(await findUnfinishedJob({ dataProductId: 'dp_1' })).toMatchObject({ id: null, state: 'NONE', summary: { jobsChecked: 0 } });
  });

  describe('with a submit payload (after a lost answer): only a job with exactly that configuration', () => {
    it('an update of the data product, not its publish, and not a DONE one', async () => {
      await createJob({ kind: 'updateDataProduct', dataProductId: 'dp_1' });
      t = 1000; // DONE now
      const update = sim.seedJob({ update: { dataProductId: 'dp_1' } }, 'RUNNING');
      sim.seedJob({ publish: { destinationId: 'Golden Records', dataProductId: 'dp_1' } }, 'PENDING');

      expect(await findUnfinishedJob({ kind: 'updateDataProduct', dataProductId: 'dp_1' })).toEqual({
        id: update.jobId,
        state: 'RUNNING',
        outcome: 'running',
        error: null,
        cause: null,
        summary: { dataProductId: 'dp_1', job: 'update of data product dp_1' },
      });
    });

    it('a load lists by source; a publish by destination and data product', async () => {
      const load = sim.seedJob({ load: { sourceId: 'src_2' } }, 'PENDING');
      sim.seedJob({ load: { sourceId: 'src_1' } }, 'RUNNING');
      expect(await findUnfinishedJob({ kind: 'load', sourceId: 'src_2' })).toMatchObject({ id: load.jobId, outcome: 'running' });
      expect(sim.requestsTo('GET', `${API}/jobs`).at(-1)!.query).toEqual({ sourceId: 'src_2', pageSize: '30' });

      // A publish of the same destination without the data product is another job.
      sim.seedJob({ publish: { destinationId: 'Golden Records' } }, 'RUNNING');
      expect(await findUnfinishedJob({ kind: 'publish', destinationId: 'Golden Records', dataProductId: 'dp_1' })).toMatchObject({ id: null, state: 'NONE' });
      expect(sim.requestsTo('GET', `${API}/jobs`).at(-1)!.query).toEqual({ destinationId: 'Golden Records', dataProductId: 'dp_1', pageSize: '30' });
    });

    it('a workflow update with none unfinished: id null', async () => {
      await createJob({ kind: 'updateWorkflow', workflowId: 'flow_1' });
      t = 1000; // DONE now
      expect(await findUnfinishedJob({ kind: 'updateWorkflow', workflowId: 'flow_1' })).toMatchObject({ id: null, state: 'NONE', summary: { workflowId: 'flow_1', jobsChecked: 1 } });
    });

    describe('with createdAfter (when the failed submit was seen failing): the job it created, in any state', () => {
      // The state machine saw the submit fail at t = 5000; that attempt may have run 30 s before.
      const createdAfter = { time: iso(5000), allowanceSeconds: 30 };

      it('a job DONE by now is attached to with its outcome, never reported as none', async () => {
        t = 4000;
        const { id } = await createJob({ kind: 'updateDataProduct', dataProductId: 'dp_1' });
        t = 6000; // DONE now (jobs take 1000 ms)
        expect(await findUnfinishedJob({ kind: 'updateDataProduct', dataProductId: 'dp_1', createdAfter })).toEqual({
          id,
          state: 'DONE',
          outcome: 'succeeded',
          error: null,
          cause: null,
          summary: { dataProductId: 'dp_1', type: 'update', stateStartTime: iso(5000), job: 'update of data product dp_1', ranSeconds: 1 },
        });
      });

      it('a failed DONE job is attached to as failed (its error), so the step fails instead of submitting again', async () => {
        sim.failJobs(() => true, { reason: 'SPARK_ERROR', message: 'out of memory' });
        const { id } = await createJob({ kind: 'load', sourceId: 'src_1' });
        t = 2000;
        expect(await findUnfinishedJob({ kind: 'load', sourceId: 'src_1', createdAfter: { time: iso(1000), allowanceSeconds: 0 } })).toMatchObject({
          id,
          outcome: 'failed',
          error: 'TamrCloudJobFailed',
        });
      });

      it('a DONE job created before the window (less 60 s of clock skew) is an earlier run\'s: none, and the list is not read further', async () => {
        await startSimulator({ concurrentJobLimit: 100 });
        for (let i = 0; i < 40; i++) await createJob({ kind: 'load', sourceId: 'src_1' });
        t = 200_000;
        const late = { time: iso(100_000), allowanceSeconds: 39 };
        expect(await findUnfinishedJob({ kind: 'load', sourceId: 'src_1', createdAfter: late })).toMatchObject({ id: null, state: 'NONE', summary: { jobsChecked: 1, pagesRead: 1 } });
        // Created at t = 0, the window opens at 100 s - 39 s - 60 s = 1 s before: it counts.
        expect(await findUnfinishedJob({ kind: 'load', sourceId: 'src_1', createdAfter: { ...late, allowanceSeconds: 40 } })).toMatchObject({ state: 'DONE', outcome: 'succeeded' });
      });

      it('a DONE job whose answer has no creation time is not taken (it may be an earlier run\'s); an unfinished one is', async () => {
        const job = (state: string) => ({ jobId: `job_${state}`, configuration: { load: { sourceId: 'src_1' } }, status: { state } });
        sim.injectFault({ fault: { kind: 'malformed', body: JSON.stringify({ jobs: [job('DONE')] }) } });
        expect(await findUnfinishedJob({ kind: 'load', sourceId: 'src_1', createdAfter })).toMatchObject({ id: null, state: 'NONE' });
        sim.injectFault({ fault: { kind: 'malformed', body: JSON.stringify({ jobs: [job('DONE'), job('RUNNING')] }) } });
        expect(await findUnfinishedJob({ kind: 'load', sourceId: 'src_1', createdAfter })).toMatchObject({ id: 'job_RUNNING', outcome: 'running' });
      });

      it('a malformed time → BadTaskInput', async () => {
        expect((await failure(findUnfinishedJob({ kind: 'load', sourceId: 'src_1', createdAfter: { time: 'yesterday' } }))).name).toBe('BadTaskInput');
      });
    });

    it('an event that is neither → BadTaskInput', async () => {
      expect((await failure(findUnfinishedJob({ kind: 'load' }))).name).toBe('BadTaskInput');
      expect((await failure(findUnfinishedJob({ dataProductId: 'dp_1', extra: true }))).name).toBe('BadTaskInput');
    });
  });

  describe('against a server that ignores the list filters: every listed job\'s configuration is matched here', () => {
    beforeEach(async () => {
      await startSimulator({ ignoreListFilters: true, concurrentJobLimit: 100 });
    });

    it('the data product check: unfinished loads, workflow updates and other data products\' jobs are no conflict', async () => {
      sim.seedJob({ load: { sourceId: 'src_1' } }, 'RUNNING');
      sim.seedJob({ update: { workflowId: 'flow_1' } }, 'RUNNING');
      sim.seedJob({ update: { dataProductId: 'dp_other' } }, 'PENDING');
      sim.seedJob({ publish: { destinationId: 'Golden Records', dataProductId: 'dp_other' } }, 'PENDING');

      expect(await findUnfinishedJob({ dataProductId: 'dp_1' })).toMatchObject({ id: null, state: 'NONE', summary: { dataProductId: 'dp_1', jobsChecked: 4 } });
      // The filter is still sent, as a hint; the server listed the whole tenant all the same.
      expect(sim.requestsTo('GET', `${API}/jobs`)[0].query).toEqual({ dataProductId: 'dp_1', pageSize: '30' });

      const publish = sim.seedJob({ publish: { destinationId: 'Golden Records', dataProductId: 'dp_1' } }, 'RUNNING');
      expect(await findUnfinishedJob({ dataProductId: 'dp_1' })).toMatchObject({ id: publish.jobId, outcome: 'running' });
    });

    it('the look after a lost answer: only its own configuration, whatever else the tenant runs', async () => {
      const createdAfter = { time: iso(0), allowanceSeconds: 0 };
      sim.seedJob({ load: { sourceId: 'src_2' } }, 'RUNNING');
      sim.seedJob({ update: { dataProductId: 'dp_1' } }, 'RUNNING');
      expect(await findUnfinishedJob({ kind: 'load', sourceId: 'src_1', createdAfter })).toMatchObject({ id: null, state: 'NONE', summary: { jobsChecked: 2 } });
      const mine = await createJob({ kind: 'load', sourceId: 'src_1' });
      sim.seedJob({ load: { sourceId: 'src_3' } }, 'PENDING');
      expect(await findUnfinishedJob({ kind: 'load', sourceId: 'src_1', createdAfter })).toMatchObject({ id: mine.id, outcome: 'running' });
    });
  });

  it('a list that is not a job list → MalformedResponse; a 401 → AuthFailed', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: '{"jobs": [{"id": 1}]}' } });
    const malformed = await failure(findUnfinishedJob({ dataProductId: 'dp_1' }));
    expect(malformed.name).toBe('MalformedResponse');
    expect(malformed.message).toContain(`GET ${API}/jobs?dataProductId=dp_1&pageSize=30: not a job list`);

    useSecret('apk_wrong');
    expect((await failure(findUnfinishedJob({ dataProductId: 'dp_1' }))).name).toBe('AuthFailed');
  });
});

describe('the API key', () => {
  it('never appears in a log line, a result or an error', async () => {
    const key = 'apk_LEAK_canary_5e1d9c';
    const wrongKey = 'apk_WRONG_canary_77ab';
    await startSimulator({ apiKey: key });
    useSecret({ apiKey: key });
    const results: JobResult[] = [];
    const errors: HandlerError[] = [];
    const ok = async (call: Promise<JobResult>) => {
      const result = await call;
      results.push(result);
      return result;
    };
    const bad = async (call: Promise<unknown>, name: string) => {
      const err = await failure(call);
      expect(err.name).toBe(name);
      errors.push(err);
    };

    sim.failJobs((c) => c.update?.dataProductId === 'dp_broken', { reason: 'INTERNAL', message: 'boom' });
    const load = await ok(createJob({ kind: 'load', sourceId: 'src_1' }));
    const broken = await ok(createJob({ kind: 'updateDataProduct', dataProductId: 'dp_broken' }));
    const publish = await ok(createJob({ kind: 'publish', destinationId: 'd', dataProductId: 'dp_1' }));
    await ok(findUnfinishedJob({ dataProductId: 'dp_1' }));
    t = 300;
    await ok(stopJob({ jobId: publish.id }));
    t = 1000;
    expect((await ok(getJob({ jobId: load.id }))).outcome).toBe('succeeded');
    expect((await ok(getJob({ jobId: broken.id }))).error).toBe('TamrCloudJobFailed');
    expect((await ok(getJob({ jobId: publish.id }))).error).toBe('TamrCloudJobStopped');
    await ok(findUnfinishedJob({ dataProductId: 'dp_1' }));
    await bad(getJob({ jobId: 'job_nope' }), 'NotFound');
    sim.injectFault({ fault: jsonFault(429, { message: 'slow down' }) });
    await bad(createJob({ kind: 'load', sourceId: 'src_1' }), 'RateLimited');
    sim.injectFault({ fault: { kind: 'status', status: 502, body: htmlErrorPage(502, 'Bad Gateway') } });
    await bad(getJob({ jobId: load.id }), 'TransientApiError');
    sim.injectFault({ fault: { kind: 'malformed', body: '<html>' } });
    await bad(stopJob({ jobId: load.id }), 'MalformedResponse');
    useSecret(wrongKey);
    await bad(createJob({ kind: 'load', sourceId: 'src_1' }), 'AuthFailed');
    await bad(findUnfinishedJob({ dataProductId: 'dp_1' }), 'AuthFailed');
    useSecret({ apiKey: `${wrongKey} x` });
    await bad(getJob({ jobId: load.id }), 'BadSecret');

    // Not vacuous: the key really went over the wire, and there is plenty to scan.
    expect(sim.requests.some((r) => r.headers['x-api-key'] === key)).toBe(true);
    expect(sim.requests.some((r) => r.headers['x-api-key'] === wrongKey)).toBe(true);
    expect(results.length).toBeGreaterThanOrEqual(9);
    expect(errors.length).toBeGreaterThanOrEqual(7);
    const scanned = [...logs, ...results.map((r) => JSON.stringify(r)), ...errors.map((e) => `${e.message} ${JSON.stringify(e)} ${inspect(e, { depth: 5 })}`)];
    for (const text of scanned) {
      for (const secret of [key, wrongKey]) expect(text.includes(secret), `${secret} leaked in: ${text.slice(0, 300)}`).toBe(false);
    }
  });
});
