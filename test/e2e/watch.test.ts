/**
 * `continuum watch` against the Tamr Mastering simulator: files dropped into the watched folder
 * while a run is in progress each start a run, and the runs go one after another in arrival
 * order, each upserting its own file's records; a file announced twice runs once; a queued run
 * that waits past maxQueueMinutes fails with its file in the cause. Arrivals are fs.watch events
 * (the test waits for the watcher to have seen them, never for a time); ordering is asserted from
 * the history events and the simulator's requests, never from how long anything took.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { RUN_QUEUE_TIMED_OUT } from '../../lib/constructs/overlap-guard';
import { HARNESSES } from '../../lib/local/faults/systems';
import { FolderWatch } from '../../lib/local/folder-watch';
import type { RunReport } from '../../lib/local/runner';
import type { LocalSession } from '../../lib/local/session';
import type { HttpSimulator } from '../../lib/local/simulators/http-simulator';
import type { TamrMasteringSimulator } from '../../lib/local/simulators/tamr-mastering';
import { openSession, statesEntered, testConfig, until } from '../support/local-run';

const PIPELINE = 'tamr-mastering-demo';
const CREDENTIAL = 'watch-credential';
const harness = HARNESSES['tamr-mastering'];

/** The demo pipeline as a triggered one: no records: configured, every run reads the file it names. */
function watchedConfig(maxQueueMinutes: number) {
  const file = parse(readFileSync('pipelines.yaml', 'utf8')) as { pipelines: Array<{ name: string; steps: Array<Record<string, unknown>> }> };
  const pipeline = file.pipelines.find((p) => p.name === PIPELINE)!;
  const steps = pipeline.steps.map((step) => (step.kind === 'updateRecords' ? { ...step, records: undefined } : step));
  const triggered = { ...pipeline, steps, triggers: [{ s3: { bucket: 'acme-landing', prefix: 'tamr/records/', suffix: '.jsonl' } }], maxQueueMinutes };
  return testConfig(stringify({ ...file, pipelines: [triggered] }));
}

/** A records file of `ids`, written under a dot name and moved in, as a landing folder should be fed. */
function drop(dir: string, name: string, ids: readonly string[]): void {
  const temporary = join(dir, `.${name}.tmp`);
  writeFileSync(temporary, ids.map((id) => JSON.stringify({ id, name: `record ${id}` })).join('\n') + '\n');
  renameSync(temporary, join(dir, name));
}

const idsSent = (sim: HttpSimulator) =>
  sim.requestsTo('POST', /:updateRecords$/).map((request) =>
    request.body
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { recordId: string }).recordId),
  );
const startedAt = (run: RunReport) => run.history.find((e) => e.type === 'StateEntered' && e.state?.name === 'Start run')!.timestamp;
const endedAt = (run: RunReport) => run.history.at(-1)!.timestamp;

describe('continuum watch on a landing folder', { timeout: 400_000 }, () => {
  const simulators: HttpSimulator[] = [];
  const dirs: string[] = [];
  const sessions: LocalSession[] = [];

  async function setUp(maxQueueMinutes: number) {
    const config = watchedConfig(maxQueueMinutes);
    const session = await openSession(config, { [config.pipelines[0].secretName]: harness.secret(config.pipelines[0], CREDENTIAL) });
    sessions.push(session);
    const sim = harness.simulator({ credential: CREDENTIAL, pipeline: config.pipelines[0], jobMs: 100 });
    simulators.push(sim);
    const baseUrl = harness.baseUrl(await sim.start());
    const dir = mkdtempSync(join(tmpdir(), 'continuum-watch-'));
    dirs.push(dir);
    return { session, sim, baseUrl, dir };
  }

  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
    await Promise.all(simulators.map((sim) => sim.stop()));
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('runs each file dropped during a run after it, one at a time, in arrival order, each upserting its own records once', async () => {
    // 24 hours: the queued runs look every 200 ms of real time, far beyond the earlier runs' seconds.
    const { session, sim, baseUrl, dir } = await setUp(24 * 60);
    drop(dir, 'a.jsonl', ['a1', 'a2']);
    const watch = new FolderWatch({ session, pipeline: PIPELINE, dir, suffix: '.jsonl', run: { baseUrl, waitMs: 200, retryMs: 10 } });
    await watch.start();
    expect(watch.arrivals.map((a) => a.file)).toEqual([join(dir, 'a.jsonl')]);
    await until(() => harness.isPolling(sim), 60_000);

    drop(dir, 'b.jsonl', ['b1', 'b2', 'b3']);
    drop(dir, 'c.jsonl', ['c1']);
    drop(dir, 'd.jsonl', ['d1', 'd2']);
    writeFileSync(join(dir, 'notes.txt'), 'not a records file\n');
    // fs.watch events: the watcher has seen the three files.
    await until(() => watch.arrivals.length === 4, 60_000);
    // EventBridge may deliver an event twice: the same file announced again starts nothing.
    const again = await watch.announce('b.jsonl');
    watch.stop();
    await watch.settled();

    expect(watch.arrivals.map((a) => a.file.slice(dir.length + 1))).toEqual(['a.jsonl', 'b.jsonl', 'c.jsonl', 'd.jsonl', 'b.jsonl']);
    expect(again).toMatchObject({ duplicate: true, executionName: watch.arrivals[1].executionName });
    expect(again.run).toBeUndefined();
    const started = watch.arrivals.filter((a) => a.run);
    expect(started).toHaveLength(4);
    expect(new Set(started.map((a) => a.executionName)).size).toBe(4);
    for (const a of started) expect(a.executionName).toMatch(/^s3-[a-d]-jsonl-[0-9a-f]{20}$/);

    const runs = await Promise.all(started.map((a) => a.run!.done));
    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    runs.forEach((run, i) => expect(run.executionArn.endsWith(`:${started[i].executionName}`)).toBe(true));
    // Never two at once, in arrival order; the three dropped during a run waited for the one before.
    for (let i = 1; i < runs.length; i++) {
      expect(startedAt(runs[i])).toBeGreaterThanOrEqual(endedAt(runs[i - 1]));
      expect(statesEntered(runs[i])).toContain('Wait for the earlier run');
    }
    expect(statesEntered(runs[0])).not.toContain('Wait for the earlier run');
    // Each run sent its own file's records, and the simulator saw every id once.
    expect(idsSent(sim)).toEqual([['a1', 'a2'], ['b1', 'b2', 'b3'], ['c1'], ['d1', 'd2']]);
    expect((sim as TamrMasteringSimulator).recordCount('1')).toBe(8);
  });

  it('reads the file a run names in its input (run --input), and fails with RecordsNotNamed when a run names none', async () => {
    const { session, sim, baseUrl, dir } = await setUp(24 * 60);
    drop(dir, 'by-hand.jsonl', ['h1', 'h2']);
    const named = await session.run(PIPELINE, { baseUrl, waitMs: 20, retryMs: 10, input: { records: join(dir, 'by-hand.jsonl') } });
    expect(named.status).toBe('SUCCEEDED');
    expect(statesEntered(named)).toContain('Choose records to update dataset records');
    expect(idsSent(sim)).toEqual([['h1', 'h2']]);

    const unnamed = await session.run(PIPELINE, { baseUrl, waitMs: 20, retryMs: 10, input: {} });
    expect(unnamed.status).toBe('FAILED');
    expect(unnamed.error).toBe('RecordsNotNamed');
    expect(unnamed.cause).toContain('{"records": "s3://bucket/key"}');
    expect(statesEntered(unnamed).at(-1)).toBe('No records to update dataset records');
    expect(idsSent(sim)).toHaveLength(1);
  });

  it("fails a queued file's run that waits past maxQueueMinutes, naming the file", async () => {
    const { session, sim, baseUrl, dir } = await setUp(2);
    harness.neverFinish(sim);
    // A run already in progress (e.g. one started by hand), whose job never finishes.
    drop(dir, 'earlier.jsonl', ['e1']);
    const earlier = session.start(PIPELINE, { baseUrl, waitMs: 20, retryMs: 10, input: { records: join(dir, 'earlier.jsonl') } });
    await until(() => harness.isPolling(sim), 60_000);
    const watch = new FolderWatch({ session, pipeline: PIPELINE, dir, suffix: '.jsonl', run: { baseUrl, waitMs: 5, retryMs: 10 }, source: { start: () => undefined, stop: () => undefined } });
    drop(dir, 'late.jsonl', ['l1']);
    const late = await watch.announce('late.jsonl');
    const report = await late.run!.done;
    earlier.abort();
    await earlier.done;

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe(RUN_QUEUE_TIMED_OUT);
    expect(report.cause).toContain('waited 2 minutes behind an earlier run of pipeline tamr-mastering-demo');
    expect(report.cause).toContain(join(dir, 'late.jsonl'));
    // 2 minutes at a look every 30 s: 4 looks, then the failure; no handler ran, no record of it was sent.
    expect(statesEntered(report).filter((s) => s === 'Wait for the earlier run')).toHaveLength(4);
    expect(report.lambdaInvocations).toBe(0);
    expect(idsSent(sim)).toEqual([['e1']]);
  });
});
