/**
 * The real Crossing Minds handlers against a real CrossingMindsSimulator over HTTP. Only the
 * Secrets Manager SDK client is mocked, statefully (PutSecretValue changes what the next
 * GetSecretValue returns); fetch is never touched.
 */
import { GetSecretValueCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { clearCache } from '@middy/util';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { htmlErrorPage } from '../../lib/local/simulators/http-simulator';
import { CrossingMindsSimulator, type CrossingMindsSimulatorOptions } from '../../lib/local/simulators/crossing-minds';
import { createHandler as createCancelTask } from '../../lambdas/crossing-minds/cancel-task';
import { expiredByClaim } from '../../lambdas/crossing-minds/client';
import { createHandler as createFindRunningTask } from '../../lambdas/crossing-minds/find-running-task';
import { createHandler as createGetRecentTask } from '../../lambdas/crossing-minds/get-recent-task';
import { createHandler as createGetTask } from '../../lambdas/crossing-minds/get-task';
import { createHandler as createTriggerTask } from '../../lambdas/crossing-minds/trigger-task';
import type { HandlerEnvironment } from '../../lambdas/shared/environment';
import type { JobResult } from '../../lambdas/shared/job-result';
import { secretsManager } from '../support/secrets';
import { captureHandlerLogs, failure } from '../support/handlers';

const EPOCH = Date.UTC(2024, 0, 1);
const SECRET_NAME = 'continuum/crossing-minds-test';
const context = { awsRequestId: 'test' } as Context;
const RECO_CONTEXT = {
  input_table: { connection: 'GCS', name: 'input-myfile.csv.gz' },
  reco_params: { amt: 7, filters: ['price:eq:10'] },
  output_table: { connection: 'LOCAL', name: 'output-reco.parquet' },
};
const TASK_ID = /^[A-Za-z0-9]{20}$/;


let t: number;
let sim: CrossingMindsSimulator;
let env: HandlerEnvironment;
const logs = captureHandlerLogs();
/** The secret as the mocked Secrets Manager holds it. */
let stored: string;

/** A stateful Secrets Manager: PutSecretValue replaces what GetSecretValue answers. */
function useSecret(value: object | string): void {
  secretsManager.reset();
  stored = typeof value === 'string' ? value : JSON.stringify(value);
  // The middleware chains .catch() on send(): the fakes must answer promises.
  secretsManager.on(GetSecretValueCommand).callsFake(async () => ({ SecretString: stored }));
  secretsManager.on(PutSecretValueCommand).callsFake(async (input: { SecretString: string }) => {
    stored = input.SecretString;
    return {};
  });
  clearCache();
}
const storedSecret = (): Record<string, unknown> => JSON.parse(stored) as Record<string, unknown>;
const secretReads = (): number => secretsManager.commandCalls(GetSecretValueCommand).length;
const secretWrites = (): number => secretsManager.commandCalls(PutSecretValueCommand).length;

async function startSimulator(options: CrossingMindsSimulatorOptions = {}): Promise<void> {
  await sim?.stop();
  sim = new CrossingMindsSimulator({ clock: () => EPOCH + t, ...options });
  // 60 s: no answer of the in-process simulator takes that long, however loaded the machine, and
  // a hung call still fails within vitest's 120 s test timeout. Hang tests set their own short one.
  env = { BASE_URL: await sim.start(0, '127.0.0.1'), SECRET_NAME, HTTP_TIMEOUT_MS: '60000' };
}

// A new handler per call is a cold container; reuse one to keep its token memory.
const trigger = (event: unknown): Promise<JobResult> => createTriggerTask(env)(event, context);
const getTask = (event: unknown): Promise<JobResult> => createGetTask(env)(event, context);
const getRecentTask = (event: unknown): Promise<JobResult> => createGetRecentTask(env)(event, context);
const findRunning = (event: unknown): Promise<JobResult> => createFindRunningTask(env)(event, context);
const cancelTask = (event: unknown): Promise<JobResult> => createCancelTask(env)(event, context);


/** Trigger a task through the API directly (not through a handler). */
async function apiTrigger(name: string, body?: object): Promise<string> {
  const path = body ? `/tasks/private/${name}/` : `/tasks/${name}/`;
  const response = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(response.status).toBeLessThan(300);
  return sim.tasks.at(-1)!.task_id;
}

const vendorError = (status: number, name: string, message: string) => ({
  kind: 'status' as const,
  status,
  body: JSON.stringify({ error_code: 99, error_name: name, message, error_data: {} }),
  contentType: 'application/json',
});

beforeEach(async () => {
  t = 0;
  useSecret({ token: 'cm-demo-jwt' });
  await startSimulator();
});

afterEach(async () => {
  await sim.stop();
});

describe('trigger-task', () => {
  it('public: POST tasks/<name>/ without a body; the 204 gives a job without an id yet', async () => {
    const result = await trigger({ taskName: 'ml_model_retrain' });

    expect(result).toEqual({
      id: null,
      state: 'REQUEST_SENT',
      outcome: 'running',
      error: null,
      cause: null,
      summary: { taskName: 'ml_model_retrain', taskId: null },
    });
    expect(sim.requests).toHaveLength(1);
    const [request] = sim.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/tasks/ml_model_retrain/', body: '', status: 204 });
    expect(request.headers.authorization).toBe('Bearer cm-demo-jwt');
    expect(request.headers.accept).toBe('application/json');
    expect(sim.tasks.map((task) => task.name)).toEqual(['ml_model_retrain']);
  });

  it('public: takes the task_id when the API answers with one', async () => {
    await startSimulator({ publicTriggerReturnsId: true });
    const result = await trigger({ taskName: 'ml_new_users' });
    expect(result).toMatchObject({ id: sim.tasks[0].task_id, state: 'REQUEST_SENT', outcome: 'running' });
    expect(result.id).toMatch(TASK_ID);
  });

  it('private: POST tasks/private/<name>/ with the context_task, answering the task_id', async () => {
    const result = await trigger({ taskName: 'reco_export', context: RECO_CONTEXT });

    expect(result).toMatchObject({ id: sim.tasks[0].task_id, state: 'REQUEST_SENT', outcome: 'running', summary: { taskName: 'reco_export' } });
    const [request] = sim.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/tasks/private/reco_export/', status: 200 });
    expect(request.headers['content-type']).toBe('application/json');
    // No refresh token in this secret: none is sent.
    expect(JSON.parse(request.body)).toEqual({ context_task: RECO_CONTEXT });
    expect(sim.tasks[0].payload).toEqual(RECO_CONTEXT);
  });

  it('private: passes the secret\'s refresh token on as refresh_token', async () => {
    useSecret({ token: 'cm-demo-jwt', refreshToken: 'cm-demo-refresh' });
    await trigger({ taskName: 'data_import', context: { connection: 'GCS', table_name: 'myfile.csv.gz' } });
    expect(JSON.parse(sim.requests[0].body)).toEqual({ context_task: { connection: 'GCS', table_name: 'myfile.csv.gz' }, refresh_token: 'cm-demo-refresh' });
    expect(sim.tasks[0].refreshToken).toBe('cm-demo-refresh');
  });

  it('TASK_ALREADY_RUNNING → CrossingMindsTaskAlreadyRunning (409) with the server message', async () => {
    sim.seedRunningTask('ml_model_retrain');
    const err = await failure(trigger({ taskName: 'ml_model_retrain' }));
    expect(err.name).toBe('CrossingMindsTaskAlreadyRunning');
    expect(err.status).toBe(409);
    expect(err.message).toBe('POST /tasks/ml_model_retrain/ answered 409: TASK_ALREADY_RUNNING: task ml_model_retrain is already running');

    await apiTrigger('reco_export', { context_task: RECO_CONTEXT });
    expect((await failure(trigger({ taskName: 'reco_export', context: RECO_CONTEXT }))).name).toBe('CrossingMindsTaskAlreadyRunning');
  });

  it('WRONG_DATA_TYPE (400) → ApiRejected with the vendor error name and message', async () => {
    sim.injectFault({ fault: vendorError(400, 'WRONG_DATA_TYPE', 'the table has wrong params'), path: '/tasks/private/reco_export/' });
    const err = await failure(trigger({ taskName: 'reco_export', context: RECO_CONTEXT }));
    expect(err.name).toBe('ApiRejected');
    expect(err.message).toBe('POST /tasks/private/reco_export/ answered 400: WRONG_DATA_TYPE: the table has wrong params');
  });

  it('a private answer without task_id, or a public body that is not JSON → MalformedResponse', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: '{"warnings": []}' } });
    const err = await failure(trigger({ taskName: 'reco_export', context: RECO_CONTEXT }));
    expect(err.name).toBe('MalformedResponse');
    expect(err.message).toMatch(/^POST \/tasks\/private\/reco_export\/: answer has no task_id: /);

    sim.injectFault({ fault: { kind: 'malformed', body: '<html>oops' } });
    const html = await failure(trigger({ taskName: 'ml_new_items' }));
    expect(html.name).toBe('MalformedResponse');
    expect(html.message).toBe('POST /tasks/ml_new_items/: answer is not valid JSON: <html>oops');
  });

  it('an unknown task name in the event → BadTaskInput before any request', async () => {
    const err = await failure(trigger({ taskName: 'ml_everything' }));
    expect(err.name).toBe('BadTaskInput');
    expect(sim.requests).toHaveLength(0);
  });
});

describe('get-task (private tasks)', () => {
  it('follows a task REQUEST_SENT → RUNNING → COMPLETED with its progress message', async () => {
    const id = await apiTrigger('data_import', { context_task: { connection: 'LOCAL', table_name: 'input-myfile.csv' } });
    const handler = createGetTask(env);
    const check = () => handler({ taskName: 'data_import', jobId: id }, context);

    expect(await check()).toEqual({
      id,
      state: 'REQUEST_SENT',
      outcome: 'running',
      error: null,
      cause: null,
      summary: { taskName: 'data_import', taskId: id, progress: 'waiting for a worker' },
      nextCheckSeconds: null,
    });
    t = 700;
    expect(await check()).toMatchObject({ id, state: 'RUNNING', outcome: 'running', summary: { progress: expect.stringMatching(/^\d+ rows uploaded$/) } });
    t = 1500;
    expect(await check()).toEqual({
      id,
      state: 'COMPLETED',
      outcome: 'succeeded',
      error: null,
      cause: null,
      summary: { taskName: 'data_import', taskId: id, progress: '160 rows uploaded' },
      nextCheckSeconds: null,
    });
    expect(sim.requests.slice(1).map((r) => `${r.method} ${r.path}`)).toEqual(Array(3).fill(`GET /tasks/private/data_import/${id}/`));
  });

  it('FAILED → CrossingMindsTaskFailed with the task\'s message as the cause', async () => {
    sim.failNext('reco_export', 'TABLE_NOT_FOUND: input-myfile.csv.gz does not exist');
    const id = await apiTrigger('reco_export', { context_task: RECO_CONTEXT });
    t = 1500;
    expect(await getTask({ taskName: 'reco_export', jobId: id })).toEqual({
      id,
      state: 'FAILED',
      outcome: 'failed',
      error: 'CrossingMindsTaskFailed',
      cause: `reco_export task ${id} FAILED: TABLE_NOT_FOUND: input-myfile.csv.gz does not exist`,
      summary: { taskName: 'reco_export', taskId: id, progress: 'TABLE_NOT_FOUND: input-myfile.csv.gz does not exist' },
      nextCheckSeconds: null,
    });
  });

  it('keeps waiting through CANCELLED_REQUESTED, then CANCELLED → CrossingMindsTaskCancelled', async () => {
    const id = await apiTrigger('user_id_whitelist_export', { context_task: { output_table: { connection: 'LOCAL', name: 'w.parquet' } } });
    t = 500;
    await cancelTask({ taskName: 'user_id_whitelist_export', jobId: id });
    expect(await getTask({ taskName: 'user_id_whitelist_export', jobId: id })).toMatchObject({ state: 'CANCELLED_REQUESTED', outcome: 'running' });
    t = 800;
    expect(await getTask({ taskName: 'user_id_whitelist_export', jobId: id })).toMatchObject({
      state: 'CANCELLED',
      outcome: 'failed',
      error: 'CrossingMindsTaskCancelled',
      cause: `user_id_whitelist_export task ${id} was CANCELLED: task cancelled`,
    });
  });

  it('TASK_NOT_FOUND (404) → NotFound with the server message', async () => {
    const err = await failure(getTask({ taskName: 'reco_export', jobId: 'AAAAAAAAAAAAAAAAAAAA' }));
    expect(err.name).toBe('NotFound');
    expect(err.status).toBe(404);
    expect(err.message).toBe('GET /tasks/private/reco_export/AAAAAAAAAAAAAAAAAAAA/ answered 404: TASK_NOT_FOUND: no task reco_export with id AAAAAAAAAAAAAAAAAAAA');
  });

  it('an unknown status → MalformedResponse', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: '{"task_id":"x","name":"reco_export","start_time":1,"status":"DONE"}' } });
    const err = await failure(getTask({ taskName: 'reco_export', jobId: 'x' }));
    expect(err.name).toBe('MalformedResponse');
    expect(err.message).toContain('GET /tasks/private/reco_export/x/: not a task:');
  });
});

describe('next check from the task\'s progress', () => {
  // A 20-minute task: 2 minutes in REQUEST_SENT, then 18 minutes of "uploading n%" (1 % per
  // 10.8 s; reco_export reports n_processed / n_total too). The simulator clock is t ms after the trigger.
  const bounds = { minSeconds: 5, maxSeconds: 300 };
  const at = (seconds: number, previous: unknown = null) => ({ ...bounds, elapsedSeconds: seconds, previous });

  beforeEach(() => startSimulator({ taskDurationMs: 1_200_000 }));

  it('keeps each reading in the summary and estimates from the pace between two of them', async () => {
    const id = await apiTrigger('reco_export', { context_task: RECO_CONTEXT });
    const check = async (seconds: number, previous: unknown) => {
      t = seconds * 1000;
      return (await getTask({ taskName: 'reco_export', jobId: id, nextCheck: at(seconds, previous) })) as JobResult & { nextCheckSeconds: number | null };
    };

    // Queued: no share, no estimate (the poller's schedule applies), nothing to remember.
    const queued = await check(60, null);
    expect(queued).toMatchObject({ state: 'REQUEST_SENT', nextCheckSeconds: null });
    expect(queued.summary).not.toHaveProperty('progressDone');
    // Running, first reading: remembered, but one reading is no pace.
    const first = await check(228, queued.summary);
    expect(first).toMatchObject({ state: 'RUNNING', nextCheckSeconds: null, summary: { progress: 'uploading 10%', progressDone: 0.1, progressAtSeconds: 228 } });
    // Second reading, 108 s later: 10 % more, so the remaining 80 % takes 864 s (clamped to 300).
    const second = await check(336, first.summary);
    expect(second).toMatchObject({ summary: { progressDone: 0.2, progressAtSeconds: 336 }, nextCheckSeconds: 300 });
    // Near the end the estimate is the time left: 5 % more in 55 s, 3 % left → 33 s.
    const late = await check(1_168, { progressDone: 0.92, progressAtSeconds: 1_113 });
    expect(late).toMatchObject({ summary: { progress: 'uploading 97%' }, nextCheckSeconds: 33 });
    expect(1_168 + late.nextCheckSeconds!).toBeGreaterThanOrEqual(1_200);
    // Done: no estimate.
    expect(await check(1_200, late.summary)).toMatchObject({ state: 'COMPLETED', outcome: 'succeeded', nextCheckSeconds: null });
  });

  it('a public task: the share in the recents list\'s progress message', async () => {
    await apiTrigger('item_popularity_score_recalibrate');
    t = 660_000;
    const first = (await getRecentTask({ taskName: 'item_popularity_score_recalibrate', jobId: null, nextCheck: at(660) })) as JobResult & { nextCheckSeconds: number | null };
    expect(first).toMatchObject({ summary: { progress: 'recalibrated 50% of item popularity scores', progressDone: 0.5, progressAtSeconds: 660 }, nextCheckSeconds: null });
    t = 768_000;
    const second = await getRecentTask({ taskName: 'item_popularity_score_recalibrate', jobId: first.id, nextCheck: at(768, first.summary) });
    // 10 % in 108 s: 40 % left takes 432 s, clamped to the longest wait.
    expect(second).toMatchObject({ summary: { progressDone: 0.6 }, nextCheckSeconds: 300 });
  });

  it('tasks whose progress has no share (a model trained) leave the schedule in charge', async () => {
    await apiTrigger('ml_model_retrain');
    t = 600_000;
    const first = await getRecentTask({ taskName: 'ml_model_retrain', jobId: null, nextCheck: at(600) });
    t = 900_000;
    const second = await getRecentTask({ taskName: 'ml_model_retrain', jobId: first.id, nextCheck: at(900, first.summary) });
    expect(second).toMatchObject({ state: 'RUNNING', summary: { progress: expect.stringMatching(/^trained model [0-9a-f]{8}$/) }, nextCheckSeconds: null });
    expect(second.summary).not.toHaveProperty('progressDone');
  });

  it('a malformed nextCheck is a bad task input, not a crash', async () => {
    const err = await failure(getTask({ taskName: 'reco_export', jobId: 'x', nextCheck: { minSeconds: 0 } }));
    expect(err.name).toBe('BadTaskInput');
  });
});

describe('get-recent-task (public tasks)', () => {
  it('without an id: names the newest task (ours, just triggered) and reads its status', async () => {
    await apiTrigger('ml_new_items');
    t = 500;
    const result = await getRecentTask({ taskName: 'ml_new_items', jobId: null });

    expect(result).toEqual({
      id: sim.tasks[0].task_id,
      state: 'RUNNING',
      outcome: 'running',
      error: null,
      cause: null,
      summary: { taskName: 'ml_new_items', taskId: sim.tasks[0].task_id, progress: expect.stringMatching(/new items processed$/) },
      nextCheckSeconds: null,
    });
    expect(sim.requests.at(-1)).toMatchObject({ method: 'GET', path: '/tasks/ml_new_items/recents/', query: { page: '1', amt: '64' } });
  });

  it('without an id and an empty list: keeps waiting (NOT_LISTED_YET)', async () => {
    expect(await getRecentTask({ taskName: 'ml_new_items', jobId: null })).toMatchObject({ id: null, state: 'NOT_LISTED_YET', outcome: 'running' });
  });

  it('with an id: finds it among newer ones and maps COMPLETED and FAILED', async () => {
    sim.failNext('ml_model_retrain', 'not enough ratings');
    const failedId = await apiTrigger('ml_model_retrain');
    t = 1500;
    const doneId = await apiTrigger('ml_model_retrain');
    t = 3000;
    expect(await getRecentTask({ taskName: 'ml_model_retrain', jobId: doneId })).toMatchObject({ id: doneId, state: 'COMPLETED', outcome: 'succeeded' });
    expect(await getRecentTask({ taskName: 'ml_model_retrain', jobId: failedId })).toMatchObject({
      id: failedId,
      state: 'FAILED',
      outcome: 'failed',
      error: 'CrossingMindsTaskFailed',
      cause: `ml_model_retrain task ${failedId} FAILED: not enough ratings`,
    });
  });

  it('pages on, one page per check, when newer tasks pushed the task off the page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      t = i * 2000;
      ids.push(await apiTrigger('ml_new_users'));
    }
    t = 20_000;
    const ours = ids[0]; // the oldest: on page 3 of 2
    const handler = createGetRecentTask(env);
    const check = (jobId: string) => handler({ taskName: 'ml_new_users', jobId, pageSize: 2 }, context);

    const first = await check(ours);
    expect(first).toMatchObject({ id: `${ours}?page=2`, state: 'SEARCHING_RECENTS', outcome: 'running', summary: { taskId: ours, page: 2 } });
    const second = await check(first.id!);
    expect(second).toMatchObject({ id: `${ours}?page=3`, state: 'SEARCHING_RECENTS', outcome: 'running' });
    const third = await check(second.id!);
    expect(third).toMatchObject({ id: ours, state: 'COMPLETED', outcome: 'succeeded' });
    expect(sim.requests.slice(5).map((r) => r.query)).toEqual([
      { page: '1', amt: '2' },
      { page: '2', amt: '2' },
      { page: '3', amt: '2' },
    ]);
  });

  it('keeps the page in the id while the task found there still runs', async () => {
    sim.neverFinishNext('ml_new_users');
    const ours = await apiTrigger('ml_new_users');
    t = 500;
    // As if an earlier check had to page on (the task is on page 1 now, which is what the list says).
    expect(await getRecentTask({ taskName: 'ml_new_users', jobId: `${ours}?page=1` })).toMatchObject({ id: ours, state: 'RUNNING' });
    const onPage2 = await failure(getRecentTask({ taskName: 'ml_new_users', jobId: `${ours}?page=2` }));
    expect(onPage2.name).toBe('CrossingMindsTaskNotListed');
  });

  it('not in the list → CrossingMindsTaskNotListed; past the page limit too', async () => {
    await apiTrigger('ml_new_items');
    const missing = await failure(getRecentTask({ taskName: 'ml_new_items', jobId: 'AAAAAAAAAAAAAAAAAAAA' }));
    expect(missing.name).toBe('CrossingMindsTaskNotListed');
    expect(missing.message).toBe('ml_new_items task AAAAAAAAAAAAAAAAAAAA is not in the recents list (searched up to page 1 of 64)');

    for (let i = 1; i < 12; i++) {
      t = i * 2000;
      await apiTrigger('ml_new_items');
    }
    const tooDeep = await failure(getRecentTask({ taskName: 'ml_new_items', jobId: 'AAAAAAAAAAAAAAAAAAAA?page=10', pageSize: 1 }));
    expect(tooDeep.name).toBe('CrossingMindsTaskNotListed');
    expect(tooDeep.message).toBe('ml_new_items task AAAAAAAAAAAAAAAAAAAA is not within the 10 newest recents pages of 1');
  });

  it('a job id that is not a locator → BadTaskInput before any request', async () => {
    const err = await failure(getRecentTask({ taskName: 'ml_new_items', jobId: 'abc?page=0' }));
    expect(err.name).toBe('BadTaskInput');
    expect(sim.requests).toHaveLength(0);
  });

  it('a list of the wrong shape → MalformedResponse', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: '{"has_next": "no", "tasks": []}' } });
    const err = await failure(getRecentTask({ taskName: 'ml_new_items', jobId: null }));
    expect(err.name).toBe('MalformedResponse');
    expect(err.message).toMatch(/^GET \/tasks\/ml_new_items\/recents\/\?page=1&amt=64: not a recents list: .*has_next/);
  });
});

describe('find-running-task', () => {
  it('public: answers the unfinished task as running, even below newer finished ones', async () => {
    const id = sim.seedRunningTask('ml_model_retrain', { neverFinish: true });
    t = 300;
    const result = await findRunning({ taskName: 'ml_model_retrain' });
    expect(result).toMatchObject({ id, state: 'RUNNING', outcome: 'running', error: null });
    expect(sim.requests.at(-1)).toMatchObject({ path: '/tasks/ml_model_retrain/recents/', query: { page: '1', amt: '64' } });
  });

  it('private: reads the internal recents list', async () => {
    const id = sim.seedRunningTask('reco_export', { payload: RECO_CONTEXT });
    const result = await findRunning({ taskName: 'reco_export' });
    expect(result).toMatchObject({ id, state: 'REQUEST_SENT', outcome: 'running' });
    expect(sim.requests.at(-1)!.path).toBe('/tasks/private/reco_export/recents/');
  });

  it('none unfinished (it ended meanwhile): answers the newest task with its final outcome', async () => {
    sim.failNext('ml_new_items', 'no new items');
    const id = await apiTrigger('ml_new_items');
    t = 1500;
    expect(await findRunning({ taskName: 'ml_new_items' })).toMatchObject({ id, state: 'FAILED', outcome: 'failed', error: 'CrossingMindsTaskFailed' });
  });

  describe('with createdAfter (after a trigger whose answer was lost): the task started since, in any status', () => {
    const at = (ms: number) => new Date(EPOCH + ms).toISOString();

    it('a task COMPLETED by now is answered with its outcome (attached, not triggered again)', async () => {
      t = 10_000;
      const id = await apiTrigger('ml_new_items');
      t = 20_000; // long COMPLETED
      expect(await findRunning({ taskName: 'ml_new_items', createdAfter: { time: at(10_500), allowanceSeconds: 0 } })).toMatchObject({ id, state: 'COMPLETED', outcome: 'succeeded' });
    });

    it('only tasks started inside the window (less 60 s of skew) count: an earlier run\'s task is none', async () => {
      const id = await apiTrigger('ml_new_items');
      t = 200_000;
      const result = await findRunning({ taskName: 'ml_new_items', createdAfter: { time: at(100_000), allowanceSeconds: 30 } });
      expect(result).toEqual({ id: null, state: 'NONE', outcome: 'succeeded', error: null, cause: null, summary: { taskName: 'ml_new_items', tasksChecked: 1 } });
      // An empty list is none too, not a contradiction: the trigger may never have reached the API.
      expect(await findRunning({ taskName: 'reco_export', createdAfter: { time: at(0) } })).toMatchObject({ id: null, state: 'NONE' });
      expect(await findRunning({ taskName: 'ml_new_items', createdAfter: { time: at(100_000), allowanceSeconds: 40 } })).toMatchObject({ id, outcome: 'succeeded' });
    });
  });

  it('an empty list contradicts TASK_ALREADY_RUNNING → CrossingMindsTaskNotListed', async () => {
    const err = await failure(findRunning({ taskName: 'ml_new_items' }));
    expect(err.name).toBe('CrossingMindsTaskNotListed');
    expect(err.message).toBe('the API answered TASK_ALREADY_RUNNING for ml_new_items but lists no ml_new_items task');
  });
});

describe('cancel-task', () => {
  it('DELETE tasks/private/<name>/<id>/ requests the cancellation', async () => {
    sim.neverFinishNext('reco_export');
    const id = await apiTrigger('reco_export', { context_task: RECO_CONTEXT });
    t = 400;
    const result = await cancelTask({ taskName: 'reco_export', jobId: id });

    expect(result).toEqual({
      id,
      state: 'CANCELLED_REQUESTED',
      outcome: 'running',
      error: null,
      cause: null,
      summary: { taskName: 'reco_export', taskId: id, cancelRequested: true },
    });
    expect(sim.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/tasks/private/reco_export/${id}/`, status: 204 });
    expect(sim.cancelRequests).toEqual([{ name: 'reco_export', task_id: id, at: EPOCH + 400 }]);
    t = 400 + 300;
    expect(sim.statusOf(sim.tasks[0])).toBe('CANCELLED');
  });

  it('an unknown task → NotFound', async () => {
    const err = await failure(cancelTask({ taskName: 'reco_export', jobId: 'AAAAAAAAAAAAAAAAAAAA' }));
    expect(err.name).toBe('NotFound');
    expect(err.message).toBe('DELETE /tasks/private/reco_export/AAAAAAAAAAAAAAAAAAAA/ answered 404: TASK_NOT_FOUND: no task reco_export with id AAAAAAAAAAAAAAAAAAAA');
    expect(sim.cancelRequests).toHaveLength(0);
  });
});

describe('the token', () => {
  it('JWT_EXPIRED → TokenExpired; the retry renews it with the refresh token and stores the new pair', async () => {
    useSecret({ token: 'cm-demo-jwt', refreshToken: 'cm-demo-refresh', databaseId: 'db-1' });
    sim.expireToken();
    const handler = createTriggerTask(env);

    const err = await failure(handler({ taskName: 'ml_new_items' }, context));
    expect(err.name).toBe('TokenExpired');
    expect(err.status).toBe(401);
    expect(err.message).toBe('POST /tasks/ml_new_items/ answered 401: JWT_EXPIRED: the JWT has expired; the call is retried with a renewed token');
    expect(sim.tasks).toHaveLength(0);

    // The retry (same container): one token exchange, then the job's one call.
    const result = await handler({ taskName: 'ml_new_items' }, context);
    expect(result).toMatchObject({ state: 'REQUEST_SENT', outcome: 'running' });
    expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /tasks/ml_new_items/ 401',
      'POST /login/refresh-token/ 200',
      'POST /tasks/ml_new_items/ 204',
    ]);
    expect(sim.requests[1].headers.authorization).toBeUndefined();
    expect(JSON.parse(sim.requests[1].body)).toEqual({ refresh_token: 'cm-demo-refresh' });
    expect(sim.requests[2].headers.authorization).toBe(`Bearer ${sim.token}`);
    // The rotated pair went back into the secret, other fields kept; the secret was read again.
    expect(storedSecret()).toEqual({ token: sim.token, refreshToken: sim.refreshToken, databaseId: 'db-1' });
    expect(secretWrites()).toBe(1);
    expect(secretReads()).toBe(2);

    // Another function (a cold container) reads the stored pair and needs no exchange.
    t = 500;
    expect((await getRecentTask({ taskName: 'ml_new_items', jobId: null })).outcome).toBe('running');
    expect(sim.requestsTo('POST', '/login/refresh-token/')).toHaveLength(1);
  });

  it('a retry in another container (the token not known as expired there) also recovers: 401 again, then renews', async () => {
    useSecret({ token: 'cm-demo-jwt', refreshToken: 'cm-demo-refresh' });
    sim.expireToken();
    expect((await failure(trigger({ taskName: 'ml_new_items' }))).name).toBe('TokenExpired');
    expect((await failure(trigger({ taskName: 'ml_new_items' }))).name).toBe('TokenExpired');
    // Two retries are allowed: the state machine's TokenExpired rule has maxAttempts 2.
    const handler = createTriggerTask(env);
    await failure(handler({ taskName: 'ml_new_items' }, context));
    expect((await handler({ taskName: 'ml_new_items' }, context)).outcome).toBe('running');
  });

  it('a secret with only a refresh token: exchanges it before the first call', async () => {
    useSecret({ refreshToken: 'cm-demo-refresh' });
    expect((await trigger({ taskName: 'ml_new_users' })).outcome).toBe('running');
    expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /login/refresh-token/ 200', 'POST /tasks/ml_new_users/ 204']);
    expect(storedSecret()).toEqual({ token: sim.token, refreshToken: sim.refreshToken });
  });

  it('a JWT whose exp claim has passed is renewed before the call, without a doomed 401', async () => {
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const stale = `${b64({ alg: 'HS256' })}.${b64({ sub: 'continuum', exp: Math.floor(Date.now() / 1000) - 10 })}.sig`;
    const fresh = `${b64({ alg: 'HS256' })}.${b64({ sub: 'continuum', exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;
    expect(expiredByClaim(stale)).toBe(true);
    expect(expiredByClaim(fresh)).toBe(false);
    expect(expiredByClaim('cm-demo-jwt')).toBe(false);

    await startSimulator({ token: stale });
    useSecret({ token: stale, refreshToken: 'cm-demo-refresh' });
    expect((await trigger({ taskName: 'ml_new_users' })).outcome).toBe('running');
    expect(sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /login/refresh-token/ 200', 'POST /tasks/ml_new_users/ 204']);
  });

  it('a refused refresh token: TokenExpired once (the secret is read again), then AuthFailed', async () => {
    useSecret({ token: 'cm-demo-jwt', refreshToken: 'spent-refresh-token' });
    sim.expireToken();
    const handler = createTriggerTask(env);
    await failure(handler({ taskName: 'ml_new_items' }, context)); // JWT_EXPIRED

    const refused = await failure(handler({ taskName: 'ml_new_items' }, context));
    expect(refused.name).toBe('TokenExpired');
    expect(refused.message).toBe(
      `POST /login/refresh-token/ answered 401: AUTH_REFRESH_TOKEN_INVALID: the refresh token is invalid or was already used; reading secret '${SECRET_NAME}' again`,
    );
    const final = await failure(handler({ taskName: 'ml_new_items' }, context));
    expect(final.name).toBe('AuthFailed');
    expect(final.message).toBe(
      `POST /login/refresh-token/ refused the refresh token in secret '${SECRET_NAME}' (AUTH_REFRESH_TOKEN_INVALID); store a new one`,
    );
    expect(sim.requestsTo('POST', '/login/refresh-token/')).toHaveLength(1);
    expect(secretReads()).toBe(3);
  });

  it('a refused refresh token that another function already replaced: the re-read secret works', async () => {
    useSecret({ token: 'cm-demo-jwt', refreshToken: 'spent-refresh-token' });
    sim.expireToken();
    const handler = createTriggerTask(env);
    await failure(handler({ taskName: 'ml_new_items' }, context));
    await failure(handler({ taskName: 'ml_new_items' }, context)); // refused
    // Meanwhile another function renewed the pair and stored it.
    const renewal = await fetch(`${sim.url}/login/refresh-token/`, { method: 'POST', body: JSON.stringify({ refresh_token: 'cm-demo-refresh' }) });
    const { token, refresh_token } = (await renewal.json()) as { token: string; refresh_token: string };
    stored = JSON.stringify({ token, refreshToken: refresh_token });
    expect((await handler({ taskName: 'ml_new_items' }, context)).outcome).toBe('running');
    expect(sim.requests.at(-1)!.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('if the renewed pair cannot be stored, the container keeps it and does not exchange again', async () => {
    useSecret({ token: 'cm-demo-jwt', refreshToken: 'cm-demo-refresh' });
    secretsManager.on(PutSecretValueCommand).rejects(Object.assign(new Error('not authorized to PutSecretValue'), { name: 'AccessDeniedException' }));
    sim.expireToken();
    const handler = createGetRecentTask(env);
    await failure(handler({ taskName: 'ml_new_items', jobId: null }, context));
    expect((await handler({ taskName: 'ml_new_items', jobId: null }, context)).outcome).toBe('running');
    expect((await handler({ taskName: 'ml_new_items', jobId: null }, context)).outcome).toBe('running');
    expect(sim.requestsTo('POST', '/login/refresh-token/')).toHaveLength(1);
    const error = logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.level === 'error' && entry.error === 'AccessDeniedException');
    expect(error).toMatchObject({ message: 'could not store the renewed tokens in the secret; this container keeps them in memory' });
  });

  it('expired with no refresh token → AuthFailed that says what is missing', async () => {
    sim.expireToken();
    const handler = createGetTask(env);
    expect((await failure(handler({ taskName: 'reco_export', jobId: 'x' }, context))).name).toBe('TokenExpired');
    const err = await failure(handler({ taskName: 'reco_export', jobId: 'x' }, context));
    expect(err.name).toBe('AuthFailed');
    expect(err.message).toBe(`the token in secret '${SECRET_NAME}' has expired and the secret has no "refreshToken" to renew it`);
  });

  it('a secret without token or refreshToken → BadSecret before any request', async () => {
    for (const value of [{ username: 'admin' }, 'just-a-string', { token: '' }]) {
      useSecret(value);
      const err = await failure(trigger({ taskName: 'ml_new_items' }));
      expect(err.name).toBe('BadSecret');
      expect(err.message).toBe(`secret '${SECRET_NAME}' must be JSON with "token" (a JWT) and/or "refreshToken"`);
    }
    expect(sim.requests).toHaveLength(0);
  });
});

describe('named errors', () => {
  it('401 AUTH_JWT_MISSING_OR_INVALID → AuthFailed with the server message', async () => {
    useSecret({ token: 'wrong-jwt' });
    const err = await failure(trigger({ taskName: 'ml_new_items' }));
    expect(err.name).toBe('AuthFailed');
    expect(err.status).toBe(401);
    expect(err.message).toBe('POST /tasks/ml_new_items/ answered 401: AUTH_JWT_MISSING_OR_INVALID: missing or invalid JWT in the Authorization header');
  });

  it('403 → AuthFailed', async () => {
    sim.injectFault({ fault: vendorError(403, 'FORBIDDEN', 'role viewer may not trigger tasks') });
    const err = await failure(trigger({ taskName: 'ml_new_items' }));
    expect(err.name).toBe('AuthFailed');
    expect(err.message).toBe('POST /tasks/ml_new_items/ answered 403: FORBIDDEN: role viewer may not trigger tasks');
  });

  it('429 → RateLimited with the Retry-After seconds', async () => {
    sim.injectFault({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '7' } } });
    const err = await failure(getRecentTask({ taskName: 'ml_new_items', jobId: null }));
    expect(err.name).toBe('RateLimited');
    expect(err.retryAfterSeconds).toBe(7);
  });

  it('503 with an HTML page → TransientApiError naming the page title, not the markup', async () => {
    sim.injectFault({ fault: { kind: 'status', status: 503, body: htmlErrorPage(503, 'Service Unavailable'), contentType: 'text/html' } });
    const err = await failure(getTask({ taskName: 'reco_export', jobId: 'x' }));
    expect(err.name).toBe('TransientApiError');
    expect(err.message).toBe('GET /tasks/private/reco_export/x/ answered 503: 503 Service Unavailable');
  });

  it('a 5xx during the token exchange → TransientApiError (retried like any call)', async () => {
    useSecret({ refreshToken: 'cm-demo-refresh' });
    sim.injectFault({ fault: { kind: 'status', status: 500, body: 'boom' }, path: '/login/refresh-token/' });
    const err = await failure(trigger({ taskName: 'ml_new_items' }));
    expect(err.name).toBe('TransientApiError');
    expect(err.message).toBe('POST /login/refresh-token/ answered 500: boom');
  });

  it('a connection reset or no answer in time → TransientApiError', async () => {
    sim.injectFault({ fault: { kind: 'reset' } });
    expect((await failure(trigger({ taskName: 'ml_new_items' }))).name).toBe('TransientApiError');
    sim.injectFault({ fault: { kind: 'hang' } });
    const err = await failure(createGetRecentTask({ ...env, HTTP_TIMEOUT_MS: '500' })({ taskName: 'ml_new_items', jobId: null }, context));
    expect(err.name).toBe('TransientApiError');
    expect(err.message).toMatch(/no answer from 127\.0\.0\.1:\d+ within 0\.5 s/);
  });

  it('a refresh answer without a token → MalformedResponse', async () => {
    useSecret({ refreshToken: 'cm-demo-refresh' });
    sim.injectFault({ fault: { kind: 'malformed', body: '{"refresh_token": "x"}' }, path: '/login/refresh-token/' });
    const err = await failure(trigger({ taskName: 'ml_new_items' }));
    expect(err.name).toBe('MalformedResponse');
    expect(err.message).toBe('POST /login/refresh-token/: answer has no "token"');
  });
});

describe('the secret', () => {
  it('never appears in a log line, a result or an error', async () => {
    const jwt = 'JWT-LEAK-canary-5e1b';
    const refresh = 'REFRESH-LEAK-canary-77aa';
    await startSimulator({ token: jwt, refreshToken: refresh });
    useSecret({ token: jwt, refreshToken: refresh });
    const seen: unknown[] = [];
    const keep = async (call: Promise<unknown>) => seen.push(await call.catch((error: Error) => ({ name: error.name, message: error.message, stack: error.stack })));

    await keep(trigger({ taskName: 'reco_export', context: RECO_CONTEXT }));
    await keep(trigger({ taskName: 'reco_export', context: RECO_CONTEXT })); // TASK_ALREADY_RUNNING
    await keep(findRunning({ taskName: 'reco_export' }));
    await keep(getTask({ taskName: 'reco_export', jobId: sim.tasks[0].task_id }));
    await keep(cancelTask({ taskName: 'reco_export', jobId: sim.tasks[0].task_id }));
    sim.expireToken();
    const handler = createGetRecentTask(env);
    await keep(handler({ taskName: 'ml_new_items', jobId: null }, context)); // TokenExpired
    await keep(handler({ taskName: 'ml_new_items', jobId: null }, context)); // renewed
    const renewed = [sim.token!, sim.refreshToken];
    sim.expireToken();
    useSecret({ token: 'cm-x', refreshToken: 'REFRESH-LEAK-wrong-31c0' });
    await keep(trigger({ taskName: 'ml_new_items' }));
    await keep(trigger({ taskName: 'ml_new_items' }));

    const text = JSON.stringify(seen) + logs.join('\n');
    expect(logs.length).toBeGreaterThan(10);
    for (const secret of [jwt, refresh, ...renewed, 'REFRESH-LEAK-wrong-31c0']) expect(text).not.toContain(secret);
  });
});
