/**
 * The real Boomi Hub handlers against a real BoomiHubSimulator over HTTP. Only the Secrets
 * Manager SDK client is mocked (test/support/secrets.ts); fetch is never touched. Answers the
 * simulator does not produce on its own (the seed's COMPLETED sample, ERRORED entities, broken
 * XML) are served through its fault queue, so they still cross the wire.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BoomiHubSimulator, SEED_QUARANTINE_DETAIL, DEFAULT_UNIVERSE_ID, type BoomiHubSimulatorOptions } from '../../lib/local/simulators/boomi-hub';
import { htmlErrorPage } from '../../lib/local/simulators/http-simulator';
import { batchIdFromAnswer, boomiErrorMessage } from '../../lib/providers/boomi-hub/api';
import { createHandler as createGetBatchStatus } from '../../lambdas/boomi-hub/get-batch-status';
import { createHandler as createGetQuarantineReport } from '../../lambdas/boomi-hub/get-quarantine-report';
import { createHandler as createUpdateGoldenRecords } from '../../lambdas/boomi-hub/update-golden-records';
import type { HandlerEnvironment } from '../../lambdas/shared/environment';
import type { JobResult } from '../../lambdas/shared/job-result';
import { captureHandlerLogs, failure, type HandlerError } from '../support/handlers';
import { secretFetches, useSecret } from '../support/secrets';

const UNIVERSE = DEFAULT_UNIVERSE_ID;
const RECORDS_PATH = `/mdm/universes/${UNIVERSE}/records`;
const SECRET_NAME = 'continuum/boomi-test';
const BASIC_CREDS = { username: 'boomi-user', password: 'boomi-token' };
const base64 = (text: string): string => Buffer.from(text).toString('base64');
const BASIC = `Basic ${base64('boomi-user:boomi-token')}`;
const context = { awsRequestId: 'test' } as Context;
/** The seed's 401 page, as the simulator serves it. */
const UNAUTHORIZED_TEXT = 'HTTP ERROR 401 Problem accessing /mdm/universes. Reason: Invalid credentials.';
const SEED_QUARANTINE_MESSAGE = "The record's {Age} field value '41a' is not in a valid INTEGER format.";


let t: number;
let sim: BoomiHubSimulator;
let env: HandlerEnvironment;
const logs = captureHandlerLogs();
let workDir: string;

async function startSimulator(options: BoomiHubSimulatorOptions = {}): Promise<void> {
  await sim?.stop();
  sim = new BoomiHubSimulator({ clock: () => t, ...options });
  // 60 s: no answer of the in-process simulator takes that long, however loaded the machine, and
  // a hung call still fails within vitest's 120 s test timeout. Hang tests set their own short one.
  env = { BASE_URL: await sim.start(0, '127.0.0.1'), SECRET_NAME, HTTP_TIMEOUT_MS: '60000' };
}

const updateGoldenRecords = (event: unknown): Promise<JobResult> => createUpdateGoldenRecords(env)(event, context);
const getBatchStatus = (event: unknown): Promise<JobResult> => createGetBatchStatus(env)(event, context);
const getQuarantineReport = (event: unknown): Promise<JobResult> => createGetQuarantineReport(env)(event, context);

/** The status/report payload for batch `jobId` (Basic auth unless `repositoryId` is given). */
const batchEvent = (jobId: string | null, extra: Record<string, unknown> = {}) => ({ universeId: UNIVERSE, jobId, quarantineThreshold: 0, ...extra });


/** A `<batch src>` file of `count` contacts with ids c1..cN. */
async function batchFile(name: string, count: number, source = 'SF'): Promise<string> {
  const contacts = Array.from({ length: count }, (_, i) => `  <contact><id>c${i + 1}</id><name>Person ${i + 1}</name><age>${30 + i}</age></contact>`);
  const path = join(workDir, name);
  await writeFile(path, `<?xml version="1.0" encoding="UTF-8"?>\n<batch src="${source}">\n${contacts.join('\n')}\n</batch>\n`);
  return path;
}

/** Submit a batch of `count` contacts and let it run to its end; returns its id. */
async function finishedBatch(count: number): Promise<string> {
  const submitted = await updateGoldenRecords({ universeId: UNIVERSE, records: await batchFile(`batch-${count}-${sim.batches.length}.xml`, count) });
  t += 1500;
  return submitted.id!;
}

/** The seed's COMPLETED sample (200 entities, 5 quarantined), optionally with entities. */
function seedCompletedSample(entities = ''): string {
  return `<batch>
<batchId>42</batchId>
<source>SF</source>
<createdByType>API</createdByType>
<trackbackId>atomsphere:account-123456@execution-fedcba98-7654-3210-fedc-ba9876543210-2013.08.28</trackbackId>
<state>COMPLETED</state>
<createdAt>2016-10-31T15:12:21Z</createdAt>
<updatedAt>2016-10-31T15:12:37Z</updatedAt>
<parseStart>2016-10-31T15:12:21Z</parseStart>
<parseEnd>2016-10-31T15:12:21Z</parseEnd>
<enrichStart>2016-10-31T15:12:21Z</enrichStart>
<enrichEnd>2016-10-31T15:12:37Z</enrichEnd>
<incorporateStart>2016-10-31T15:12:37Z</incorporateStart>
<incorporateEnd>2016-10-31T15:12:37Z</incorporateEnd>
<endedAt>2016-10-31T15:12:37Z</endedAt>
<entityCount>200</entityCount>
<quarantinedCount>5</quarantinedCount>
<createdCount>195</createdCount>
<deletedCount>0</deletedCount>
<updatedCount>0</updatedCount>
${entities}</batch>`;
}

/** A seed-shaped `<entity>`. */
function entityXml(id: number, state: string, stateDetail?: string, message?: string): string {
  return `<entity id="${id}">
<createdAt>2016-10-31T15:12:21Z</createdAt>
<updatedAt>2016-10-31T15:12:37Z</updatedAt>
<state>${state}</state>
${stateDetail ? `<stateDetail>${stateDetail}</stateDetail>\n` : ''}${message ? `<message>${message}</message>\n` : ''}<sourceEntityId>src-${id}</sourceEntityId>
<transactionId>982e5ba7-52fa-420f-9749-8322646c2f28</transactionId>
</entity>`;
}

/** Serve `body` as the next 200 answer to a batch status request. */
function serveBatch(body: string): void {
  sim.injectFault({ fault: { kind: 'malformed', body, contentType: 'application/xml' }, method: 'GET', path: '/records/updates/' });
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'continuum-boomi-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

beforeEach(async () => {
  t = Date.UTC(2016, 9, 31, 15, 12, 21);
  useSecret(BASIC_CREDS);
  await startSimulator();
});

afterEach(async () => {
  await sim.stop();
});

describe('update-golden-records', () => {
  it('streams the batch XML with Basic auth and returns the batch id from the answer URL', async () => {
    const records = await batchFile('three.xml', 3);
    const result = await updateGoldenRecords({ universeId: UNIVERSE, records });

    expect(result).toEqual({ id: '42', state: 'CREATED', outcome: 'running', error: null, cause: null, summary: { universeId: UNIVERSE, bytesSent: expect.any(Number) } });
    const [request] = sim.requestsTo('POST', RECORDS_PATH);
    expect(sim.requests).toHaveLength(1);
    expect(request.query).toEqual({});
    expect(request.headers.authorization).toBe(BASIC);
    expect(request.headers['content-type']).toBe('application/xml');
    expect(request.headers.accept).toBe('application/xml');
    expect(request.status).toBe(202);
    expect(request.body).toContain('<batch src="SF">');
    expect(result.summary!.bytesSent).toBe(Buffer.byteLength(request.body));
    expect(sim.batches.map((b) => [b.batchId, b.source, b.entities.map((e) => e.sourceEntityId)])).toEqual([['42', 'SF', ['c1', 'c2', 'c3']]]);
    expect(secretFetches()).toBe(1);
  });

  it('streams a batch larger than one read chunk unchanged', async () => {
    // ~170 KB: several 64 KiB read chunks.
    const records = await batchFile('big.xml', 2000);
    const result = await createUpdateGoldenRecords({ ...env, HTTP_TIMEOUT_MS: '10000' })({ universeId: UNIVERSE, records }, context);

    expect(result).toMatchObject({ id: '42', outcome: 'running' });
    expect(result.summary!.bytesSent).toBeGreaterThan(128 * 1024);
    expect(sim.batches[0].entities).toHaveLength(2000);
    expect(sim.batches[0].entities[1999].sourceEntityId).toBe('c2000');
  });

  it('sends Bearer and repositoryId with JWT auth, on the submit and every later call', async () => {
    useSecret({ token: 'boomi-jwt' });
    const jwt = { universeId: UNIVERSE, repositoryId: 'repo-1' };
    const submitted = await updateGoldenRecords({ ...jwt, records: await batchFile('jwt.xml', 2) });
    t += 1500;
    const status = await getBatchStatus({ ...jwt, jobId: submitted.id, quarantineThreshold: 0 });
    const report = await getQuarantineReport({ ...jwt, jobId: submitted.id, quarantineThreshold: 0 });

    expect(status).toMatchObject({ id: '42', state: 'COMPLETED', outcome: 'succeeded' });
    expect(report).toMatchObject({ id: '42', state: 'COMPLETED', outcome: 'succeeded' });
    expect(sim.requests.map((r) => [r.method, r.path, r.query])).toEqual([
      ['POST', RECORDS_PATH, { repositoryId: 'repo-1' }],
      ['GET', `${RECORDS_PATH}/updates/42`, { repositoryId: 'repo-1' }],
      ['GET', `${RECORDS_PATH}/updates/42`, { includeEntities: 'true', repositoryId: 'repo-1' }],
    ]);
    expect(sim.requests.every((r) => r.headers.authorization === 'Bearer boomi-jwt')).toBe(true);
  });

  it('accepts {"username","token"} for Basic auth (the Hub calls the password a token)', async () => {
    useSecret({ username: 'boomi-user', token: 'boomi-token' });
    expect((await updateGoldenRecords({ universeId: UNIVERSE, records: await batchFile('token.xml', 1) })).id).toBe('42');
    expect(sim.requests[0].headers.authorization).toBe(BASIC);
  });

  it('a batch the Hub cannot parse → ApiRejected with its message', async () => {
    const records = join(workDir, 'broken.xml');
    await writeFile(records, '<batch src="SF"><contact><id>1</id></batch>');
    const err = await failure(updateGoldenRecords({ universeId: UNIVERSE, records }));

    expect(err.name).toBe('ApiRejected');
    expect(err.status).toBe(400);
    expect(err.message).toMatch(new RegExp(`^POST ${RECORDS_PATH} answered 400: Unable to parse the batch: `));
    expect(err.message).not.toContain('<');
    expect(sim.batches).toHaveLength(0);
  });

  it('a missing records file → NotFound before any request', async () => {
    const records = join(workDir, 'nope.xml');
    const err = await failure(updateGoldenRecords({ universeId: UNIVERSE, records }));
    expect(err.name).toBe('NotFound');
    expect(err.message).toContain(records);
    expect(sim.requests).toHaveLength(0);
  });

  it('takes the batch URL from Location when the body is empty', async () => {
    sim.injectFault({ fault: { kind: 'status', status: 202, body: '', headers: { location: `https://hub.example.com${RECORDS_PATH}/updates/77` } } });
    expect((await updateGoldenRecords({ universeId: UNIVERSE, records: await batchFile('loc.xml', 1) })).id).toBe('77');
  });

  it.each([
    { what: 'an HTML page', body: '<html><body>Welcome</body></html>' },
    { what: 'an empty body', body: '' },
    { what: 'a URL of another resource', body: `http://hub.example.com/mdm/universes/${UNIVERSE}` },
  ])('a 2xx answer that is $what → MalformedResponse', async ({ body }) => {
    sim.injectFault({ fault: { kind: 'malformed', body, contentType: 'text/plain' }, method: 'POST' });
    const err = await failure(updateGoldenRecords({ universeId: UNIVERSE, records: await batchFile('odd.xml', 1) }));
    expect(err.name).toBe('MalformedResponse');
    expect(err.message).toContain('expected the batch update URL (…/records/updates/<batchID>)');
  });
});

describe('get-batch-status', () => {
  it('waits through every processing state, then succeeds with the counts', async () => {
    const { id } = await updateGoldenRecords({ universeId: UNIVERSE, records: await batchFile('walk.xml', 3) });
    const created = t;
    const seen: Array<[string, string]> = [];
    for (let step = 0; step <= 5; step++) {
      t = created + step * 250;
      const result = await getBatchStatus(batchEvent(id));
      seen.push([result.state, result.outcome]);
    }
    expect(seen).toEqual([
      ['CREATED', 'running'],
      ['PARSING', 'running'],
      ['PARSED', 'running'],
      ['ENRICHING', 'running'],
      ['ENRICHED', 'running'],
      ['PROCESSING', 'running'],
    ]);
    t = created + 1500;
    expect(await getBatchStatus(batchEvent(id))).toEqual({
      id: '42',
      state: 'COMPLETED',
      outcome: 'succeeded',
      error: null,
      cause: null,
      summary: { entityCount: 3, createdCount: 3, updatedCount: 0, deletedCount: 0, quarantinedCount: 0 },
    });
    const polls = sim.requestsTo('GET', `${RECORDS_PATH}/updates/42`);
    expect(polls).toHaveLength(7);
    expect(polls.every((r) => r.headers.authorization === BASIC && Object.keys(r.query).length === 0)).toBe(true);
  });

  it('ERRORED → failed with BoomiBatchErrored and the batch facts in the cause', async () => {
    sim.errorNext();
    const id = await finishedBatch(3);
    const result = await getBatchStatus(batchEvent(id));

    expect(result).toMatchObject({ id: '42', state: 'ERRORED', outcome: 'failed', error: 'BoomiBatchErrored' });
    expect(result.cause).toBe(
      'batch 42 (source SF) ERRORED: processing failed for all 3 entities with an unexpected error (ended 2016-10-31T15:12:22Z); created 0, updated 0, deleted 0, quarantined 0',
    );
    expect(result.summary).toEqual({ entityCount: 3, createdCount: 0, updatedCount: 0, deletedCount: 0, quarantinedCount: 0 });
  });

  it('ERRORED before any entity was counted → the cause speaks of the batch', async () => {
    serveBatch('<batch><batchId>43</batchId><state>ERRORED</state><entityCount>0</entityCount><quarantinedCount>0</quarantinedCount><createdCount>0</createdCount><deletedCount>0</deletedCount><updatedCount>0</updatedCount></batch>');
    const result = await getBatchStatus(batchEvent('43'));
    expect(result).toMatchObject({ outcome: 'failed', error: 'BoomiBatchErrored' });
    expect(result.cause).toBe('batch 43 ERRORED: processing failed for the batch with an unexpected error; created 0, updated 0, deleted 0, quarantined 0');
  });

  it('COMPLETED_ERRORS → a provisional verdict asking for the report, without fetching entities', async () => {
    sim.quarantineNext(2);
    const id = await finishedBatch(5);
    const result = await getBatchStatus(batchEvent(id, { quarantineThreshold: 0.5 }));

    expect(result).toMatchObject({ id: '42', state: 'COMPLETED_ERRORS', outcome: 'succeeded' });
    expect(result.summary).toMatchObject({ quarantinedCount: 2, quarantinedFraction: 0.4, quarantineThreshold: 0.5, reportNeeded: true });
    expect(sim.requests.filter((r) => r.query.includeEntities)).toHaveLength(0);

    const strict = await getBatchStatus(batchEvent(id));
    expect(strict).toMatchObject({ outcome: 'failed', error: 'BoomiQuarantineThresholdExceeded', summary: { reportNeeded: true } });
  });

  it("the seed's COMPLETED sample with 5 quarantined → the quarantine policy applies too", async () => {
    serveBatch(seedCompletedSample());
    const within = await getBatchStatus(batchEvent('42', { quarantineThreshold: 0.05 }));
    expect(within).toMatchObject({ id: '42', state: 'COMPLETED', outcome: 'succeeded' });
    expect(within.summary).toMatchObject({ entityCount: 200, createdCount: 195, quarantinedCount: 5, quarantinedFraction: 0.025, reportNeeded: true });

    serveBatch(seedCompletedSample());
    const strict = await getBatchStatus(batchEvent('42'));
    expect(strict).toMatchObject({ outcome: 'failed', error: 'BoomiQuarantineThresholdExceeded' });
    expect(strict.cause).toContain('5 of 200 entities quarantined (2.5%), more than quarantineThreshold 0 (0%) allows');
  });

  it.each([
    { what: 'not XML', body: '{"state":"COMPLETED"}', reason: 'answer is not valid XML' },
    { what: 'truncated XML', body: '<batch><batchId>42</batchId><state>COMPLETED</state>', reason: 'answer is not valid XML' },
    { what: 'an empty body', body: '', reason: 'answer is not valid XML: empty answer' },
    { what: 'another document', body: '<error><message>busy</message></error>', reason: 'not a batch status' },
    { what: 'an unknown state', body: seedCompletedSample().replace('<state>COMPLETED</state>', '<state>DONE</state>'), reason: 'not a batch status' },
    { what: 'a count that is not a number', body: seedCompletedSample().replace('<entityCount>200</entityCount>', '<entityCount>many</entityCount>'), reason: 'entityCount' },
    { what: 'no counts', body: '<batch><batchId>42</batchId><state>PARSING</state></batch>', reason: 'quarantinedCount' },
  ])('a 200 answer that is $what → MalformedResponse', async ({ body, reason }) => {
    serveBatch(body);
    const err = await failure(getBatchStatus(batchEvent('42')));
    expect(err.name).toBe('MalformedResponse');
    expect(err.message).toContain(`GET ${RECORDS_PATH}/updates/42: `);
    expect(err.message).toContain(reason);
  });
});

describe('get-quarantine-report', () => {
  it('groups quarantined entities by stateDetail with sample messages, within the threshold → succeeded with warnings', async () => {
    sim.quarantineNext(2, [SEED_QUARANTINE_DETAIL]);
    const id = await finishedBatch(5);
    const result = await getQuarantineReport(batchEvent(id, { quarantineThreshold: 0.5 }));

    expect(result).toEqual({
      id: '42',
      state: 'COMPLETED_ERRORS',
      outcome: 'succeeded',
      error: null,
      cause: null,
      summary: {
        entityCount: 5,
        createdCount: 3,
        updatedCount: 0,
        deletedCount: 0,
        quarantinedCount: 2,
        quarantinedFraction: 0.4,
        quarantineThreshold: 0.5,
        quarantineReport: [
          { stateDetail: 'FIELD_FORMAT_ERROR', count: 2, samples: [`entity c4: ${SEED_QUARANTINE_MESSAGE}`, `entity c5: ${SEED_QUARANTINE_MESSAGE}`] },
        ],
        warnings: [
          `batch 42 ended COMPLETED_ERRORS: 2 of 5 entities quarantined (40%), within quarantineThreshold 0.5 (50%); ` +
            `FIELD_FORMAT_ERROR: 2 (entity c4: ${SEED_QUARANTINE_MESSAGE}; entity c5: ${SEED_QUARANTINE_MESSAGE})`,
        ],
      },
    });
    const [request] = sim.requests.filter((r) => r.method === 'GET');
    expect(sim.requests.filter((r) => r.method === 'GET')).toHaveLength(1);
    expect(request.query).toEqual({ includeEntities: 'true' });
  });

  it('above the threshold → failed with BoomiQuarantineThresholdExceeded, counts and the grouped report in the cause', async () => {
    sim.quarantineNext(8, [
      { stateDetail: 'REQUIRED_FIELD', message: 'The field <Email> is required.' },
      { stateDetail: 'REQUIRED_FIELD', message: `A very long reason ${'x'.repeat(400)}` },
      { stateDetail: 'POSSIBLE_DUPLICATE', message: 'Matches golden record 123.' },
      SEED_QUARANTINE_DETAIL,
    ]);
    const id = await finishedBatch(10);
    const result = await getQuarantineReport(batchEvent(id, { quarantineThreshold: 0.25 }));

    expect(result).toMatchObject({ id: '42', state: 'COMPLETED_ERRORS', outcome: 'failed', error: 'BoomiQuarantineThresholdExceeded' });
    const groups = result.summary!.quarantineReport as Array<{ stateDetail: string; count: number; samples: string[] }>;
    expect(groups.map((g) => [g.stateDetail, g.count, g.samples.length])).toEqual([
      ['REQUIRED_FIELD', 4, 3],
      ['FIELD_FORMAT_ERROR', 2, 2],
      ['POSSIBLE_DUPLICATE', 2, 2],
    ]);
    // At most 3 samples per group, each cut to 200 characters with the cut marked.
    expect(groups[0].samples[0]).toBe('entity c3: The field <Email> is required.');
    expect(groups[0].samples[1]).toMatch(/^entity c4: A very long reason x+… \[cut \d+ characters\]$/);
    expect(groups[0].samples[1].length).toBeLessThan(240);

    expect(result.cause).toMatch(
      /^batch 42 ended COMPLETED_ERRORS: 8 of 10 entities quarantined \(80%\), more than quarantineThreshold 0\.25 \(25%\) allows; created 2, updated 0, deleted 0\. Not incorporated: REQUIRED_FIELD: 4 \(entity c3: The field <Email> is required\.; entity c4: A very long reason x+… \[cut \d+ characters\]; entity c7: The field <Email> is required\.\); FIELD_FORMAT_ERROR: 2 \(entity c6: The record's \{Age\} field value '41a' is not in a valid INTEGER format\.; entity c10: .*\); POSSIBLE_DUPLICATE: 2 \(entity c5: Matches golden record 123\.; entity c9: Matches golden record 123\.\)$/,
    );
  });

  it('counts ERRORED entities of a COMPLETED_ERRORS batch against the threshold, as their own group', async () => {
    const entities = `<entities>
${entityXml(1, 'COMPLETED', 'CREATED')}
${entityXml(2, 'ERRORED')}
${entityXml(3, 'QUARANTINED', 'ENRICH_ERROR', 'Data quality step Address failed.')}
</entities>
`;
    serveBatch(
      seedCompletedSample(entities)
        .replace('<state>COMPLETED</state>', '<state>COMPLETED_ERRORS</state>')
        .replace('<entityCount>200</entityCount>', '<entityCount>3</entityCount>')
        .replace('<quarantinedCount>5</quarantinedCount>', '<quarantinedCount>1</quarantinedCount>')
        .replace('<createdCount>195</createdCount>', '<createdCount>1</createdCount>'),
    );
    const result = await getQuarantineReport(batchEvent('42', { quarantineThreshold: 0.5 }));

    expect(result).toMatchObject({ outcome: 'failed', error: 'BoomiQuarantineThresholdExceeded' });
    expect(result.summary!.quarantineReport).toEqual([
      { stateDetail: 'ENRICH_ERROR', count: 1, samples: ['entity src-3: Data quality step Address failed.'] },
      { stateDetail: 'ERRORED', count: 1, samples: [] },
    ]);
    expect(result.cause).toContain('2 of 3 entities quarantined or errored (66.67%)');
  });

  it("reads the seed's includeEntities sample: one entity and one message parse like many", async () => {
    const entities = `<entities>\n${entityXml(9533, 'COMPLETED', 'CREATED')}\n${entityXml(9732, 'QUARANTINED', 'FIELD_FORMAT_ERROR', SEED_QUARANTINE_MESSAGE.replace("'", '&apos;'))}\n</entities>\n`;
    serveBatch(seedCompletedSample(entities));
    const result = await getQuarantineReport(batchEvent('42', { quarantineThreshold: 0.1 }));

    expect(result).toMatchObject({ state: 'COMPLETED', outcome: 'succeeded' });
    expect(result.summary!.quarantineReport).toEqual([{ stateDetail: 'FIELD_FORMAT_ERROR', count: 1, samples: [`entity src-9732: ${SEED_QUARANTINE_MESSAGE}`] }]);
    expect(result.summary!.warnings).toEqual([expect.stringContaining('5 of 200 entities quarantined (2.5%), within quarantineThreshold 0.1 (10%)')]);
  });

  it('a 200 answer that is not XML → MalformedResponse', async () => {
    serveBatch('<batch><entities><entity id="1"></batch>');
    const err = await failure(getQuarantineReport(batchEvent('42')));
    expect(err.name).toBe('MalformedResponse');
    expect(err.message).toContain(`GET ${RECORDS_PATH}/updates/42?includeEntities=true: answer is not valid XML`);
  });
});

describe('named errors with the server message', () => {
  it('400 blank universe id → ApiRejected', async () => {
    const err = await failure(getBatchStatus({ ...batchEvent('42'), universeId: '  ' }));
    expect(err.name).toBe('ApiRejected');
    expect(err.status).toBe(400);
    expect(err.message).toBe('GET /mdm/universes/%20%20/records/updates/42 answered 400: The given universe id is blank.');
  });

  it('401 HTML page → AuthFailed with the page text, not its markup', async () => {
    useSecret({ username: 'boomi-user', password: 'wrong' });
    const err = await failure(updateGoldenRecords({ universeId: UNIVERSE, records: await batchFile('unauth.xml', 1) }));
    expect(err.name).toBe('AuthFailed');
    expect(err.status).toBe(401);
    expect(err.message).toBe(`POST ${RECORDS_PATH} answered 401: ${UNAUTHORIZED_TEXT}`);
    expect(sim.batches).toHaveLength(0);
  });

  it('401 for an expired JWT → AuthFailed', async () => {
    useSecret({ token: 'expired-jwt' });
    const err = await failure(getBatchStatus(batchEvent('42', { repositoryId: 'repo-1' })));
    expect(err.name).toBe('AuthFailed');
    expect(err.message).toContain(UNAUTHORIZED_TEXT);
  });

  it('403 → AuthFailed with the seed message and the privileges it needs', async () => {
    await startSimulator({ forbidden: true });
    useSecret({ token: 'boomi-jwt' });
    const err = await failure(getBatchStatus(batchEvent('42', { repositoryId: 'repo-1' })));
    expect(err.name).toBe('AuthFailed');
    expect(err.status).toBe(403);
    expect(err.message).toBe(
      `GET ${RECORDS_PATH}/updates/42 answered 403: You do not have permissions to access this resource. ` +
        '(the Hub user needs the MDM - Batch Management or MDM - Activity Reporting privilege)',
    );
  });

  it('404 unknown universe → NotFound with both messages', async () => {
    const unknown = '0b9b4d2e-0000-4000-8000-000000000000';
    const err = await failure(getBatchStatus({ ...batchEvent('42'), universeId: unknown }));
    expect(err.name).toBe('NotFound');
    expect(err.status).toBe(404);
    expect(err.message).toBe(
      `GET /mdm/universes/${unknown}/records/updates/42 answered 404: A universe with id '${unknown}' does not exist. ` +
        `Universe definition with id '${unknown}' could not be loaded from plugin component directory 'plugins/mdm/bundles/${unknown}'.`,
    );
  });

  it('404 unknown batch → NotFound, from the status and the report call', async () => {
    for (const call of [getBatchStatus, getQuarantineReport]) {
      const err = await failure(call(batchEvent('46')));
      expect(err.name).toBe('NotFound');
      expect(err.message).toMatch(/answered 404: A batch with id '46' does not exist\.$/);
    }
  });

  it('429 → RateLimited with Retry-After', async () => {
    sim.injectFault({ fault: { kind: 'status', status: 429, body: '<error><message>Rate limit exceeded.</message></error>', contentType: 'application/xml', headers: { 'retry-after': '9' } } });
    const err = await failure(getBatchStatus(batchEvent('42')));
    expect(err.name).toBe('RateLimited');
    expect(err.retryAfterSeconds).toBe(9);
    expect(err.message).toContain('Rate limit exceeded.');
  });

  it('503 with an HTML page → TransientApiError naming the page title', async () => {
    sim.injectFault({ fault: { kind: 'status', status: 503, body: htmlErrorPage(503, 'Service Unavailable') } });
    const err = await failure(getQuarantineReport(batchEvent('42')));
    expect(err.name).toBe('TransientApiError');
    expect(err.message).toContain('answered 503: 503 Service Unavailable');
    expect(err.message).not.toContain('<');
  });

  it('a connection reset or no answer in time → TransientApiError', async () => {
    sim.injectFault({ fault: { kind: 'reset' } });
    expect((await failure(getBatchStatus(batchEvent('42')))).name).toBe('TransientApiError');
    sim.injectFault({ fault: { kind: 'hang' } });
    const err = await failure(createGetBatchStatus({ ...env, HTTP_TIMEOUT_MS: '500' })(batchEvent('42'), context));
    expect(err.name).toBe('TransientApiError');
    expect(err.message).toMatch(/no answer from 127\.0\.0\.1:\d+ within 0\.5 s/);
  });

  it.each([
    { what: 'Basic mode with a token-only secret', secret: { token: 'boomi-jwt' }, extra: {}, says: '"username" and "password"' },
    { what: 'JWT mode with a user/password secret', secret: BASIC_CREDS, extra: { repositoryId: 'repo-1' }, says: '"token"' },
    { what: 'a secret that is not JSON', secret: 'boomi-user:boomi-token', extra: {}, says: '"username" and "password"' },
  ])('$what → BadSecret before any request', async ({ secret, extra, says }) => {
    useSecret(secret);
    const err = await failure(getBatchStatus(batchEvent('42', extra)));
    expect(err.name).toBe('BadSecret');
    expect(err.message).toContain(SECRET_NAME);
    expect(err.message).toContain(says);
    expect(sim.requests).toHaveLength(0);
  });

  it.each([
    { handler: 'update-golden-records', call: () => updateGoldenRecords({ universeId: UNIVERSE }) },
    { handler: 'get-batch-status', call: () => getBatchStatus({ universeId: UNIVERSE, jobId: '42' }) },
    { handler: 'get-quarantine-report', call: () => getQuarantineReport(batchEvent('42', { quarantineThreshold: 2 })) },
  ])('$handler with a bad payload → BadTaskInput before any request', async ({ handler, call }) => {
    const err = await failure(call());
    expect(err.name).toBe('BadTaskInput');
    expect(err.message).toContain(`boomi-hub/${handler}: unexpected task input`);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('answer parsing', () => {
  it.each([
    [`http://127.0.0.1:4000/mdm/universes/${UNIVERSE}/records/updates/42`, '42'],
    [`https://c01-usa-east.hub.boomi.com/mdm/universes/${UNIVERSE}/records/updates/9f1e-77\n`, '9f1e-77'],
    [`/mdm/universes/${UNIVERSE}/records/updates/43/`, '43'],
    [`https://hub/mdm/universes/${UNIVERSE}/records/updates/44?repositoryId=repo-1`, '44'],
  ])('batch id of %j is %s', (body, id) => {
    expect(batchIdFromAnswer('POST x', body, null)).toBe(id);
  });

  it.each([
    ['<error>\n  <message>A batch with id \'46\' does not exist.</message>\n</error>', "A batch with id '46' does not exist."],
    ['<error><message>one.</message><message>two.</message></error>', 'one. two.'],
    ['<body><h2>HTTP ERROR 401</h2><p>Problem accessing /mdm/universes. Reason:\n<pre>Invalid credentials.</pre>\n</p>\n</body>', UNAUTHORIZED_TEXT],
    [htmlErrorPage(502, 'Bad Gateway'), '502 Bad Gateway'],
    ['plain text', 'plain text'],
  ])('error message of %j', (body, message) => {
    expect(boomiErrorMessage(body)).toBe(message);
  });
});

describe('the secret', () => {
  it('never appears in a log line, a result or an error', async () => {
    const password = 'Hub-LEAK-canary-5e1b';
    const jwt = 'eyJ-LEAK-canary-jwt-77aa';
    await startSimulator({ password, jwt });
    const forbidden = [password, base64(`boomi-user:${password}`), jwt, 'wr0ng-LEAK-canary'];
    const results: JobResult[] = [];
    const errors: HandlerError[] = [];
    const ok = async (call: Promise<JobResult>) => results.push(await call);
    const bad = async (call: Promise<unknown>) => errors.push(await failure(call));

    useSecret({ username: 'boomi-user', password });
    sim.quarantineNext(1);
    const { id } = await updateGoldenRecords({ universeId: UNIVERSE, records: await batchFile('leak.xml', 3) });
    await ok(getBatchStatus(batchEvent(id)));
    t += 1500;
    await ok(getBatchStatus(batchEvent(id)));
    await ok(getQuarantineReport(batchEvent(id)));
    await bad(getBatchStatus(batchEvent('46')));
    sim.injectFault({ fault: { kind: 'malformed', body: 'nope' } });
    await bad(getBatchStatus(batchEvent(id)));
    useSecret({ username: 'boomi-user', password: 'wr0ng-LEAK-canary' });
    await bad(getBatchStatus(batchEvent(id)));
    useSecret({ token: jwt });
    await ok(getBatchStatus(batchEvent(id, { repositoryId: 'repo-1' })));
    await bad(getBatchStatus(batchEvent(id)));

    expect(sim.requests.some((r) => r.headers.authorization === `Basic ${base64(`boomi-user:${password}`)}`)).toBe(true);
    expect(sim.requests.some((r) => r.headers.authorization === `Bearer ${jwt}`)).toBe(true);
    expect(results).toHaveLength(4);
    expect(errors.map((e) => e.name)).toEqual(['NotFound', 'MalformedResponse', 'AuthFailed', 'BadSecret']);
    const scanned = [...logs, ...results.map((r) => JSON.stringify(r)), ...errors.map((e) => `${e.message} ${JSON.stringify(e)} ${inspect(e, { depth: 5 })}`)];
    for (const text of scanned) for (const secret of forbidden) expect(text.includes(secret), `${secret} leaked in: ${text.slice(0, 300)}`).toBe(false);
  });
});
