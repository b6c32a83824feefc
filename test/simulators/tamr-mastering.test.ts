import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TamrMasteringSimulator, type TamrMasteringSimulatorOptions, type TamrOperation } from '../../lib/local/simulators/tamr-mastering';

const EPOCH = Date.UTC(2024, 0, 1);
const V1 = '/api/versioned/v1';
const BASIC = `BasicCreds ${Buffer.from('admin:dt').toString('base64')}`;
const iso = (offsetMs: number): string => new Date(EPOCH + offsetMs).toISOString();

let t: number;
let sim: TamrMasteringSimulator;
let url: string;

/** (Re)start the simulator with extra options; the virtual clock is shared. */
async function startSimulator(options: TamrMasteringSimulatorOptions = {}): Promise<void> {
  await sim?.stop();
  sim = new TamrMasteringSimulator({ clock: () => EPOCH + t, token: 'jwt-abc', ...options });
  url = await sim.start(0);
}

const post = (path: string, body?: string, authorization = BASIC): Promise<Response> =>
  fetch(`${url}${path}`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body });
const get = (path: string, authorization = BASIC): Promise<Response> => fetch(`${url}${path}`, { headers: { authorization } });

async function submit(path: string, expectedStatus = 200): Promise<TamrOperation> {
  const response = await post(path);
  expect(response.status).toBe(expectedStatus);
  return (await response.json()) as TamrOperation;
}

async function poll(id: string): Promise<TamrOperation> {
  const response = await get(`${V1}/operations/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as TamrOperation;
}

beforeEach(async () => {
  t = 0;
  await startSimulator();
});

afterEach(async () => {
  await sim.stop();
});

describe('authentication', () => {
  it('answers 401 with a plain-text body without credentials', async () => {
    const response = await post(`${V1}/projects/1/unifiedDataset:refresh`, undefined, '');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('Credentials are required to access this resource.');
    expect(sim.operations).toHaveLength(0);
  });

  it('rejects a wrong password and accepts the configured bearer token', async () => {
    const wrong = await get(`${V1}/operations/1`, `BasicCreds ${Buffer.from('admin:nope').toString('base64')}`);
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toBe('The supplied credentials are not valid.');
    expect((await post(`${V1}/projects/1/unifiedDataset:refresh`, undefined, 'Bearer wrong')).status).toBe(401);

    const op = await submit(`${V1}/projects/1/unifiedDataset:refresh`);
    const response = await get(`${V1}/operations/${op.id}`, 'Bearer jwt-abc');
    expect(response.status).toBe(200);
  });

  it('accepts custom BasicCreds', async () => {
    await startSimulator({ username: 'ops', password: 's3cret' });
    expect((await post(`${V1}/projects/1/recordPairs:refresh`)).status).toBe(401);
    const auth = `BasicCreds ${Buffer.from('ops:s3cret').toString('base64')}`;
    const response = await post(`${V1}/projects/1/recordPairs:refresh`, undefined, auth);
    expect(response.status).toBe(200);
    const op = (await response.json()) as TamrOperation;
    expect(op.created.username).toBe('ops');
  });
});

describe('operations', () => {
  it('walks a unified dataset refresh PENDING → RUNNING → SUCCEEDED on the virtual clock', async () => {
    const submitted = await submit(`${V1}/projects/1/unifiedDataset:refresh`);
    expect(submitted).toEqual({
      id: '1',
      type: 'SPARK',
      description: 'Materializing unified dataset for project 1',
      status: { state: 'PENDING', startTime: '', endTime: '', message: '' },
      created: { username: 'admin', time: iso(0), version: '1' },
      lastModified: { username: 'admin', time: iso(0), version: '1' },
      relativeId: 'operations/1',
    });

    t = 299;
    expect((await poll('1')).status.state).toBe('PENDING');

    t = 300;
    const running = await poll('1');
    expect(running.status).toEqual({ state: 'RUNNING', startTime: iso(300), endTime: '', message: '' });
    expect(running.lastModified).toEqual({ username: 'admin', time: iso(300), version: '2' });

    t = 1499;
    expect((await poll('1')).status.state).toBe('RUNNING');

    t = 1500;
    const done = await poll('1');
    expect(done.status).toEqual({ state: 'SUCCEEDED', startTime: iso(300), endTime: iso(1500), message: '' });

    t = 100_000;
    expect((await poll('1')).status.endTime).toBe(iso(1500));

    const next = await submit(`${V1}/projects/1/recordPairs:refresh`);
    expect(next.id).toBe('2');
    expect(next.description).toBe('Generating record pairs for project 1');
    expect(sim.operations.map((o) => o.path)).toEqual([`${V1}/projects/1/unifiedDataset:refresh`, `${V1}/projects/1/recordPairs:refresh`]);
  });

  it('honours operationDurationMs', async () => {
    await startSimulator({ operationDurationMs: 10_000 });
    await submit(`${V1}/projects/7/recordClusters:refresh`);
    t = 1_999;
    expect((await poll('1')).status.state).toBe('PENDING');
    t = 2_000;
    expect((await poll('1')).status.state).toBe('RUNNING');
    t = 10_000;
    expect((await poll('1')).status.state).toBe('SUCCEEDED');
  });

  it('answers 202 for dataset refreshes and 200 for clusters and recipe populate', async () => {
    const exported = await submit(`${V1}/datasets/12:refresh`, 202);
    expect(exported.description).toBe('Materializing dataset 12');
    expect(exported.status.state).toBe('PENDING');

    const clusters = await submit(`${V1}/projects/3/recordClusters:refresh`, 200);
    expect(clusters.description).toBe('Generating record clusters for project 3');

    const recipe = await submit('/api/recipe/recipes/5/populate', 200);
    expect(recipe).toMatchObject({ id: '3', description: 'Populating recipe 5', relativeId: 'operations/3' });
  });

  it('accepts a percent-encoded colon in the path', async () => {
    const op = await submit(`${V1}/datasets/12%3Arefresh`, 202);
    expect(op.description).toBe('Materializing dataset 12');
  });

  it('404s unknown projects, datasets and recipes when they are listed', async () => {
    await startSimulator({ projects: ['1'], datasets: ['10'], recipes: ['5'] });
    const response = await post(`${V1}/projects/2/unifiedDataset:refresh`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      status: 404,
      class: 'com.tamr.procurify.models.exceptions.NotFoundException',
      message: 'Project 2 not found',
      stackTrace: [],
    });
    expect((await post(`${V1}/datasets/11:refresh`)).status).toBe(404);
    expect((await post('/api/recipe/recipes/6/populate')).status).toBe(404);
    expect((await post(`${V1}/datasets/11:updateRecords?header=false`, '')).status).toBe(404);

    expect((await post(`${V1}/projects/1/unifiedDataset:refresh`)).status).toBe(200);
    expect((await post(`${V1}/datasets/10:refresh`)).status).toBe(202);
    expect((await post('/api/recipe/recipes/5/populate')).status).toBe(200);
    expect(sim.operations).toHaveLength(3);
  });

  it('404s an unknown operation with a JSON error', async () => {
    const response = await get(`${V1}/operations/99`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as { status: number; class: string; message: string; stackTrace: unknown[] };
    expect(body.status).toBe(404);
    expect(body.class).toBe('com.tamr.procurify.models.exceptions.NotFoundException');
    expect(body.message).toContain('99');
    expect(body.stackTrace).toEqual([]);
  });

  it('404s unknown routes and wrong methods with JSON', async () => {
    const unknown = await get(`${V1}/projects`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { message: string }).message).toBe(`No resource at GET ${V1}/projects`);
    expect((await get(`${V1}/projects/1/unifiedDataset:refresh`)).status).toBe(404);
  });
});

describe('knobs', () => {
  it('failNext fails only the next matching operation, with the whole message', async () => {
    const trace = `org.apache.spark.SparkException: Job aborted due to stage failure\n${'\tat org.apache.spark.Foo.bar(Foo.scala:42)\n'.repeat(200)}`;
    sim.failNext(trace, 'recordClusters:refresh');

    const pairs = await submit(`${V1}/projects/1/recordPairs:refresh`);
    const clusters = await submit(`${V1}/projects/1/recordClusters:refresh`);
    const again = await submit(`${V1}/projects/1/recordClusters:refresh`);

    t = 1500;
    expect((await poll(pairs.id)).status.state).toBe('SUCCEEDED');
    const failed = await poll(clusters.id);
    expect(failed.status).toEqual({ state: 'FAILED', startTime: iso(300), endTime: iso(1500), message: trace });
    expect((await poll(again.id)).status.state).toBe('SUCCEEDED');
  });

  it('failNext without a path applies to any operation', async () => {
    sim.failNext('boom');
    const op = await submit('/api/recipe/recipes/1/populate');
    t = 2000;
    expect((await poll(op.id)).status).toMatchObject({ state: 'FAILED', message: 'boom' });
  });

  it('cancelNext passes through CANCELING for one poll, then CANCELED', async () => {
    sim.cancelNext('unifiedDataset');
    const op = await submit(`${V1}/projects/1/unifiedDataset:refresh`);

    t = 1000;
    expect((await poll(op.id)).status.state).toBe('RUNNING');

    t = 1600;
    // Reading the accessor does not count as a poll.
    expect(sim.operations[0].operation.status.state).toBe('CANCELING');
    const canceling = await poll(op.id);
    expect(canceling.status).toEqual({
      state: 'CANCELING',
      startTime: iso(300),
      endTime: '',
      message: 'Job has been marked for cancellation',
    });

    t = 2600;
    const canceled = await poll(op.id);
    expect(canceled.status).toEqual({ state: 'CANCELED', startTime: iso(300), endTime: iso(2600), message: 'Job has been canceled' });
    expect(canceled.lastModified.version).toBe('4');

    t = 9000;
    expect((await poll(op.id)).status).toMatchObject({ state: 'CANCELED', endTime: iso(2600) });
  });

  it('noOpNext answers 204 with no body and creates no operation', async () => {
    sim.noOpNext('recordPairs');
    const clusters = await post(`${V1}/projects/1/recordClusters:refresh`);
    expect(clusters.status).toBe(200);

    const noop = await post(`${V1}/projects/1/recordPairs:refresh`);
    expect(noop.status).toBe(204);
    expect(noop.headers.get('content-type')).toBeNull();
    expect(await noop.text()).toBe('');
    expect(sim.operations).toHaveLength(1);

    const next = await submit(`${V1}/projects/1/recordPairs:refresh`);
    expect(next.id).toBe('2');
  });

  it('neverFinishNext keeps one operation RUNNING forever', async () => {
    sim.neverFinishNext();
    const stuck = await submit(`${V1}/projects/1/unifiedDataset:refresh`);
    const normal = await submit(`${V1}/projects/1/unifiedDataset:refresh`);
    t = 1_000_000_000;
    expect((await poll(stuck.id)).status).toEqual({ state: 'RUNNING', startTime: iso(300), endTime: '', message: '' });
    expect((await poll(normal.id)).status.state).toBe('SUCCEEDED');
  });

  it('the neverFinish option keeps every operation RUNNING', async () => {
    await startSimulator({ neverFinish: true });
    const first = await submit(`${V1}/datasets/1:refresh`, 202);
    const second = await submit(`${V1}/projects/1/recordClusters:refresh`);
    t = 1_000_000;
    expect((await poll(first.id)).status.state).toBe('RUNNING');
    expect((await poll(second.id)).status.state).toBe('RUNNING');
  });

  it('snapshot reports operations over the control endpoint', async () => {
    await submit(`${V1}/projects/1/unifiedDataset:refresh`);
    await post(`${V1}/datasets/4:updateRecords?header=false`, '{"action":"CREATE","recordId":"1","record":{"a":1}}');
    t = 500;
    const state = (await (await fetch(`${url}/__simulator/state`)).json()) as {
      system: string;
      operations: Array<{ path: string; operation: TamrOperation }>;
      recordCounts: Record<string, number>;
    };
    expect(state.system).toBe('tamr-mastering');
    expect(state.operations).toHaveLength(1);
    expect(state.operations[0].path).toBe(`${V1}/projects/1/unifiedDataset:refresh`);
    expect(state.operations[0].operation.status.state).toBe('RUNNING');
    expect(state.recordCounts).toEqual({ '4': 1 });
  });
});

describe('updateRecords', () => {
  const path = `${V1}/datasets/42:updateRecords?header=false`;
  const create = (id: string, record: object = { name: `n${id}` }): string => JSON.stringify({ action: 'CREATE', recordId: id, record });
  const remove = (id: string): string => JSON.stringify({ action: 'DELETE', recordId: id });

  it('applies newline-separated commands', async () => {
    const response = await post(path, [create('101'), create('102'), create('103'), remove('101')].join('\n') + '\n');
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ numCommandsProcessed: 4, allCommandsSucceeded: true, validationErrors: [] });
    expect(sim.recordCount('42')).toBe(2);
    expect(sim.recordCount('other')).toBe(0);
  });

  it('applies concatenated commands, with braces inside strings', async () => {
    const body = create('1', { note: 'has } and { and "quotes"' }) + create('2') + create('1', { note: 'upserted' });
    const response = await post(path, body);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ numCommandsProcessed: 3, allCommandsSucceeded: true, validationErrors: [] });
    expect(sim.recordCount('42')).toBe(2);
  });

  it('reports invalid commands as validation errors and applies the valid ones', async () => {
    const body = [
      create('1'),
      JSON.stringify({ action: 'UPSERT', recordId: '2', record: {} }),
      JSON.stringify({ action: 'CREATE', record: {} }),
      JSON.stringify({ action: 'CREATE', recordId: '4' }),
      JSON.stringify({ action: 'CREATE', recordId: '5', record: 'nope' }),
    ].join('\n');
    const response = await post(path, body);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({
      numCommandsProcessed: 5,
      allCommandsSucceeded: false,
      validationErrors: [
        'Command 2 (recordId "2"): unknown action "UPSERT"; expected CREATE or DELETE',
        'Command 3: missing recordId',
        'Command 4 (recordId "4"): CREATE requires an object "record"',
        'Command 5 (recordId "5"): CREATE requires an object "record"',
      ],
    });
    expect(sim.recordCount('42')).toBe(1);
  });

  it('answers 400 JSON for an unparseable body', async () => {
    const response = await post(path, `${create('1')}\n{"action": "CREATE", "recordId": `);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { status: number; class: string; message: string };
    expect(body.status).toBe(400);
    expect(body.class).toBe('com.fasterxml.jackson.core.JsonParseException');
    expect(body.message).toMatch(/^Unparseable JSON command 2 at offset \d+/);
    expect(sim.recordCount('42')).toBe(0);
  });

  it('answers an empty body with zero commands', async () => {
    const response = await post(path, '');
    expect(await response.json()).toEqual({ numCommandsProcessed: 0, allCommandsSucceeded: true, validationErrors: [] });
  });

  it('rejectUpdateRecords fails the next call only', async () => {
    sim.rejectUpdateRecords(['Record 7 violates the schema']);
    const rejected = await post(path, create('7'));
    expect(rejected.status).toBe(202);
    expect(await rejected.json()).toEqual({
      numCommandsProcessed: 1,
      allCommandsSucceeded: false,
      validationErrors: ['Record 7 violates the schema'],
    });
    expect(sim.recordCount('42')).toBe(0);

    const accepted = await post(path, create('7'));
    expect(((await accepted.json()) as { allCommandsSucceeded: boolean }).allCommandsSucceeded).toBe(true);
    expect(sim.recordCount('42')).toBe(1);
  });
});

describe('injected faults', () => {
  it('answers 429 twice, then normally', async () => {
    sim.injectFault({ fault: { kind: 'status', status: 429, body: 'slow down', contentType: 'text/plain' }, times: 2, path: 'operations' });
    const op = await submit(`${V1}/projects/1/unifiedDataset:refresh`);
    const first = await get(`${V1}/operations/${op.id}`);
    const second = await get(`${V1}/operations/${op.id}`);
    expect([first.status, second.status]).toEqual([429, 429]);
    expect(await first.text()).toBe('slow down');
    expect((await poll(op.id)).id).toBe(op.id);
    expect(sim.requestsTo('GET', '/operations/').map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('resets the connection once', async () => {
    sim.injectFault({ fault: { kind: 'reset' }, method: 'POST' });
    await expect(post(`${V1}/projects/1/unifiedDataset:refresh`)).rejects.toThrow();
    expect(sim.operations).toHaveLength(0);
    const op = await submit(`${V1}/projects/1/unifiedDataset:refresh`);
    expect(op.id).toBe('1');
  });

  it('answers a malformed body once', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: '{"id": "1", "status": {' } });
    const response = await post(`${V1}/projects/1/unifiedDataset:refresh`);
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toThrow(SyntaxError);
    expect(sim.operations).toHaveLength(0);
    expect((await submit(`${V1}/projects/1/unifiedDataset:refresh`)).status.state).toBe('PENDING');
  });
});
