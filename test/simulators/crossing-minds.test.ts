import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CrossingMindsSimulator, type CrossingMindsSimulatorOptions } from '../../lib/local/simulators/crossing-minds';

const TASK_ID = /^[A-Za-z0-9]{20}$/;

let t = 0;
let sim: CrossingMindsSimulator;
let base: string;

/** Start a fresh simulator on a virtual clock (t = 0). */
async function startSimulator(options: CrossingMindsSimulatorOptions = {}): Promise<void> {
  await sim?.stop();
  t = 0;
  sim = new CrossingMindsSimulator({ clock: () => t, ...options });
  base = await sim.start();
}

interface CallOptions {
  body?: unknown;
  /** Bearer token; defaults to the simulator's current one, `null` sends no Authorization header. */
  token?: string | null;
}

async function call(method: string, path: string, options: CallOptions = {}): Promise<{ status: number; body: any; text: string }> {
  const token = options.token === undefined ? sim.token : options.token;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null && token !== undefined) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
}

const recents = async (name: string, query = '', internal = false) =>
  call('GET', `/tasks/${internal ? 'private/' : ''}${name}/recents/${query}`);

beforeEach(() => startSimulator());
afterEach(() => sim.stop());

describe('authentication', () => {
  it('answers 401 AUTH_JWT_MISSING_OR_INVALID without a token or with an unknown one', async () => {
    for (const token of [null, 'not-a-token']) {
      const { status, body } = await call('POST', '/tasks/ml_model_retrain/', { token });
      expect(status).toBe(401);
      expect(body).toEqual({ error_code: 21, error_name: 'AUTH_JWT_MISSING_OR_INVALID', message: expect.any(String), error_data: {} });
    }
    expect(sim.tasks).toHaveLength(0);
  });

  it('accepts the configured token', async () => {
    await startSimulator({ token: 'custom-jwt' });
    expect((await call('GET', '/tasks/ml_new_users/recents/', { token: 'custom-jwt' })).status).toBe(200);
    expect((await call('GET', '/tasks/ml_new_users/recents/', { token: 'cm-demo-jwt' })).status).toBe(401);
  });

  it('expires the token and rotates both tokens on refresh', async () => {
    sim.expireToken();
    const expired = await call('GET', '/tasks/ml_new_users/recents/', { token: 'cm-demo-jwt' });
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ error_code: 22, error_name: 'JWT_EXPIRED', message: expect.any(String), error_data: {} });

    const wrong = await call('POST', '/login/refresh-token/', { token: null, body: { refresh_token: 'nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ error_name: 'AUTH_REFRESH_TOKEN_INVALID', error_data: {} });
    expect(typeof wrong.body.error_code).toBe('number');

    const refreshed = await call('POST', '/login/refresh-token/', { token: null, body: { refresh_token: 'cm-demo-refresh' } });
    expect(refreshed.status).toBe(200);
    const { token, refresh_token } = refreshed.body as { token: string; refresh_token: string };
    expect(token).not.toBe('cm-demo-jwt');
    expect(refresh_token).not.toBe('cm-demo-refresh');
    expect(sim.token).toBe(token);

    expect((await call('GET', '/tasks/ml_new_users/recents/', { token })).status).toBe(200);
    expect((await call('GET', '/tasks/ml_new_users/recents/', { token: 'cm-demo-jwt' })).body.error_name).toBe('JWT_EXPIRED');
    // Refresh tokens rotate too: the old one is spent.
    const reused = await call('POST', '/login/refresh-token/', { token: null, body: { refresh_token: 'cm-demo-refresh' } });
    expect(reused.body.error_name).toBe('AUTH_REFRESH_TOKEN_INVALID');
  });

  it('retires the previous token on refresh even if it had not expired', async () => {
    const refreshed = await call('POST', '/login/refresh-token/', { token: null, body: { refresh_token: 'cm-demo-refresh' } });
    expect((await call('GET', '/tasks/ml_new_items/recents/', { token: 'cm-demo-jwt' })).status).toBe(401);
    expect((await call('GET', '/tasks/ml_new_items/recents/', { token: refreshed.body.token })).status).toBe(200);
  });

  it('rejects a refresh request without a refresh_token', async () => {
    const { status, body } = await call('POST', '/login/refresh-token/', { token: null, body: {} });
    expect(status).toBe(400);
    expect(body).toMatchObject({ error_code: 40, error_name: 'WRONG_DATA_TYPE' });
  });
});

describe('public tasks', () => {
  it('triggers with 204 and no body, then runs REQUEST_SENT → RUNNING → COMPLETED on the clock', async () => {
    t = 5_000;
    const trigger = await call('POST', '/tasks/ml_model_retrain/');
    expect(trigger.status).toBe(204);
    expect(trigger.text).toBe('');

    const first = (await recents('ml_model_retrain')).body;
    expect(first).toEqual({
      has_next: false,
      next_page: 2,
      tasks: [
        { task_id: expect.stringMatching(TASK_ID), name: 'ml_model_retrain', start_time: 5, status: 'REQUEST_SENT', progress: expect.any(String) },
      ],
    });

    t = 5_000 + 200; // past the first 10% of 1500 ms
    const running = (await recents('ml_model_retrain')).body.tasks[0];
    expect(running.status).toBe('RUNNING');
    expect(running.progress).toMatch(/^trained model [0-9a-f]{8}$/);

    t = 5_000 + 1_400;
    const later = (await recents('ml_model_retrain')).body.tasks[0];
    expect(later.status).toBe('RUNNING');
    expect(later.progress).toMatch(/^trained model [0-9a-f]{8}$/);
    expect(later.progress).not.toBe(running.progress);

    t = 5_000 + 1_500;
    expect((await recents('ml_model_retrain')).body.tasks[0].status).toBe('COMPLETED');
    expect(sim.statusOf(sim.tasks[0])).toBe('COMPLETED');
  });

  it('answers 200 {task_id} when publicTriggerReturnsId is set', async () => {
    await startSimulator({ publicTriggerReturnsId: true });
    const { status, body } = await call('POST', '/tasks/ml_new_items/');
    expect(status).toBe(200);
    expect(body).toEqual({ task_id: expect.stringMatching(TASK_ID) });
    expect(sim.tasks[0].task_id).toBe(body.task_id);
  });

  it('answers WRONG_DATA_TYPE for unknown names and private-only names', async () => {
    for (const name of ['ml_everything', 'data_import']) {
      const trigger = await call('POST', `/tasks/${name}/`);
      expect(trigger.status).toBe(400);
      expect(trigger.body).toEqual({ error_code: 40, error_name: 'WRONG_DATA_TYPE', message: expect.any(String), error_data: { name } });
      expect((await recents(name)).body.error_name).toBe('WRONG_DATA_TYPE');
    }
    expect(sim.tasks).toHaveLength(0);
  });

  it('answers TASK_ALREADY_RUNNING while the task is unfinished, and accepts it again once done', async () => {
    expect((await call('POST', '/tasks/ml_model_retrain/')).status).toBe(204);
    t = 700;
    const duplicate = await call('POST', '/tasks/ml_model_retrain/');
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({
      error_code: 41,
      error_name: 'TASK_ALREADY_RUNNING',
      message: 'task ml_model_retrain is already running',
      error_data: { name: 'ml_model_retrain' },
    });
    // A different task name is independent.
    expect((await call('POST', '/tasks/ml_new_users/')).status).toBe(204);

    t = 1_500;
    expect((await call('POST', '/tasks/ml_model_retrain/')).status).toBe(204);
    expect(sim.tasks.filter((task) => task.name === 'ml_model_retrain')).toHaveLength(2);
  });

  it('answers TASK_ALREADY_RUNNING for a task somebody else started', async () => {
    const id = sim.seedRunningTask('item_popularity_score_recalibrate');
    expect(id).toMatch(TASK_ID);
    const duplicate = await call('POST', '/tasks/item_popularity_score_recalibrate/');
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error_data).toEqual({ name: 'item_popularity_score_recalibrate' });
    // The private endpoint shares the rule.
    expect((await call('POST', '/tasks/private/item_popularity_score_recalibrate/', { body: {} })).status).toBe(409);

    t = 1_500;
    expect((await call('POST', '/tasks/item_popularity_score_recalibrate/')).status).toBe(204);
  });

  it('keeps a neverFinishNext task RUNNING, blocking new triggers', async () => {
    sim.neverFinishNext('ml_new_users');
    await call('POST', '/tasks/ml_new_users/');
    t = 1_000_000;
    expect((await recents('ml_new_users')).body.tasks[0].status).toBe('RUNNING');
    expect((await call('POST', '/tasks/ml_new_users/')).status).toBe(409);
  });

  it('ends a failNext task FAILED with the given progress message, once', async () => {
    sim.failNext('ml_model_retrain', 'not enough ratings to train');
    await call('POST', '/tasks/ml_model_retrain/');
    t = 1_499;
    expect((await recents('ml_model_retrain')).body.tasks[0].status).toBe('RUNNING');
    t = 1_500;
    expect((await recents('ml_model_retrain')).body.tasks[0]).toMatchObject({ status: 'FAILED', progress: 'not enough ratings to train' });

    await call('POST', '/tasks/ml_model_retrain/');
    t = 3_000;
    expect((await recents('ml_model_retrain')).body.tasks.map((task: { status: string }) => task.status)).toEqual(['COMPLETED', 'FAILED']);
  });
});

describe('recents paging', () => {
  /** Five finished ml_new_items tasks started at t = 0, 2, 4, 6, 8 s. */
  async function runFive(): Promise<string[]> {
    await startSimulator({ publicTriggerReturnsId: true });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      t = i * 2_000;
      ids.push((await call('POST', '/tasks/ml_new_items/')).body.task_id);
    }
    t = 20_000;
    return ids;
  }

  it('pages newest first with has_next and next_page', async () => {
    const ids = await runFive();
    const page1 = (await recents('ml_new_items', '?amt=2')).body;
    expect(page1.has_next).toBe(true);
    expect(page1.next_page).toBe(2);
    expect(page1.tasks.map((task: { task_id: string }) => task.task_id)).toEqual([ids[4], ids[3]]);
    expect(page1.tasks.map((task: { start_time: number }) => task.start_time)).toEqual([8, 6]);

    const page2 = (await recents('ml_new_items', '?page=2&amt=2')).body;
    expect(page2).toMatchObject({ has_next: true, next_page: 3 });
    expect(page2.tasks.map((task: { task_id: string }) => task.task_id)).toEqual([ids[2], ids[1]]);

    const page3 = (await recents('ml_new_items', '?page=3&amt=2')).body;
    expect(page3).toMatchObject({ has_next: false, next_page: 4 });
    expect(page3.tasks.map((task: { task_id: string }) => task.task_id)).toEqual([ids[0]]);

    const beyond = (await recents('ml_new_items', '?page=4&amt=2')).body;
    expect(beyond).toEqual({ has_next: false, next_page: 5, tasks: [] });

    // Default amt is 50: everything on one page.
    const all = (await recents('ml_new_items')).body;
    expect(all.has_next).toBe(false);
    expect(all.tasks).toHaveLength(5);
    expect(all.tasks.every((task: { status: string }) => task.status === 'COMPLETED')).toBe(true);
    expect(all.tasks[0]).not.toHaveProperty('details');
  });

  it('rejects amt outside 1..64 and page below 1', async () => {
    expect((await recents('ml_new_items', '?amt=64')).status).toBe(200);
    for (const query of ['?amt=0', '?amt=65', '?amt=ten', '?page=0', '?page=-1', '?page=1.5']) {
      const { status, body } = await recents('ml_new_items', query);
      expect(status, query).toBe(400);
      expect(body).toMatchObject({ error_code: 40, error_name: 'WRONG_DATA_TYPE', error_data: expect.any(Object) });
    }
  });

  it('lists private tasks with details.payload on the private recents endpoint', async () => {
    const context = { connection: 'LOCAL', name: 'input-myfile.csv' };
    await call('POST', '/tasks/private/data_import/', { body: { context_task: context } });
    await call('POST', '/tasks/ml_new_users/');
    const imports = (await recents('data_import', '', true)).body;
    expect(imports.tasks).toEqual([
      expect.objectContaining({ name: 'data_import', status: 'REQUEST_SENT', details: { payload: context } }),
    ]);
    // Public names are listed there too, with empty details.
    expect((await recents('ml_new_users', '', true)).body.tasks[0].details).toEqual({});
    expect((await recents('not_a_task', '', true)).body.error_name).toBe('WRONG_DATA_TYPE');
  });
});

describe('private tasks', () => {
  const context = {
    input_table: { connection: 'GCS', name: 'input-myfile.csv.gz' },
    reco_params: { amt: 7, filters: ['price:eq:10'] },
    output_table: { connection: 'LOCAL', name: 'output-reco.parquet' },
  };

  it('triggers with {task_id} and serves the task with details', async () => {
    t = 10_000;
    const trigger = await call('POST', '/tasks/private/data_import/', {
      body: { context_task: { connection: 'LOCAL', table_name: 'input-myfile.csv' }, refresh_token: 'mW+k/K' },
    });
    expect(trigger.status).toBe(200);
    expect(trigger.body).toEqual({ task_id: expect.stringMatching(TASK_ID) });
    const id = trigger.body.task_id as string;
    expect(sim.tasks[0].refreshToken).toBe('mW+k/K');

    t = 10_500;
    const task = await call('GET', `/tasks/private/data_import/${id}/`);
    expect(task.status).toBe(200);
    expect(task.body).toEqual({
      task_id: id,
      name: 'data_import',
      start_time: 10,
      status: 'RUNNING',
      details: {
        payload: { connection: 'LOCAL', table_name: 'input-myfile.csv' },
        progress: expect.objectContaining({ message: expect.stringMatching(/^\d+ rows uploaded$/), rows: expect.any(Number) }),
        timeout_at: 10 + 86_400,
        create_reason: 'manually triggered by endpoint',
      },
    });

    t = 11_500;
    const done = (await call('GET', `/tasks/private/data_import/${id}/`)).body;
    expect(done.status).toBe('COMPLETED');
    expect(done.details.progress.message).toBe('160 rows uploaded');
  });

  it('requires context_task as an object for the table tasks', async () => {
    for (const body of [{}, { context_task: 'x' }, { context_task: [1] }]) {
      const { status, body: error } = await call('POST', '/tasks/private/reco_export/', { body });
      expect(status).toBe(400);
      expect(error).toEqual({ error_code: 40, error_name: 'WRONG_DATA_TYPE', message: expect.any(String), error_data: { name: 'context_task' } });
    }
    expect((await call('POST', '/tasks/private/reco_export/', { body: { context_task: context } })).status).toBe(200);
    // Public task names don't need a context on the private endpoint.
    expect((await call('POST', '/tasks/private/ml_model_retrain/', { body: {} })).status).toBe(200);
  });

  it('answers TASK_ALREADY_RUNNING and WRONG_DATA_TYPE on the private trigger', async () => {
    await call('POST', '/tasks/private/reco_export/', { body: { context_task: context } });
    const duplicate = await call('POST', '/tasks/private/reco_export/', { body: { context_task: context } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({
      error_code: 41,
      error_name: 'TASK_ALREADY_RUNNING',
      message: 'task reco_export is already running',
      error_data: { name: 'reco_export' },
    });
    const wrong = await call('POST', '/tasks/private/reco_import/', { body: { context_task: context } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error_name).toBe('WRONG_DATA_TYPE');
  });

  it('answers TASK_NOT_FOUND for an unknown id or a task of another name', async () => {
    const { body } = await call('POST', '/tasks/private/analytics_report_export/', {
      body: { context_task: { output_table: { connection: 'LOCAL', name: 'analytics_report_123xyz' } } },
    });
    for (const path of ['/tasks/private/analytics_report_export/AAAAAAAAAAAAAAAAAAAA/', `/tasks/private/reco_export/${body.task_id}/`]) {
      const missing = await call('GET', path);
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error_code: 30, error_name: 'TASK_NOT_FOUND', message: expect.any(String), error_data: expect.any(Object) });
    }
    expect((await call('GET', `/tasks/private/nope/${body.task_id}/`)).body.error_name).toBe('WRONG_DATA_TYPE');
  });

  it('cancels: 204, CANCELLED_REQUESTED, then CANCELLED after cancelDelayMs', async () => {
    const { body } = await call('POST', '/tasks/private/user_id_whitelist_export/', {
      body: { context_task: { output_table: { connection: 'LOCAL', name: 'output-whitelist.parquet' } } },
    });
    const path = `/tasks/private/user_id_whitelist_export/${body.task_id}/`;
    t = 500;
    const cancel = await call('DELETE', path);
    expect(cancel.status).toBe(204);
    expect(cancel.text).toBe('');
    expect(sim.cancelRequests).toEqual([{ name: 'user_id_whitelist_export', task_id: body.task_id, at: 500 }]);

    t = 799;
    expect((await call('GET', path)).body.status).toBe('CANCELLED_REQUESTED');
    // Still unfinished: a new trigger is refused.
    expect((await call('POST', '/tasks/private/user_id_whitelist_export/', { body: { context_task: {} } })).status).toBe(409);

    t = 800;
    expect((await call('GET', path)).body.status).toBe('CANCELLED');
    t = 10_000; // cancelled tasks never complete
    expect((await call('GET', path)).body.status).toBe('CANCELLED');
    expect((await call('POST', '/tasks/private/user_id_whitelist_export/', { body: { context_task: {} } })).status).toBe(200);
  });

  it('honours cancelDelayMs and leaves finished tasks alone', async () => {
    await startSimulator({ cancelDelayMs: 50, taskDurationMs: 100 });
    const { body } = await call('POST', '/tasks/private/ml_new_items/', { body: {} });
    const path = `/tasks/private/ml_new_items/${body.task_id}/`;
    t = 100;
    expect((await call('DELETE', path)).status).toBe(204);
    expect((await call('GET', path)).body.status).toBe('COMPLETED');
    expect(sim.cancelRequests).toHaveLength(1);
    expect((await call('DELETE', '/tasks/private/ml_new_items/AAAAAAAAAAAAAAAAAAAA/')).body.error_name).toBe('TASK_NOT_FOUND');
  });
});

describe('other answers', () => {
  it('answers 405 for a wrong method and 404 for unknown paths', async () => {
    expect((await call('GET', '/tasks/ml_model_retrain/')).status).toBe(405);
    const missing = await call('GET', '/tasks/ml_model_retrain');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error_name: 'RESOURCE_NOT_FOUND', error_data: { path: '/tasks/ml_model_retrain' } });
  });

  it('exposes its state on /__simulator/state', async () => {
    await call('POST', '/tasks/ml_model_retrain/');
    const state = (await (await fetch(`${base}/__simulator/state`)).json()) as {
      system: string;
      tasks: Array<{ name: string; status: string; details: object }>;
      cancelRequests: unknown[];
    };
    expect(state.system).toBe('crossing-minds');
    expect(state.tasks).toEqual([expect.objectContaining({ name: 'ml_model_retrain', status: 'REQUEST_SENT', details: expect.any(Object) })]);
    expect(state.cancelRequests).toEqual([]);
  });
});
