/**
 * The real Tamr Mastering handlers against a real TamrMasteringSimulator over HTTP. Only the
 * Secrets Manager SDK client is mocked (test/support/secrets.ts); fetch is never touched.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { htmlErrorPage } from '../../lib/local/simulators/http-simulator';
import { TamrMasteringSimulator, type TamrMasteringSimulatorOptions } from '../../lib/local/simulators/tamr-mastering';
import type { HandlerEnvironment } from '../../lambdas/shared/environment';
import type { JobResult } from '../../lambdas/shared/job-result';
import { createHandler as createGetOperation } from '../../lambdas/tamr-mastering/get-operation';
import { createHandler as createPopulateRecipe } from '../../lambdas/tamr-mastering/populate-recipe';
import { createHandler as createSubmitRefresh } from '../../lambdas/tamr-mastering/submit-refresh';
import { createHandler as createUpdateRecords } from '../../lambdas/tamr-mastering/update-records';
import { captureHandlerLogs, failure, type HandlerError } from '../support/handlers';
import { secretFetches, useSecret } from '../support/secrets';

const EPOCH = Date.UTC(2024, 0, 1);
const V1 = '/api/versioned/v1';
const SECRET_NAME = 'continuum/test';
const CREDS = { username: 'admin', password: 'dt' };
const base64 = (text: string): string => Buffer.from(text).toString('base64');
const BASIC = `BasicCreds ${base64('admin:dt')}`;
const context = { awsRequestId: 'test' } as Context;


let t: number;
let sim: TamrMasteringSimulator;
let env: HandlerEnvironment;
const logs = captureHandlerLogs();
let workDir: string;

async function startSimulator(options: TamrMasteringSimulatorOptions = {}): Promise<void> {
  await sim?.stop();
  sim = new TamrMasteringSimulator({ clock: () => EPOCH + t, token: 'jwt-abc', ...options });
  // 60 s: no answer of the in-process simulator takes that long, however loaded the machine, and
  // a hung call still fails within vitest's 120 s test timeout. Hang tests set their own short one.
  env = { BASE_URL: await sim.start(0, '127.0.0.1'), SECRET_NAME, HTTP_TIMEOUT_MS: '60000' };
}

const submitRefresh = (event: unknown): Promise<JobResult> => createSubmitRefresh(env)(event, context);
const getOperation = (event: unknown): Promise<JobResult> => createGetOperation(env)(event, context);
const updateRecords = (event: unknown): Promise<JobResult> => createUpdateRecords(env)(event, context);
const populateRecipe = (event: unknown): Promise<JobResult> => createPopulateRecipe(env)(event, context);
/** Uploads of ~150 KB can take long on a loaded 2-core CI runner; they are not timeout tests. */
const updateManyRecords = (event: unknown): Promise<JobResult> => createUpdateRecords({ ...env, HTTP_TIMEOUT_MS: '10000' })(event, context);


async function recordsFile(name: string, lines: string[]): Promise<string> {
  const path = join(workDir, name);
  await writeFile(path, lines.join('\n') + '\n');
  return path;
}

const parsedLogs = (): Array<Record<string, unknown>> => logs.map((line) => JSON.parse(line) as Record<string, unknown>);

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'continuum-tamr-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

beforeEach(async () => {
  t = 0;
  useSecret(CREDS);
  await startSimulator();
});

afterEach(async () => {
  await sim.stop();
});

describe('submit-refresh', () => {
  it.each([
    { event: { kind: 'refreshUnifiedDataset', project: '1' }, path: `${V1}/projects/1/unifiedDataset:refresh`, description: 'Materializing unified dataset for project 1' },
    { event: { kind: 'refreshRecordPairs', project: '1' }, path: `${V1}/projects/1/recordPairs:refresh`, description: 'Generating record pairs for project 1' },
    { event: { kind: 'refreshRecordClusters', project: '1' }, path: `${V1}/projects/1/recordClusters:refresh`, description: 'Generating record clusters for project 1' },
    { event: { kind: 'refreshDataset', datasetId: '42' }, path: `${V1}/datasets/42:refresh`, description: 'Materializing dataset 42' },
  ])('$event.kind posts to $path with BasicCreds and returns the PENDING operation', async ({ event, path, description }) => {
    const result = await submitRefresh(event);

    expect(result).toEqual({ id: '1', state: 'PENDING', outcome: 'running', error: null, cause: null, summary: { description } });
    expect(sim.requests).toHaveLength(1);
    const [request] = sim.requestsTo('POST', path);
    expect(request).toBeDefined();
    expect(request.path).toBe(path);
    expect(request.headers.authorization).toBe(BASIC);
    expect(request.headers.accept).toBe('application/json');
    expect(request.status).toBe(event.kind === 'refreshDataset' ? 202 : 200);
    expect(sim.operations.map((o) => o.path)).toEqual([path]);
    expect(secretFetches()).toBe(1);
  });

  it('percent-encodes ids in the path', async () => {
    const result = await submitRefresh({ kind: 'refreshRecordPairs', project: 'sales eu' });
    expect(result).toMatchObject({ outcome: 'running', summary: { description: 'Generating record pairs for project sales eu' } });
    expect(sim.requests.map((r) => r.path)).toEqual([`${V1}/projects/sales%20eu/recordPairs:refresh`]);
  });

  it('treats a 204 without body as an already-succeeded no-op', async () => {
    sim.noOpNext('recordClusters');
    const result = await submitRefresh({ kind: 'refreshRecordClusters', project: '1' });

    expect(result).toEqual({ id: null, state: 'UP_TO_DATE', outcome: 'succeeded', error: null, cause: null, summary: { noOp: true } });
    expect(sim.requestsTo('POST', `${V1}/projects/1/recordClusters:refresh`).map((r) => r.status)).toEqual([204]);
    expect(sim.operations).toHaveLength(0);
  });

  it('sends a Bearer header when the secret holds a token', async () => {
    useSecret({ token: 'jwt-abc' });
    const result = await submitRefresh({ kind: 'refreshUnifiedDataset', project: '1' });

    expect(result).toMatchObject({ id: '1', state: 'PENDING', outcome: 'running' });
    expect(sim.requests[0].headers.authorization).toBe('Bearer jwt-abc');
  });

  it('fetches the secret once per cache lifetime, not per call', async () => {
    const handler = createSubmitRefresh(env);
    await handler({ kind: 'refreshUnifiedDataset', project: '1' }, context);
    await handler({ kind: 'refreshRecordPairs', project: '1' }, context);
    expect(sim.requests).toHaveLength(2);
    expect(secretFetches()).toBe(1);
  });
});

describe('get-operation', () => {
  it('follows an operation PENDING → RUNNING → SUCCEEDED as the clock advances', async () => {
    const submitted = await submitRefresh({ kind: 'refreshUnifiedDataset', project: '1' });
    const poll = { jobId: submitted.id };

    expect(await getOperation(poll)).toMatchObject({ id: '1', state: 'PENDING', outcome: 'running', error: null, cause: null });
    t = 600;
    expect(await getOperation(poll)).toMatchObject({ id: '1', state: 'RUNNING', outcome: 'running', error: null, cause: null });
    t = 1500;
    expect(await getOperation(poll)).toEqual({
      id: '1',
      state: 'SUCCEEDED',
      outcome: 'succeeded',
      error: null,
      cause: null,
      // Submitted at 0, ended at 1.5 s on the simulator's clock: the duration learned polling keeps.
      summary: { description: 'Materializing unified dataset for project 1', ranSeconds: 1.5 },
    });

    const polls = sim.requestsTo('GET', `${V1}/operations/1`);
    expect(polls).toHaveLength(3);
    expect(polls.every((r) => r.headers.authorization === BASIC)).toBe(true);
  });

  it('fails with TamrOperationFailed and the server message when the operation FAILED', async () => {
    sim.failNext('org.apache.spark.SparkException: Job aborted due to stage failure');
    const { id } = await submitRefresh({ kind: 'refreshRecordPairs', project: '1' });
    t = 1500;
    const result = await getOperation({ jobId: id });

    expect(result).toMatchObject({ id: '1', state: 'FAILED', outcome: 'failed', error: 'TamrOperationFailed' });
    expect(result.cause).toContain('operation 1 FAILED');
    expect(result.cause).toContain('org.apache.spark.SparkException: Job aborted due to stage failure');
  });

  it('cuts a very long failure message and marks the cut', async () => {
    const trace = 'org.apache.spark.SparkException: boom\n' + '\tat org.apache.spark.scheduler.DAGScheduler.run(DAGScheduler.scala:1)\n'.repeat(100);
    const message = trace.padEnd(10_000, 'x');
    expect(message).toHaveLength(10_000);
    sim.failNext(message);
    const { id } = await submitRefresh({ kind: 'refreshDataset', datasetId: '7' });
    t = 1500;
    const result = await getOperation({ jobId: id });

    expect(result.error).toBe('TamrOperationFailed');
    const full = `operation 1: operation 1 FAILED: ${message}`;
    const kept = 4000;
    expect(result.cause).toBe(`${full.slice(0, kept)}… [cut ${full.length - kept} characters]`);
    expect(result.cause!.length).toBeLessThan(4100);
    expect(result.cause).toMatch(/^operation 1: operation 1 FAILED: org\.apache\.spark\.SparkException: boom/);
  });

  it('keeps polling through CANCELING and fails with TamrOperationCanceled once CANCELED', async () => {
    sim.cancelNext();
    const { id } = await submitRefresh({ kind: 'refreshRecordClusters', project: '1' });
    t = 1500;

    const canceling = await getOperation({ jobId: id });
    expect(canceling).toEqual({
      id: '1',
      state: 'CANCELING',
      outcome: 'running',
      error: null,
      cause: null,
      summary: { description: 'Generating record clusters for project 1' },
    });

    t = 2000;
    const canceled = await getOperation({ jobId: id });
    expect(canceled).toMatchObject({ id: '1', state: 'CANCELED', outcome: 'failed', error: 'TamrOperationCanceled' });
    expect(canceled.cause).toContain('was CANCELED');
    expect(canceled.cause).toContain('Job has been canceled');
  });

  it('throws NotFound with the server message for an unknown operation', async () => {
    const err = await failure(getOperation({ jobId: '999' }));

    expect(err.name).toBe('NotFound');
    expect(err.status).toBe(404);
    expect(err.message).toContain('GET /api/versioned/v1/operations/999 answered 404');
    expect(err.message).toContain('Operation with id 999 not found');
    const failedLine = parsedLogs().find((entry) => entry.message === 'failed');
    expect(failedLine).toMatchObject({ level: 'error', handler: 'tamr-mastering/get-operation', requestId: 'test', error: 'NotFound' });
  });
});

describe('named errors', () => {
  it('429 → RateLimited with the Retry-After seconds', async () => {
    sim.injectFault({
      fault: { kind: 'status', status: 429, body: '{"status":429,"message":"Too many requests"}', contentType: 'application/json', headers: { 'retry-after': '7' } },
    });
    const err = await failure(submitRefresh({ kind: 'refreshUnifiedDataset', project: '1' }));

    expect(err.name).toBe('RateLimited');
    expect(err.status).toBe(429);
    expect(err.retryAfterSeconds).toBe(7);
    expect(err.message).toContain('Too many requests');
  });

  it('503 with an HTML page → TransientApiError naming the page title, not the markup', async () => {
    sim.injectFault({ fault: { kind: 'status', status: 503, body: htmlErrorPage(503, 'Service Unavailable') } });
    const err = await failure(getOperation({ jobId: '1' }));

    expect(err.name).toBe('TransientApiError');
    expect(err.status).toBe(503);
    expect(err.message).toContain('answered 503');
    expect(err.message).toContain('503 Service Unavailable');
    expect(err.message).not.toContain('<');
  });

  it('a connection reset → TransientApiError', async () => {
    sim.injectFault({ fault: { kind: 'reset' } });
    const err = await failure(submitRefresh({ kind: 'refreshRecordPairs', project: '1' }));

    expect(err.name).toBe('TransientApiError');
    expect(err.message).toMatch(new RegExp(`^POST ${V1}/projects/1/recordPairs:refresh: connection reset by 127\\.0\\.0\\.1:\\d+ \\(\\w+\\)$`));
    expect(sim.requests).toHaveLength(1);
  });

  it('no answer within HTTP_TIMEOUT_MS → TransientApiError', async () => {
    sim.injectFault({ fault: { kind: 'hang' } });
    const err = await failure(createGetOperation({ ...env, HTTP_TIMEOUT_MS: '500' })({ jobId: '1' }, context));

    // The message names the timeout that ended the call (no elapsed-time assertion: a loaded
    // machine may take longer, and the simulator never answers, so only the timeout can end it).
    expect(err.name).toBe('TransientApiError');
    expect(err.message).toMatch(/no answer from 127\.0\.0\.1:\d+ within 0\.5 s/);
  });

  it('a 2xx that is not JSON → MalformedResponse', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: '{"id":"1","status":{"state":' } });
    const err = await failure(submitRefresh({ kind: 'refreshUnifiedDataset', project: '1' }));

    expect(err.name).toBe('MalformedResponse');
    expect(err.message).toContain('not valid JSON');
  });

  it('a 2xx JSON that is not an operation → MalformedResponse', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: '{"id":"1","status":{"state":"DONE"}}' } });
    const err = await failure(getOperation({ jobId: '1' }));

    expect(err.name).toBe('MalformedResponse');
    expect(err.message).toContain('not an operation');
  });

  it('wrong credentials → AuthFailed with the server message', async () => {
    useSecret({ username: 'admin', password: 'not-dt' });
    const err = await failure(submitRefresh({ kind: 'refreshUnifiedDataset', project: '1' }));

    expect(err.name).toBe('AuthFailed');
    expect(err.status).toBe(401);
    expect(err.message).toContain('The supplied credentials are not valid.');
    expect(sim.operations).toHaveLength(0);
  });

  it.each([
    { what: 'a JSON secret without the fields', value: { user: 'admin' } },
    { what: 'a secret that is not JSON', value: 'admin:dt' },
    { what: 'an empty password', value: { username: 'admin', password: '' } },
  ])('$what → BadSecret before any request', async ({ value }) => {
    useSecret(value);
    const err = await failure(submitRefresh({ kind: 'refreshUnifiedDataset', project: '1' }));

    expect(err.name).toBe('BadSecret');
    expect(err.message).toContain(SECRET_NAME);
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    { handler: 'submit-refresh', call: () => submitRefresh({ kind: 'refreshEverything', project: '1' }) },
    { handler: 'submit-refresh', call: () => submitRefresh({ kind: 'refreshDataset', project: '1' }) },
    { handler: 'get-operation', call: () => getOperation({ operationId: '1' }) },
    { handler: 'update-records', call: () => updateRecords({ datasetId: '1', records: '' , recordIdField: 'id' }) },
    { handler: 'populate-recipe', call: () => populateRecipe(null) },
  ])('$handler with a bad payload → BadTaskInput before any request', async ({ handler, call }) => {
    const err = await failure(call());

    expect(err.name).toBe('BadTaskInput');
    expect(err.message).toContain(`tamr-mastering/${handler}: unexpected task input`);
    expect(sim.requests).toHaveLength(0);
  });

  it('a handler environment without BASE_URL → BadTaskInput', () => {
    expect(() => createGetOperation({ SECRET_NAME })).toThrowError(expect.objectContaining({ name: 'BadTaskInput' }));
  });
});

describe('update-records', () => {
  const record = (i: number): string => JSON.stringify({ customer_id: `c${i}`, name: `Customer ${i}`, city: 'Lyon' });

  it('streams every line as a CREATE command', async () => {
    const records = await recordsFile('three.jsonl', [record(1), record(2), record(3)]);
    const result = await updateRecords({ datasetId: 'ds-1', records, recordIdField: 'customer_id' });

    expect(result).toEqual({
      id: null,
      state: 'SUCCEEDED',
      outcome: 'succeeded',
      error: null,
      cause: null,
      summary: { datasetId: 'ds-1', recordsSent: 3, commandsProcessed: 3 },
    });
    expect(sim.recordCount('ds-1')).toBe(3);

    const [request] = sim.requestsTo('POST', `${V1}/datasets/ds-1:updateRecords`);
    expect(request.query).toEqual({ header: 'false' });
    expect(request.headers.authorization).toBe(BASIC);
    expect(request.headers['content-type']).toBe('application/json');
    const commands = request.body.trim().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(commands[0]).toEqual({ action: 'CREATE', recordId: 'c1', record: { customer_id: 'c1', name: 'Customer 1', city: 'Lyon' } });
    expect(commands).toHaveLength(3);
  });

  it('streams a file larger than one read chunk, with numeric ids, blank lines and a character split across chunks', async () => {
    // ~150 KB: more than two 64 KiB read chunks, so lines (and a 2-byte character) straddle chunks.
    const count = 1500;
    const lines = Array.from({ length: count }, (_, i) => JSON.stringify({ id: i + 1, text: 'é'.repeat(45) }));
    lines.splice(10, 0, ' ');
    // The first 64 KiB read chunk ends inside a 2-byte 'é' (0xC3 | 0xA9).
    expect(Buffer.from(lines.join('\n') + '\n')[64 * 1024]).toBe(0xa9);
    const records = await recordsFile('many.jsonl', lines);
    const result = await updateManyRecords({ datasetId: 'big', records, recordIdField: 'id' });

    expect(result.outcome).toBe('succeeded');
    expect(result.summary).toEqual({ datasetId: 'big', recordsSent: count, commandsProcessed: count });
    expect(sim.recordCount('big')).toBe(count);
    // No character was mangled where a read chunk ended inside it.
    const [request] = sim.requestsTo('POST', `${V1}/datasets/big:updateRecords`);
    const commands = request.body.trim().split('\n').map((line) => JSON.parse(line) as { recordId: string; record: { id: number; text: string } });
    expect(commands.map((c) => c.recordId)).toEqual(Array.from({ length: count }, (_, i) => String(i + 1)));
    expect(commands.filter((c) => c.record.text !== 'é'.repeat(45)).map((c) => c.recordId)).toEqual([]);
  });

  it('a line that is not JSON → BadRecords naming the line', async () => {
    const records = await recordsFile('not-json.jsonl', [record(1), '{"customer_id": "c2", ', record(3)]);
    const err = await failure(updateRecords({ datasetId: 'ds-2', records, recordIdField: 'customer_id' }));

    expect(err.name).toBe('BadRecords');
    expect(err.message).toContain('records line 2 is not valid JSON');
    expect(sim.recordCount('ds-2')).toBe(0);
  });

  it('a line without the id field → BadRecords naming the line and the field', async () => {
    const lines = [record(1), record(2), JSON.stringify({ name: 'anonymous' })];
    const records = await recordsFile('no-id.jsonl', lines);
    const err = await failure(updateRecords({ datasetId: 'ds-3', records, recordIdField: 'customer_id' }));

    expect(err.name).toBe('BadRecords');
    expect(err.message).toContain("records line 3 has no 'customer_id' field");
    expect(sim.recordCount('ds-3')).toBe(0);
  });

  it('a bad line far into a large file → BadRecords', async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => JSON.stringify({ id: `r${i}`, pad: 'p'.repeat(80) }));
    lines[1400] = '[1, 2, 3]';
    const records = await recordsFile('late-bad.jsonl', lines);
    const err = await failure(updateManyRecords({ datasetId: 'ds-4', records, recordIdField: 'id' }));

    expect(err.name).toBe('BadRecords');
    expect(err.message).toContain('records line 1401 is not a JSON object');
    expect(sim.recordCount('ds-4')).toBe(0);
  });

  it('a missing records file → NotFound before any request', async () => {
    const records = join(workDir, 'does-not-exist.jsonl');
    const err = await failure(updateRecords({ datasetId: 'ds-1', records, recordIdField: 'customer_id' }));

    expect(err.name).toBe('NotFound');
    expect(err.message).toContain(records);
    expect(sim.requests).toHaveLength(0);
  });

  it('allCommandsSucceeded: false → failed with TamrValidationFailed and the errors in the cause', async () => {
    sim.rejectUpdateRecords(['Command 1 (recordId "c1"): field city is unknown', 'Command 2 (recordId "c2"): field city is unknown']);
    const records = await recordsFile('rejected.jsonl', [record(1), record(2)]);
    const result = await updateRecords({ datasetId: 'ds-5', records, recordIdField: 'customer_id' });

    expect(result).toMatchObject({
      id: null,
      state: 'VALIDATION_FAILED',
      outcome: 'failed',
      error: 'TamrValidationFailed',
      summary: { datasetId: 'ds-5', recordsSent: 2, commandsProcessed: 2 },
    });
    expect(result.cause).toContain('dataset ds-5: 2 command(s) failed validation');
    expect(result.cause).toContain('Command 1 (recordId "c1"): field city is unknown');
    expect(result.cause).toContain('Command 2 (recordId "c2"): field city is unknown');
    expect(sim.recordCount('ds-5')).toBe(0);
  });
});

describe('populate-recipe', () => {
  it('an operation-shaped answer is polled like a refresh', async () => {
    const result = await populateRecipe({ recipeId: '5' });

    expect(result).toEqual({ id: '1', state: 'PENDING', outcome: 'running', error: null, cause: null, summary: { description: 'Populating recipe 5' } });
    const [request] = sim.requestsTo('POST', '/api/recipe/recipes/5/populate');
    expect(request.headers.authorization).toBe(BASIC);
    t = 1500;
    expect(await getOperation({ jobId: result.id })).toMatchObject({ id: '1', outcome: 'succeeded' });
  });

  it('any other 2xx answer is done', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: '{"ok":true}' }, path: '/populate' });
    const result = await populateRecipe({ recipeId: '5' });

    expect(result).toEqual({ id: null, state: 'HTTP_200', outcome: 'succeeded', error: null, cause: null, summary: { recipeId: '5' } });
  });
});

describe('the secret', () => {
  it('never appears in a log line, a result or an error', async () => {
    const password = 'Pa55-LEAK-canary-7f3c';
    const wrongPassword = 'Wr0ng-LEAK-canary-19ad';
    await startSimulator({ password });
    const creds = { username: 'admin', password };
    const forbidden = [password, base64(`admin:${password}`), wrongPassword, base64(`admin:${wrongPassword}`), 'dt', base64('admin:dt'), 'jwt-abc'];
    const results: JobResult[] = [];
    const errors: HandlerError[] = [];
    const ok = async (call: Promise<JobResult>): Promise<JobResult> => {
      const result = await call;
      results.push(result);
      return result;
    };
    const bad = async (call: Promise<unknown>, name: string): Promise<void> => {
      const err = await failure(call);
      expect(err.name).toBe(name);
      errors.push(err);
    };
    useSecret(creds);

    // Every refresh kind, a no-op, and polls through success, failure and cancellation.
    for (const event of [
      { kind: 'refreshUnifiedDataset', project: '1' },
      { kind: 'refreshRecordPairs', project: '1' },
      { kind: 'refreshRecordClusters', project: '1' },
      { kind: 'refreshDataset', datasetId: '42' },
    ]) {
      expect((await ok(submitRefresh(event))).outcome).toBe('running');
    }
    sim.noOpNext();
    expect((await ok(submitRefresh({ kind: 'refreshUnifiedDataset', project: '1' }))).outcome).toBe('succeeded');
    sim.failNext(`java.lang.IllegalStateException: ${'stack '.repeat(2000)}`);
    const failing = await ok(submitRefresh({ kind: 'refreshRecordPairs', project: '1' }));
    sim.cancelNext();
    const canceling = await ok(submitRefresh({ kind: 'refreshRecordClusters', project: '1' }));
    t = 1500;
    expect((await ok(getOperation({ jobId: '1' }))).outcome).toBe('succeeded');
    expect((await ok(getOperation({ jobId: failing.id }))).error).toBe('TamrOperationFailed');
    expect((await ok(getOperation({ jobId: canceling.id }))).state).toBe('CANCELING');
    expect((await ok(getOperation({ jobId: canceling.id }))).error).toBe('TamrOperationCanceled');
    await bad(getOperation({ jobId: '999' }), 'NotFound');

    // Faults.
    sim.injectFault({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '3' } } });
    await bad(getOperation({ jobId: '1' }), 'RateLimited');
    sim.injectFault({ fault: { kind: 'status', status: 503, body: htmlErrorPage(503, 'Service Unavailable') } });
    await bad(getOperation({ jobId: '1' }), 'TransientApiError');
    sim.injectFault({ fault: { kind: 'reset' } });
    await bad(submitRefresh({ kind: 'refreshRecordPairs', project: '1' }), 'TransientApiError');
    sim.injectFault({ fault: { kind: 'hang' } });
    await bad(createGetOperation({ ...env, HTTP_TIMEOUT_MS: '500' })({ jobId: '1' }, context), 'TransientApiError');
    sim.injectFault({ fault: { kind: 'malformed', body: '<html>oops' } });
    await bad(getOperation({ jobId: '1' }), 'MalformedResponse');
    await bad(submitRefresh({ kind: 'nope' }), 'BadTaskInput');

    // Records.
    const good = await recordsFile('leak-good.jsonl', ['{"id":"a"}', '{"id":"b"}']);
    expect((await ok(updateRecords({ datasetId: 'd', records: good, recordIdField: 'id' }))).summary).toMatchObject({ recordsSent: 2 });
    const broken = await recordsFile('leak-bad.jsonl', ['{"id":"a"}', 'nope']);
    await bad(updateRecords({ datasetId: 'd', records: broken, recordIdField: 'id' }), 'BadRecords');
    await bad(updateRecords({ datasetId: 'd', records: join(workDir, 'missing.jsonl'), recordIdField: 'id' }), 'NotFound');
    sim.rejectUpdateRecords(['Command 1: nope']);
    expect((await ok(updateRecords({ datasetId: 'd', records: good, recordIdField: 'id' }))).error).toBe('TamrValidationFailed');
    expect((await ok(populateRecipe({ recipeId: '5' }))).outcome).toBe('running');

    // Wrong, unusable and token secrets.
    useSecret({ username: 'admin', password: wrongPassword });
    await bad(getOperation({ jobId: '1' }), 'AuthFailed');
    useSecret({ username: 'admin' });
    await bad(getOperation({ jobId: '1' }), 'BadSecret');
    useSecret({ token: 'jwt-abc' });
    expect((await ok(getOperation({ jobId: '1' }))).outcome).toBe('succeeded');

    // The check is not vacuous: the secret really went over the wire, and there is plenty to scan.
    expect(sim.requests.some((r) => r.headers.authorization === `BasicCreds ${base64(`admin:${password}`)}`)).toBe(true);
    expect(results.length).toBeGreaterThanOrEqual(15);
    expect(errors.length).toBeGreaterThanOrEqual(10);
    expect(logs.some((line) => line.includes('"message":"API call"'))).toBe(true);
    expect(logs.filter((line) => line.includes('"message":"failed"')).length).toBe(errors.length);

    const scanned = [
      ...logs,
      ...results.map((result) => JSON.stringify(result)),
      ...errors.map((err) => `${err.name}: ${err.message} ${JSON.stringify(err)} ${inspect(err, { depth: 5 })}`),
    ];
    for (const text of scanned) {
      for (const secret of forbidden) {
        // 'dt' is short: look for it as a word only (e.g. in "admin:dt"), not inside other words.
        const pattern = secret === 'dt' ? /\bdt\b/ : new RegExp(secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
        expect(pattern.test(text), `${secret} leaked in: ${text.slice(0, 300)}`).toBe(false);
      }
    }
  });
});
