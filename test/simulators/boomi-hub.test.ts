import { XMLParser } from 'fast-xml-parser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BoomiHubSimulator, DEFAULT_UNIVERSE_ID, type BoomiHubSimulatorOptions } from '../../lib/local/simulators/boomi-hub';

const UNIVERSE = DEFAULT_UNIVERSE_ID;
const BASIC = `Basic ${Buffer.from('boomi-user:boomi-token').toString('base64')}`;
const UNAUTHORIZED_PAGE =
  '<body><h2>HTTP ERROR 401</h2><p>Problem accessing /mdm/universes. Reason:\n<pre>Invalid credentials.</pre>\n</p>\n</body>';

// Entity lists and error messages always parse as arrays, so one-element answers look like many.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  isArray: (_name, jpath) => jpath === 'batch.entities.entity' || jpath === 'error.message',
});

let t = 0;
let sim: BoomiHubSimulator;
let base: string;

async function startSimulator(options: BoomiHubSimulatorOptions = {}): Promise<void> {
  await sim?.stop();
  t = 0;
  sim = new BoomiHubSimulator({ clock: () => t, ...options });
  base = await sim.start();
}

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
}

async function call(method: string, path: string, options: { body?: string; authorization?: string | null } = {}): Promise<Answer> {
  const authorization = options.authorization === undefined ? BASIC : options.authorization;
  const headers: Record<string, string> = { 'content-type': 'application/xml' };
  if (authorization !== null) headers.authorization = authorization;
  const response = await fetch(`${base}${path}`, { method, headers, body: options.body });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

/** `count` contacts with ids 1..count, contributed by source SF. */
function contacts(count: number, source = 'SF'): string {
  const entities = Array.from({ length: count }, (_, i) => `<contact><id>${i + 1}</id><name>Person ${i + 1}</name><age>4${i}</age></contact>`);
  return `<batch src="${source}">${entities.join('')}</batch>`;
}

async function postBatch(body: string, universe = UNIVERSE): Promise<string> {
  const answer = await call('POST', `/mdm/universes/${universe}/records`, { body });
  expect(answer.status).toBe(202);
  return answer.text.split('/').pop()!;
}

/** The parsed `<batch>` of a status request. */
async function batchStatus(batchId: string, includeEntities = true): Promise<Record<string, any>> {
  const answer = await call('GET', `/mdm/universes/${UNIVERSE}/records/updates/${batchId}?includeEntities=${includeEntities}`);
  expect(answer.status).toBe(200);
  expect(answer.contentType).toBe('application/xml');
  return parser.parse(answer.text).batch;
}

function errorMessages(answer: Answer): string[] {
  return parser.parse(answer.text).error.message;
}

beforeEach(() => startSimulator());
afterEach(() => sim.stop());

describe('authentication', () => {
  it('answers 401 with the HTML page for missing or wrong credentials', async () => {
    const wrongBasic = `Basic ${Buffer.from('boomi-user:wrong').toString('base64')}`;
    for (const authorization of [null, wrongBasic, 'Bearer wrong-jwt']) {
      const answer = await call('POST', `/mdm/universes/${UNIVERSE}/records?repositoryId=repo-1`, { body: contacts(1), authorization });
      expect(answer.status).toBe(401);
      expect(answer.contentType).toBe('text/html');
      expect(answer.text).toBe(UNAUTHORIZED_PAGE);
    }
    expect(sim.batches).toHaveLength(0);
  });

  it('accepts configured Basic credentials', async () => {
    await startSimulator({ username: 'alice', password: 'secret' });
    const alice = `Basic ${Buffer.from('alice:secret').toString('base64')}`;
    expect((await call('POST', `/mdm/universes/${UNIVERSE}/records`, { body: contacts(1), authorization: alice })).status).toBe(202);
    expect((await call('POST', `/mdm/universes/${UNIVERSE}/records`, { body: contacts(1) })).status).toBe(401);
  });

  it('requires the right repositoryId with a JWT', async () => {
    const jwt = 'Bearer boomi-jwt';
    const ok = await call('POST', `/mdm/universes/${UNIVERSE}/records?repositoryId=repo-1`, { body: contacts(1), authorization: jwt });
    expect(ok.status).toBe(202);
    const status = await call('GET', `/mdm/universes/${UNIVERSE}/records/updates/42?repositoryId=repo-1`, { authorization: jwt });
    expect(status.status).toBe(200);

    for (const query of ['', '?repositoryId=', '?repositoryId=REPO-1']) {
      const answer = await call('GET', `/mdm/universes/${UNIVERSE}/records/updates/42${query}`, { authorization: jwt });
      expect(answer.status, query).toBe(400);
      expect(answer.text).toMatch(/^<error>\s*<message>[^<]+<\/message>\s*<\/error>$/);
    }
    // Basic auth does not need it.
    expect((await call('GET', `/mdm/universes/${UNIVERSE}/records/updates/42`)).status).toBe(200);
  });

  it('answers 403 with the seed body when forbidden', async () => {
    await startSimulator({ forbidden: true, jwt: 'other-jwt', repositoryId: 'repo-9' });
    const answer = await call('GET', `/mdm/universes/${UNIVERSE}/records/updates/42?repositoryId=repo-9`, { authorization: 'Bearer other-jwt' });
    expect(answer.status).toBe(403);
    expect(answer.text).toBe('<error><message>You do not have permissions to access this resource.</message></error>');
    expect((await call('POST', `/mdm/universes/${UNIVERSE}/records`, { body: contacts(1) })).status).toBe(403);
  });
});

describe('universes', () => {
  it('answers 404 with both messages for an unknown universe', async () => {
    const unknown = '0b9b4d2e-0000-4000-8000-000000000000';
    for (const [method, path] of [
      ['POST', `/mdm/universes/${unknown}/records`],
      ['GET', `/mdm/universes/${unknown}/records/updates/42`],
    ]) {
      const answer = await call(method, path, { body: method === 'POST' ? contacts(1) : undefined });
      expect(answer.status).toBe(404);
      expect(errorMessages(answer)).toEqual([
        `A universe with id '${unknown}' does not exist.`,
        `Universe definition with id '${unknown}' could not be loaded from plugin component directory 'plugins/mdm/bundles/${unknown}'.`,
      ]);
    }
  });

  it('answers 400 for a blank universe id', async () => {
    const answer = await call('GET', '/mdm/universes/%20%20/records/updates/42');
    expect(answer.status).toBe(400);
    expect(errorMessages(answer)).toEqual(['The given universe id is blank.']);
  });

  it('accepts exactly the universes it is told about, each with its own batches, and says which', async () => {
    await startSimulator({ universes: [UNIVERSE, 'second-universe'] });
    expect(sim.acceptedUniverses).toEqual([UNIVERSE, 'second-universe']);
    expect(sim.bannerLines()).toEqual([`universe ids:  ${UNIVERSE}, second-universe (any other answers 404)`]);
    const id = await postBatch(contacts(2), 'second-universe');
    expect(id).toBe('42');
    expect((await call('GET', '/mdm/universes/second-universe/records/updates/42')).status).toBe(200);
    const elsewhere = await call('GET', `/mdm/universes/${UNIVERSE}/records/updates/42`);
    expect(elsewhere.status).toBe(404);
    expect(errorMessages(elsewhere)).toEqual(["A batch with id '42' does not exist."]);

    // Told about other universes only, the demo's default is unknown like any other id.
    await startSimulator({ universes: ['only-this-one'] });
    expect((await call('POST', `/mdm/universes/${UNIVERSE}/records`, { body: contacts(1) })).status).toBe(404);
    expect(await postBatch(contacts(1), 'only-this-one')).toBe('42');
  });
});

describe('update golden records', () => {
  it('answers 202 with the batch URL as text/plain, ids counting up from 42', async () => {
    const first = await call('POST', `/mdm/universes/${UNIVERSE}/records`, { body: contacts(3) });
    expect(first.status).toBe(202);
    expect(first.contentType).toBe('text/plain');
    expect(first.text).toBe(`${base}/mdm/universes/${UNIVERSE}/records/updates/42`);
    expect(await postBatch(contacts(1))).toBe('43');

    expect(sim.batches.map((batch) => [batch.batchId, batch.source, batch.entities.length])).toEqual([
      ['42', 'SF', 3],
      ['43', 'SF', 1],
    ]);
    expect(sim.batches[0].entities.map((entity) => [entity.type, entity.sourceEntityId])).toEqual([
      ['contact', '1'],
      ['contact', '2'],
      ['contact', '3'],
    ]);
  });

  it('accepts an XML declaration and mixed entity types', async () => {
    await postBatch(
      '<?xml version="1.0" encoding="UTF-8"?>\n<batch src="ERP">\n  <account><id>a-1</id></account>\n  <contact><id>c-1</id></contact>\n</batch>',
    );
    expect(sim.batches[0].source).toBe('ERP');
    expect(sim.batches[0].entities.map((entity) => entity.type)).toEqual(['account', 'contact']);
  });

  it('answers 400 with an <error> for malformed XML, a missing source or another root', async () => {
    for (const body of ['<batch src="SF"><contact><id>1</id></batch>', '<batch><contact><id>1</id></contact></batch>', '<records src="SF"/>', '']) {
      const answer = await call('POST', `/mdm/universes/${UNIVERSE}/records`, { body });
      expect(answer.status, body).toBe(400);
      expect(answer.contentType).toBe('application/xml');
      expect(errorMessages(answer)).toHaveLength(1);
    }
    expect(sim.batches).toHaveLength(0);
  });
});

describe('batch status', () => {
  it('walks through every state, with counts at 0 until final', async () => {
    t = Date.UTC(2016, 9, 31, 15, 12, 21);
    const created = t;
    const id = await postBatch(contacts(3));
    const seen: Array<[string, string, string]> = [];
    for (let step = 0; step <= 6; step++) {
      t = created + step * 250;
      const batch = await batchStatus(id, false);
      seen.push([batch.state, batch.entityCount, batch.createdCount]);
    }
    expect(seen).toEqual([
      ['CREATED', '0', '0'],
      ['PARSING', '0', '0'],
      ['PARSED', '3', '0'],
      ['ENRICHING', '3', '0'],
      ['ENRICHED', '3', '0'],
      ['PROCESSING', '3', '0'],
      ['COMPLETED', '3', '3'],
    ]);
  });

  it('renders the seed shape for a completed batch', async () => {
    t = Date.UTC(2016, 9, 31, 15, 12, 21);
    const id = await postBatch(contacts(2));
    t += 1_500;
    const answer = await call('GET', `/mdm/universes/${UNIVERSE}/records/updates/${id}`);
    const batch = parser.parse(answer.text).batch;
    // Element order matters to strict consumers: check it on the raw text.
    const order = [...answer.text.matchAll(/^ {2}<(\w+)/gm)].map((match) => match[1]);
    expect(order).toEqual([
      'batchId', 'source', 'createdByType', 'state', 'createdAt', 'updatedAt', 'parseStart', 'parseEnd', 'enrichStart', 'enrichEnd',
      'incorporateStart', 'incorporateEnd', 'endedAt', 'entityCount', 'quarantinedCount', 'createdCount', 'deletedCount', 'updatedCount',
    ]);
    expect(batch).toEqual({
      batchId: '42',
      source: 'SF',
      createdByType: 'API',
      state: 'COMPLETED',
      createdAt: '2016-10-31T15:12:21Z',
      updatedAt: '2016-10-31T15:12:22Z',
      parseStart: '2016-10-31T15:12:21Z',
      parseEnd: '2016-10-31T15:12:21Z',
      enrichStart: '2016-10-31T15:12:21Z',
      enrichEnd: '2016-10-31T15:12:22Z',
      incorporateStart: '2016-10-31T15:12:22Z',
      incorporateEnd: '2016-10-31T15:12:22Z',
      endedAt: '2016-10-31T15:12:22Z',
      entityCount: '2',
      quarantinedCount: '0',
      createdCount: '2',
      deletedCount: '0',
      updatedCount: '0',
    });
  });

  it('lists entities with includeEntities=true, their state following the batch', async () => {
    const id = await postBatch(contacts(2));
    expect((await batchStatus(id)).entities).toBe('');
    t = 1_000; // ENRICHED
    expect((await batchStatus(id)).entities.entity.map((entity: { state: string }) => entity.state)).toEqual(['ENRICHED', 'ENRICHED']);
    t = 1_500;
    const entities = (await batchStatus(id)).entities.entity;
    expect(entities).toHaveLength(2);
    expect(entities[0]).toEqual({
      '@id': '9533',
      createdAt: expect.stringMatching(/^1970-01-01T00:00:00Z$/),
      updatedAt: '1970-01-01T00:00:01Z',
      state: 'COMPLETED',
      stateDetail: 'CREATED',
      sourceEntityId: '1',
      recordId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      transactionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(entities[1]['@id']).toBe('9534');
    expect(entities[1].sourceEntityId).toBe('2');
  });

  it('quarantines the requested number of entities, each message naming the entity sent', async () => {
    sim.quarantineNext(2);
    const id = await postBatch(contacts(5));
    t = 1_499;
    const processing = await batchStatus(id);
    expect([processing.state, processing.quarantinedCount, processing.createdCount]).toEqual(['PROCESSING', '0', '0']);
    t = 1_500;
    const batch = await batchStatus(id);
    expect(batch).toMatchObject({ state: 'COMPLETED_ERRORS', entityCount: '5', quarantinedCount: '2', createdCount: '3' });
    const entities: Array<Record<string, string>> = batch.entities.entity;
    expect(entities.map((entity) => entity.state)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'QUARANTINED', 'QUARANTINED']);
    const quarantined = entities[3];
    expect(quarantined).toMatchObject({ stateDetail: 'REQUIRES_APPROVAL', message: "New contact entity '4' from source SF requires approval.", sourceEntityId: '4' });
    expect(entities[4]).toMatchObject({ message: "New contact entity '5' from source SF requires approval.", sourceEntityId: '5' });
    expect(quarantined).not.toHaveProperty('recordId');
    expect(entities[0]).not.toHaveProperty('message');

    // The knob applies to one batch only.
    const next = await postBatch(contacts(1));
    t = 3_000;
    expect((await batchStatus(next, false)).state).toBe('COMPLETED');
  });

  it('uses custom quarantine details, escaping them in the XML', async () => {
    sim.quarantineNext(2, [
      { stateDetail: 'REQUIRED_FIELD', message: 'The field <Email> & <Phone> are required.' },
      { stateDetail: 'POSSIBLE_DUPLICATE', message: 'Matches golden record 123.' },
    ]);
    const id = await postBatch(contacts(2));
    t = 1_500;
    const entities: Array<Record<string, string>> = (await batchStatus(id)).entities.entity;
    expect(entities.map((entity) => [entity.stateDetail, entity.message])).toEqual([
      ['REQUIRED_FIELD', 'The field <Email> & <Phone> are required.'],
      ['POSSIBLE_DUPLICATE', 'Matches golden record 123.'],
    ]);
    expect((await batchStatus(id, false)).createdCount).toBe('0');
  });

  it('ends ERRORED with every entity ERRORED after errorNext', async () => {
    sim.errorNext();
    const id = await postBatch(contacts(3));
    t = 1_500;
    const batch = await batchStatus(id);
    expect(batch).toMatchObject({ state: 'ERRORED', entityCount: '3', quarantinedCount: '0', createdCount: '0' });
    expect(batch).not.toHaveProperty('incorporateEnd');
    expect(batch.endedAt).toBe('1970-01-01T00:00:01Z');
    expect(batch.entities.entity.map((entity: { state: string }) => entity.state)).toEqual(['ERRORED', 'ERRORED', 'ERRORED']);
    expect(batch.entities.entity[0]).not.toHaveProperty('stateDetail');
  });

  it('stays PROCESSING forever after neverFinishNext', async () => {
    sim.neverFinishNext();
    const id = await postBatch(contacts(1));
    t = 10_000_000;
    const batch = await batchStatus(id);
    expect(batch.state).toBe('PROCESSING');
    expect(batch).not.toHaveProperty('endedAt');
    expect(batch.createdCount).toBe('0');
    expect(sim.stateOf(sim.batches[0])).toBe('PROCESSING');
  });

  it('omits entities unless includeEntities=true', async () => {
    const id = await postBatch(contacts(1));
    t = 1_500;
    expect(await batchStatus(id, false)).not.toHaveProperty('entities');
    const plain = await call('GET', `/mdm/universes/${UNIVERSE}/records/updates/${id}`);
    expect(parser.parse(plain.text).batch).not.toHaveProperty('entities');
  });

  it('answers 404 for an unknown batch', async () => {
    const answer = await call('GET', `/mdm/universes/${UNIVERSE}/records/updates/46?includeEntities=true`);
    expect(answer.status).toBe(404);
    expect(answer.text).toBe("<error>\n  <message>A batch with id '46' does not exist.</message>\n</error>");
  });

  it('honours batchDurationMs and exposes its state on /__simulator/state', async () => {
    await startSimulator({ batchDurationMs: 60 });
    sim.quarantineNext(1);
    await postBatch(contacts(2));
    t = 59;
    expect(sim.stateOf(sim.batches[0])).toBe('PROCESSING');
    t = 60;
    const state = (await (await fetch(`${base}/__simulator/state`)).json()) as { system: string; batches: unknown[] };
    expect(state.system).toBe('boomi-hub');
    expect(state.batches).toEqual([
      {
        batchId: '42',
        universeId: UNIVERSE,
        source: 'SF',
        state: 'COMPLETED_ERRORS',
        entityCount: 2,
        quarantinedCount: 1,
        createdCount: 1,
        deletedCount: 0,
        updatedCount: 0,
      },
    ]);
  });
});
