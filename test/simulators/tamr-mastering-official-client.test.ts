/**
 * The Tamr Mastering simulator driven with exactly the requests Tamr's own Python clients
 * (tamr-unify-client 1.7 / tamr-toolbox) make in their standard flow, in their order:
 * login → project → unified dataset → source dataset (by name, then by id) → updateRecords
 * (concatenated command documents, `Content-Encoding: utf-8`, chunked, int record ids) →
 * unified dataset refresh → poll the operation → list operations. Each answer is checked for the
 * fields those clients read. The simulator runs on a hand-moved clock; nothing waits.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TamrMasteringSimulator } from '../../lib/local/simulators/tamr-mastering';

const V1 = '/api/versioned/v1';
const EPOCH = Date.UTC(2030, 0, 1);

let t: number;
let sim: TamrMasteringSimulator;
let url: string;

beforeEach(async () => {
  t = 0;
  sim = new TamrMasteringSimulator({ clock: () => EPOCH + t, operationDurationMs: 10_000 });
  url = await sim.start(0);
});

afterEach(async () => {
  await sim.stop();
});

/** The body as tamr-unify-client streams it: one chunk per command, no separator, no length. */
function chunkedBody(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe('the official client standard flow', () => {
  it('logs in, looks things up, updates records, refreshes, polls and lists operations', async () => {
    // tamr_client sessions without an auth header log in, then send the authToken cookie.
    const login = await fetch(`${url}${V1}/instance:login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'dt' }),
    });
    expect(login.status).toBe(200);
    const { token, username } = (await login.json()) as { token: string; username: string };
    expect(username).toBe('admin');
    expect(token).toMatch(/\S{8,}/);
    const headers = { cookie: `authToken=${token}`, accept: 'application/json' };
    const get = async (path: string) => {
      const response = await fetch(`${url}${V1}/${path}`, { headers });
      expect(response.status, path).toBe(200);
      return (await response.json()) as Record<string, unknown> & Array<Record<string, unknown>>;
    };

    // Project.from_resource_id → GET projects/1; the client keeps relativeId as its api_path.
    const project = await get('projects/1');
    expect(project).toMatchObject({ id: expect.stringMatching(/\/projects\/1$/), relativeId: 'projects/1', type: 'DEDUP', name: expect.any(String) });
    expect(project.unifiedDatasetName).toEqual(expect.any(String));

    // project.unified_dataset() → GET projects/1/unifiedDataset, a dataset named as the project says.
    const unified = await get('projects/1/unifiedDataset');
    expect(unified).toMatchObject({ name: project.unifiedDatasetName, relativeId: expect.stringMatching(/^datasets\/\S+$/), keyAttributeNames: expect.any(Array) });

    // datasets.by_name(name) → GET datasets?filter=name==<name>, then by id through its relativeId.
    const named = await get(`datasets?filter=${encodeURIComponent('name==customers.csv')}`);
    expect(named).toHaveLength(1);
    expect(named[0]).toMatchObject({ name: 'customers.csv', relativeId: expect.stringMatching(/^datasets\//), keyAttributeNames: ['id'] });
    const source = await get(String(named[0].relativeId));
    expect(source).toEqual(named[0]);

    // dataset._update_records: concatenated documents, Content-Encoding utf-8, chunked, int ids.
    const commands = [
      { action: 'CREATE', recordId: 101, record: { id: 101, name: 'Ada Lovelace' } },
      { action: 'CREATE', recordId: 102, record: { id: 102, name: 'Zoë Ångström' } },
      { action: 'DELETE', recordId: 101 },
    ];
    const update = await fetch(`${url}${V1}/${String(source.relativeId)}:updateRecords`, {
      method: 'POST',
      headers: { ...headers, 'content-encoding': 'utf-8', 'content-type': 'application/json' },
      body: chunkedBody(commands.map((command) => JSON.stringify(command))),
      duplex: 'half',
    } as RequestInit);
    expect(update.status).toBe(202);
    expect(await update.json()).toEqual({ numCommandsProcessed: 3, allCommandsSucceeded: true, validationErrors: [] });
    expect(sim.recordCount('customers.csv')).toBe(1);
    const sent = sim.requestsTo('POST', ':updateRecords')[0];
    expect(sent.headers['transfer-encoding']).toBe('chunked');
    expect(sent.headers['content-encoding']).toBe('utf-8');
    expect(sent.query).toEqual({});

    // unified_dataset.refresh() → POST <alias>:refresh (200, an operation), Operation.from_response.
    const refresh = await fetch(`${url}${V1}/projects/1/unifiedDataset:refresh`, { method: 'POST', headers });
    expect(refresh.status).toBe(200);
    const submitted = (await refresh.json()) as { id: string; relativeId: string; status: { state: string } };
    expect(submitted).toMatchObject({ id: '1', relativeId: 'operations/1', type: 'SPARK', status: { state: 'PENDING' } });

    // op.wait() → GET operations/1 until a final state; the clock moves between polls.
    const states: string[] = [];
    for (const at of [1_000, 5_000, 10_000]) {
      t = at;
      const polled = await get(submitted.relativeId);
      expect(polled).toMatchObject({ id: '1', relativeId: 'operations/1' });
      states.push((polled.status as { state: string }).state);
    }
    expect(states).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);

    // toolbox lists operations: GET operations, every operation with its state.
    const operations = await get('operations');
    expect(operations).toHaveLength(1);
    expect(operations[0]).toMatchObject({ id: '1', relativeId: 'operations/1', status: { state: 'SUCCEEDED', startTime: expect.any(String), endTime: expect.any(String) } });

    expect(sim.requests.map((r) => `${r.method} ${r.path.replace(V1, '')}`)).toEqual([
      'POST /instance:login',
      'GET /projects/1',
      'GET /projects/1/unifiedDataset',
      'GET /datasets',
      'GET /datasets/customers.csv',
      'POST /datasets/customers.csv:updateRecords',
      'POST /projects/1/unifiedDataset:refresh',
      'GET /operations/1',
      'GET /operations/1',
      'GET /operations/1',
      'GET /operations',
    ]);
  });

  it('keeps BasicCreds and Bearer working, and refuses a wrong login or an unknown cookie', async () => {
    await sim.stop();
    sim = new TamrMasteringSimulator({ clock: () => EPOCH + t, token: 'jwt-abc', projects: ['1'] });
    url = await sim.start(0);
    const basic = `BasicCreds ${Buffer.from('admin:dt', 'latin1').toString('base64')}`;
    expect((await fetch(`${url}${V1}/projects/1`, { headers: { authorization: basic } })).status).toBe(200);
    expect((await fetch(`${url}${V1}/projects/1`, { headers: { authorization: 'Bearer jwt-abc' } })).status).toBe(200);
    // A known project list holds: other ids are the client's ResourceNotFound.
    const missing = await fetch(`${url}${V1}/projects/2`, { headers: { authorization: basic } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: 404, message: 'Project 2 not found' });

    const wrong = await fetch(`${url}${V1}/instance:login`, { method: 'POST', body: JSON.stringify({ username: 'admin', password: 'nope' }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toBe('text/plain');
    const forged = await fetch(`${url}${V1}/operations`, { headers: { cookie: 'authToken=forged' } });
    expect(forged.status).toBe(401);
    expect(await forged.text()).toBe('Credentials are required to access this resource.');
  });
});
