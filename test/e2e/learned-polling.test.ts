/**
 * Learned polling end to end: a Tamr Mastering pipeline whose refresh takes 10 minutes of virtual
 * time (lib/local/virtual-clock.ts), run again and again in one session, so every run reads and
 * writes the same local DynamoDB (dynalite) step-durations table through the state machine's own
 * GetItem/PutItem tasks. Nothing is mocked: real state machine, handlers and simulator.
 */
import { DeleteTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { localDynamoDbClient } from '../../lib/local/dynamodb';
import type { RunReport } from '../../lib/local/runner';
import type { LocalSession } from '../../lib/local/session';
import { TamrMasteringSimulator } from '../../lib/local/simulators/tamr-mastering';
import { VirtualClock } from '../../lib/local/virtual-clock';
import { openSession, statesEntered, testConfig } from '../support/local-run';

const SECRETS = { 'continuum/tamr': { username: 'admin', password: 'dt' } };
const REFRESH_MS = 600_000;
const PIPELINE = 'nightly-refresh';
const KEY = `${PIPELINE}/refreshUnifiedDataset`;
const CONFIG = `pipelines:
  - name: ${PIPELINE}
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr
    steps:
      - kind: refreshUnifiedDataset
        project: "1"
`;

let session: LocalSession | undefined;
let sim: TamrMasteringSimulator | undefined;
afterEach(async () => {
  await session?.close();
  await sim?.stop();
  session = sim = undefined;
});

interface Measured {
  readonly report: RunReport;
  readonly checks: number;
  /** Virtual seconds from the refresh ending to the next state after its last check. */
  readonly latencySeconds: number;
}

async function setUp(): Promise<{ run: () => Promise<Measured>; endpoint: string; tableName: string }> {
  const clock = new VirtualClock();
  sim = new TamrMasteringSimulator({ operationDurationMs: REFRESH_MS, clock: clock.now });
  const baseUrl = await sim.start();
  session = await openSession(testConfig(CONFIG), SECRETS);
  const pipeline = session.pipeline(PIPELINE);
  const run = async (): Promise<Measured> => {
    const before = sim!.requests.length;
    let doneAt: number | undefined;
    const report = await session!.run(PIPELINE, {
      baseUrl,
      waitMs: 0,
      retryMs: 0,
      onEvent: clock.advanceOnWaits(pipeline, (event) => {
        if (event.type === 'StateEntered' && event.state?.name === 'Unified dataset done') doneAt = clock.now();
      }),
    });
    const requests = sim!.requests.slice(before);
    const submit = requests.find((r) => r.method === 'POST')!;
    return { report, checks: requests.filter((r) => r.method === 'GET').length, latencySeconds: (doneAt! - (submit.at + REFRESH_MS)) / 1000 };
  };
  return { run, endpoint: session.dynamoDbEndpoint!, tableName: session.app.durationTables[0].tableName };
}

const storedDurations = async (endpoint: string, tableName: string): Promise<number[] | undefined> => {
  const { Item } = await localDynamoDbClient(endpoint).send(new GetItemCommand({ TableName: tableName, Key: { step: { S: KEY } } }));
  return Item?.durations?.S ? (JSON.parse(Item.durations.S) as number[]) : undefined;
};

describe('learned polling, five nightly runs of a 10-minute refresh', () => {
  it('checks a third as often by the fifth run, and sees the end no later', async () => {
    const { run, endpoint, tableName } = await setUp();
    const runs: Measured[] = [];
    for (let i = 0; i < 5; i++) runs.push(await run());

    for (const { report } of runs) expect(report.status).toBe('SUCCEEDED');
    const [first, , , , fifth] = runs;
    expect(fifth.checks).toBeLessThanOrEqual(first.checks / 3);
    expect(fifth.latencySeconds).toBeLessThanOrEqual(first.latencySeconds);
    expect(first.checks).toBeGreaterThan(10); // adaptive from 5 s: the no-history schedule
    // Tamr's own clock measured each run: 600 s, not the waited seconds with their latency.
    expect(await storedDurations(endpoint, tableName)).toEqual([600, 600, 600, 600, 600]);
    // The state machine read and wrote the item; the handlers made one API call each.
    expect(statesEntered(fifth.report)).toEqual(expect.arrayContaining(['Read unified dataset durations', 'Record unified dataset durations']));
    expect(fifth.report.lambdaInvocations).toBe(1 + fifth.checks);
  });

  it('polls as without history when the item is missing or corrupted, and rewrites it', async () => {
    const { run, endpoint, tableName } = await setUp();
    const fresh = await run();
    for (const corrupt of ['not json', '[1, "a"]', '{"durations": 600}']) {
      await localDynamoDbClient(endpoint).send(new PutItemCommand({ TableName: tableName, Item: { step: { S: KEY }, durations: { S: corrupt } } }));
      const report = await run();
      expect(report.report.status).toBe('SUCCEEDED');
      expect(report.checks).toBe(fresh.checks);
      expect(report.latencySeconds).toBe(fresh.latencySeconds);
      expect(await storedDurations(endpoint, tableName)).toEqual([600]);
    }
    // Another attribute type: no history either.
    await localDynamoDbClient(endpoint).send(new PutItemCommand({ TableName: tableName, Item: { step: { S: KEY }, durations: { N: '600' } } }));
    expect((await run()).checks).toBe(fresh.checks);
  });

  it('polls as without history when DynamoDB fails, and the run still succeeds', async () => {
    const { run, endpoint, tableName } = await setUp();
    const fresh = await run();
    // The table is gone: the read and the write fail (ResourceNotFoundException), both caught.
    await localDynamoDbClient(endpoint).send(new DeleteTableCommand({ TableName: tableName }));
    const { report, checks } = await run();
    expect(report.status).toBe('SUCCEEDED');
    expect(checks).toBe(fresh.checks);
    expect(statesEntered(report)).toContain('Keep unified dataset durations');
    const read = report.history.find((e) => e.type === 'StateExited' && e.state?.name === 'Read unified dataset durations');
    expect(JSON.stringify(read?.state?.output)).toContain('ResourceNotFoundException');
  });
});
