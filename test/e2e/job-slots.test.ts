/**
 * Tenant job slots, end to end: several synthesized state machines run at once in
 * aws-local-stepfunctions against one Tamr Mastering simulator (the tenant), their slot tasks
 * making the real DynamoDB calls of the ASL against dynalite (started by LocalSession). Nothing
 * is mocked. After every test the pool holds zero slots.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../lib/config/load';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalDynamoDb } from '../../lib/local/dynamodb';
import { startLocalExecution, type RunningExecution } from '../../lib/local/runner';
import { LocalSession } from '../../lib/local/session';
import { TamrMasteringSimulator } from '../../lib/local/simulators/tamr-mastering';
import { HeldClock } from '../support/held-clock';
import { FAST, openSession, statesEntered, testConfig, until } from '../support/local-run';

const SECRETS = { 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } };
const POOL = 'tenant';
const WAITING = 'Waiting for a tenant job slot for ';

let sim: TamrMasteringSimulator;
let session: LocalSession | undefined;
let baseUrl: string;
/** Runs started in the background; a failed test may leave some running. */
let started: RunningExecution[] = [];

/**
 * Several executions at once, each machine's first handler imports and dynalite share a 2-core
 * machine with the rest of the suite: minutes, not seconds, when it is loaded.
 */
const SLOW = { timeout: 300_000 };

afterEach(async () => {
  // Whatever happened, no slot stays held: every run ends (a leftover is aborted, and the
  // cleanup releases what it held) and the pool is back to zero.
  for (const run of started) run.abort();
  await Promise.all(started.map((run) => run.done));
  started = [];
  if (session?.app.slotTable) {
    const pool = await session.slotPool(POOL);
    expect(pool.holders).toEqual({});
    expect(pool.count).toBe(0);
  }
  await session?.close();
  session = undefined;
  await sim?.stop();
});

/** A Tamr Mastering pipeline of the tenant; `steps` are step kinds on project 1. */
function pipelineYaml(name: string, options: { pooled?: boolean; steps?: string[]; extra?: string } = {}): string {
  const steps = (options.steps ?? ['refreshUnifiedDataset', 'refreshRecordPairs']).map((kind) => `      - kind: ${kind}\n        project: "1"`).join('\n');
  return `
  - name: ${name}
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr-mastering
${options.pooled === false ? '' : `    slotPool: ${POOL}\n`}${options.extra ?? ''}    steps:
${steps}`;
}

function poolConfig(pool: string, pipelines: string[]): LoadedConfig {
  return testConfig(`slotPools:\n  - { name: ${POOL}, ${pool} }\npipelines:${pipelines.join('')}\n`);
}

async function start(config: LoadedConfig, clock?: () => number): Promise<void> {
  sim = new TamrMasteringSimulator({ operationDurationMs: 150, ...(clock ? { clock } : {}) });
  baseUrl = await sim.start();
  session = await openSession(config, SECRETS);
}

/** Starts a run, recording which states it entered as they happen. */
function launch(name: string, entered: Map<string, string[]> = new Map(), waitMs: number = FAST.waitMs): RunningExecution {
  entered.set(name, []);
  const run = session!.start(name, { ...FAST, waitMs, baseUrl, onEvent: (event) => event.type === 'StateEntered' && entered.get(name)!.push(event.state!.name) });
  started.push(run);
  return run;
}

/**
 * While the simulator clock stands still (HeldClock), jobs poll every few milliseconds: a budget
 * of a day of polls and slot waits keeps a slow machine from running out of either first.
 */
const PATIENT = '    polling: { initialIntervalSeconds: 60, maxIntervalSeconds: 60, backoffRate: 1, timeoutMinutes: 1440 }\n';
const PATIENT_POOL = 'limit: 2, waitSeconds: 60, maxWaitMinutes: 1440';

/**
 * Most operations the tenant ran at the same time, from the simulator's own operation times
 * (half-open [created, ended)); an unfinished operation runs forever.
 */
function peakConcurrentOperations(): number {
  const edges = sim.operations.flatMap(({ operation }) => [
    { at: Date.parse(operation.created.time), delta: 1 },
    { at: operation.status.endTime ? Date.parse(operation.status.endTime) : Infinity, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let peak = 0;
  for (const edge of edges) peak = Math.max(peak, (running += edge.delta));
  return peak;
}

describe('tenant job slots shared by several pipelines', SLOW, () => {
  it('three pipelines in a pool of 2: never more than 2 jobs at the tenant, the third waits for a slot, all succeed', async () => {
    const clock = new HeldClock();
    await start(poolConfig(PATIENT_POOL, ['tm-a', 'tm-b', 'tm-c'].map((name) => pipelineYaml(name, { extra: PATIENT }))), clock.now);
    const entered = new Map<string, string[]>();
    const runs = ['tm-a', 'tm-b', 'tm-c'].map((name) => launch(name, entered, 100));

    // Two runs hold the pool's slots and submitted their jobs, and the third is in the wait loop,
    // before the tenant's clock moves on.
    await until(() => sim.operations.length === 2 && [...entered.values()].some((states) => states.some((s) => s.startsWith(WAITING))), 180_000);
    expect(await session!.slotPool(POOL)).toMatchObject({ count: 2, limit: 2 });
    clock.release();
    const reports = await Promise.all(runs.map((run) => run.done));

    expect(reports.map((r) => [r.pipeline, r.status])).toEqual([
      ['tm-a', 'SUCCEEDED'],
      ['tm-b', 'SUCCEEDED'],
      ['tm-c', 'SUCCEEDED'],
    ]);
    expect(sim.operations).toHaveLength(6);
    expect(peakConcurrentOperations()).toBe(2);
    // The run that waited got its slot with an ordinary acquire once a slot was released.
    const waited = reports.filter((r) => statesEntered(r).some((s) => s.startsWith(WAITING)));
    expect(waited.length).toBeGreaterThan(0);
    for (const report of waited) {
      const states = statesEntered(report);
      for (const subject of new Set(states.filter((s) => s.startsWith(WAITING)).map((s) => s.slice(WAITING.length)))) {
        const lastWait = states.lastIndexOf(`${WAITING}${subject}`);
        expect(states.slice(lastWait + 1, lastWait + 3)).toEqual([`Acquire tenant job slot for ${subject}`, `Refresh ${subject}`]);
      }
    }
    // Every job released its slot on its way to "done".
    for (const report of reports) {
      expect(statesEntered(report).filter((s) => s.startsWith('Release tenant job slot'))).toEqual([
        'Release tenant job slot (Unified dataset done)',
        'Release tenant job slot (Record pairs done)',
      ]);
    }
  });

  it('without the pool the same three pipelines put 3 jobs on the tenant at once (the control)', async () => {
    const clock = new HeldClock();
    await start(testConfig(`pipelines:${['tm-a', 'tm-b', 'tm-c'].map((name) => pipelineYaml(name, { pooled: false, extra: PATIENT })).join('')}\n`), clock.now);
    const runs = ['tm-a', 'tm-b', 'tm-c'].map((name) => launch(name));
    await until(() => sim.operations.length === 3, 180_000);
    clock.release();
    const reports = await Promise.all(runs.map((run) => run.done));

    expect(reports.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(peakConcurrentOperations()).toBe(3);
    expect(session!.app.slotTable).toBeUndefined();
  });

  it('runs the example pipeline in a pool: a synchronous job holds a slot too, a skipped job takes none', async () => {
    const example = testConfig();
    const config = { ...example, slotPools: [{ name: POOL, limit: 1, waitSeconds: 30, maxWaitMinutes: 240 }], pipelines: example.pipelines.map((p) => ({ ...p, slotPool: POOL })) };
    await start(config);
    const report = await session!.run('tamr-mastering-demo', { ...FAST, baseUrl, input: { mlConfigurationChanged: false } });

    expect(report.status).toBe('SUCCEEDED');
    const states = statesEntered(report);
    expect(states).toContain('Acquire tenant job slot for dataset records');
    expect(states).toContain('Release tenant job slot (Dataset records done)');
    expect(states).toContain('Skip update recipe');
    expect(states).not.toContain('Acquire tenant job slot for recipe');
    expect(states.filter((s) => s.startsWith('Acquire tenant job slot'))).toHaveLength(5);
    expect(states.filter((s) => s.startsWith('Release tenant job slot'))).toHaveLength(5);
    // One job at a time (limit 1), one acquire and one release each: 2 transitions per job.
    expect(states.filter((s) => s.startsWith('Check tenant job slot'))).toHaveLength(0);
  });
});

describe('every way a job ends gives its slot back', SLOW, () => {
  it('a remote failure: released before "failed"', async () => {
    await start(poolConfig('limit: 2', [pipelineYaml('tm-a', { steps: ['refreshUnifiedDataset', 'refreshRecordClusters'] })]));
    sim.failNext('Spark job aborted', 'recordClusters');
    const report = await session!.run('tm-a', { ...FAST, baseUrl });

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('TamrOperationFailed');
    expect(statesEntered(report).slice(-2)).toEqual(['Release tenant job slot (Record clusters failed)', 'Record clusters failed']);
    expect(report.cleanup.releasedSlots).toEqual([]);
  });

  it('a failed request: released before "request failed", the error kept', async () => {
    await start(poolConfig('limit: 2', [pipelineYaml('tm-a')]));
    sim.injectFault({ fault: { kind: 'status', status: 403, body: '{"message":"forbidden"}' }, method: 'POST', path: 'recordPairs' });
    const report = await session!.run('tm-a', { ...FAST, baseUrl });

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('AuthFailed');
    expect(statesEntered(report).slice(-2)).toEqual(['Release tenant job slot (Record pairs request failed)', 'Record pairs request failed']);
  });

  it('a job timeout: released before "timed out"', async () => {
    const extra = '    polling: { initialIntervalSeconds: 15, maxIntervalSeconds: 60, backoffRate: 2, timeoutMinutes: 2 }\n';
    await start(poolConfig('limit: 2', [pipelineYaml('tm-a', { extra })]));
    sim.neverFinishNext('unifiedDataset');
    const report = await session!.run('tm-a', { ...FAST, baseUrl });

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('JobTimedOut');
    expect(statesEntered(report).slice(-2)).toEqual(['Release tenant job slot (Unified dataset timed out)', 'Unified dataset timed out']);
  });

  it('an abort: the slot stays held (no state runs), and the cleanup releases it', async () => {
    await start(poolConfig('limit: 2', [pipelineYaml('tm-a')]));
    sim.neverFinishNext('unifiedDataset');
    const run = launch('tm-a');
    await until(() => sim.requestsTo('GET', '/operations/').length > 0, 180_000);
    const holder = `${run.executionArn}#refreshUnifiedDataset`;
    expect(await session!.slotPool(POOL)).toMatchObject({ count: 1, holders: { [holder]: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } });

    run.abort();
    const report = await run.done;
    expect(report.status).toBe('ABORTED');
    expect(statesEntered(report).some((s) => s.startsWith('Release tenant job slot'))).toBe(false);
    expect(report.cleanup).toMatchObject({ releasedSlots: [holder], slotsNotReleased: [] });
  });

  it('an execution timeout: the cleanup releases the slot', async () => {
    await start(poolConfig('limit: 2', [pipelineYaml('tm-a')]));
    sim.neverFinishNext('unifiedDataset');
    const pipeline = session!.pipeline('tm-a');
    // The deployed timeout is hours: the same definition with a few seconds, and waits long
    // enough that the job's own poll budget is not used up first.
    const run = startLocalExecution({
      waitMs: 1000,
      retryMs: 10,
      baseUrl,
      pipeline: { ...pipeline, definition: { ...pipeline.definition, TimeoutSeconds: 6 } },
      secretsEndpoint: await session!.secrets.start(),
      dynamoDbEndpoint: session!.dynamoDbEndpoint,
      registry: session!.registry,
    });
    const report = await run.done;

    expect(report.status).toBe('TIMED_OUT');
    // The whole cleanup report, so a failure shows why a slot was not released.
    expect(report.cleanup).toMatchObject({ releasedSlots: [`${run.executionArn}#refreshUnifiedDataset`], slotsNotReleased: [] });
  });
});

describe('waiting for a slot', SLOW, () => {
  it('a full pool makes a job wait, and it gives up with SlotWaitTimedOut after maxWaitMinutes', async () => {
    await start(poolConfig('limit: 1, waitSeconds: 30, maxWaitMinutes: 1', [pipelineYaml('tm-a', { steps: ['refreshUnifiedDataset'] }), pipelineYaml('tm-b', { steps: ['refreshRecordPairs'] })]));
    sim.neverFinishNext('unifiedDataset');
    const holder = launch('tm-a');
    await until(() => sim.operations.length === 1, 180_000);

    const report = await session!.run('tm-b', { ...FAST, baseUrl });
    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('SlotWaitTimedOut');
    expect(report.cause).toBe("Refresh record pairs: no slot of pool 'tenant' (limit 1) became free within 1 minutes.");
    // 60 s / 30 s: two waits, then the Fail; the record pairs were never submitted.
    expect(statesEntered(report).filter((s) => s === `${WAITING}record pairs`)).toHaveLength(2);
    expect(statesEntered(report).at(-1)).toBe('No tenant job slot for record pairs');
    expect(report.steps).toEqual([{ name: 'Refresh record pairs', key: 'refreshRecordPairs', remoteId: null, finalState: 'SLOT_WAIT_TIMED_OUT', polls: 0 }]);
    expect(sim.operations).toHaveLength(1);
    expect(report.cleanup.releasedSlots).toEqual([]);

    holder.abort();
    expect((await holder.done).cleanup.releasedSlots).toHaveLength(1);
  });

  it('an acquire whose write landed but whose answer was lost goes to the check, which finds its own slot: it goes on without taking a second one', async () => {
    // DynamoDB in front of dynalite: once armed, tm-b's first acquire that succeeds is carried
    // out and then answered with a 500, as when the write lands but the answer is lost.
    const dynamo = await LocalDynamoDb.start();
    let armed = false;
    let lost = 0;
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const body = Buffer.concat(chunks);
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding'].includes(name))) as Record<string, string>;
        const answer = await fetch(dynamo.endpoint, { method: req.method, headers, body });
        const text = await answer.text();
        if (armed && answer.status === 200 && body.includes('if_not_exists') && body.includes('#refreshRecordPairs')) {
          armed = false;
          lost += 1;
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'answer lost' }));
          return;
        }
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/x-amz-json-1.0' });
        res.end(text);
      });
    });
    await new Promise<void>((ready) => proxy.listen(0, '127.0.0.1', ready));
    const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      sim = new TamrMasteringSimulator({ operationDurationMs: 150 });
      baseUrl = await sim.start();
      session = await LocalSession.open(poolConfig('limit: 1', [pipelineYaml('tm-a', { steps: ['refreshUnifiedDataset'] }), pipelineYaml('tm-b', { steps: ['refreshRecordPairs'] })]), SECRETS, { dynamoDbEndpoint: endpoint });
      sim.neverFinishNext('unifiedDataset');
      const entered = new Map<string, string[]>();
      const holder = launch('tm-a', entered);
      await until(() => sim!.operations.length === 1, 180_000);
      const waiter = launch('tm-b', entered);
      await until(() => entered.get('tm-b')!.includes(`${WAITING}record pairs`), 180_000);
      // The pool frees up and the next acquire of tm-b writes, but its answer is lost.
      armed = true;
      holder.abort();
      await holder.done;
      const report = await waiter.done;

      expect(lost).toBe(1);
      expect(report.status).toBe('SUCCEEDED');
      // The acquire's failed condition while the pool was full went straight back to waiting
      // (no check); the lost answer went to the check, which found the slot held.
      const check = 'Check tenant job slot for record pairs';
      const states = statesEntered(report);
      expect(states.filter((s) => s === check)).toHaveLength(1);
      expect(states[states.indexOf(check) + 1]).toBe('Refresh record pairs');
      // One slot taken, one given back: the count is back to 0.
      expect(await session.slotPool(POOL)).toMatchObject({ count: 0, holders: {} });
    } finally {
      await session?.close();
      session = undefined;
      await new Promise((closed) => proxy.close(closed));
      await dynamo.stop();
    }
  });
});
