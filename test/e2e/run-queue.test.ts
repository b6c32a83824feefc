/**
 * `onOverlap: queue`: runs that start while an earlier run of the same pipeline is in progress
 * wait for it and then go one at a time, in the order they started; a run that waits longer than
 * maxQueueMinutes fails with RunQueueTimedOut and its input (the file it carries) in the cause.
 * Ordering is asserted from the history events, never from how long anything took.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { RUN_QUEUE_TIMED_OUT } from '../../lib/constructs/overlap-guard';
import { HARNESSES } from '../../lib/local/faults/systems';
import type { RunReport } from '../../lib/local/runner';
import type { LocalSession } from '../../lib/local/session';
import type { HttpSimulator } from '../../lib/local/simulators/http-simulator';
import { openSession, statesEntered, testConfig, until } from '../support/local-run';

const PIPELINE = 'tamr-mastering-demo';
const CREDENTIAL = 'queue-credential';
const harness = HARNESSES['tamr-mastering'];

function queuedConfig(maxQueueMinutes: number) {
  const file = parse(readFileSync('pipelines.yaml', 'utf8')) as { pipelines: Array<Record<string, unknown>> };
  const pipeline = file.pipelines.find((p) => p.name === PIPELINE)!;
  Object.assign(pipeline, { onOverlap: 'queue', maxQueueMinutes });
  return testConfig(stringify({ ...file, pipelines: [pipeline] }));
}

const startedAt = (run: RunReport) => run.history.find((e) => e.type === 'StateEntered' && e.state?.name === 'Start run')!.timestamp;
const endedAt = (run: RunReport) => run.history.at(-1)!.timestamp;

describe('a queued pipeline', { timeout: 180_000 }, () => {
  let session: LocalSession;
  const simulators: HttpSimulator[] = [];
  // 24 hours: the queued runs below look every 200 ms of real time (their waits shortened), so
  // they could only time out after 2,880 looks (over 9 minutes), far beyond the earlier run's seconds.
  const config = queuedConfig(24 * 60);

  beforeAll(async () => {
    session = await openSession(config, { [config.pipelines[0].secretName]: harness.secret(config.pipelines[0], CREDENTIAL) });
  }, 180_000);
  afterAll(async () => {
    await session?.close();
    await Promise.all(simulators.map((sim) => sim.stop()));
  });

  async function simulator(): Promise<{ sim: HttpSimulator; baseUrl: string }> {
    const sim = harness.simulator({ credential: CREDENTIAL, pipeline: config.pipelines[0], jobMs: 100 });
    simulators.push(sim);
    return { sim, baseUrl: harness.baseUrl(await sim.start()) };
  }

  it('runs the runs that arrive during a run after it, one at a time, in arrival order', async () => {
    const { sim, baseUrl } = await simulator();
    const options = (file: string, waitMs = 200) => ({ waitMs, retryMs: 10, baseUrl, input: { ...harness.input, file } });
    const a = session.start(PIPELINE, options('a.jsonl', 20));
    await until(() => harness.isPolling(sim), 60_000);
    const b = session.start(PIPELINE, options('b.jsonl'));
    const c = session.start(PIPELINE, options('c.jsonl'));
    const runs = await Promise.all([a.done, b.done, c.done]);

    expect(runs.map((r) => r.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(runs.map((r) => r.skipped)).toEqual([false, false, false]);
    // B started its steps only after A ended, and C only after B: never two at once, in order.
    expect(startedAt(runs[1])).toBeGreaterThanOrEqual(endedAt(runs[0]));
    expect(startedAt(runs[2])).toBeGreaterThanOrEqual(endedAt(runs[1]));
    expect(statesEntered(runs[0])).not.toContain('Wait for the earlier run');
    for (const queued of runs.slice(1)) expect(statesEntered(queued)).toContain('Wait for the earlier run');
    // Each run did every step of the pipeline itself.
    for (const run of runs) expect(run.steps.map((s) => s.finalState).every((state) => state === 'SUCCEEDED' || state === 'SKIPPED')).toBe(true);
  });

  it('fails a run that waits longer than maxQueueMinutes, naming the file it carries', async () => {
    const short = await openSession(queuedConfig(2), { [config.pipelines[0].secretName]: harness.secret(config.pipelines[0], CREDENTIAL) });
    const { sim, baseUrl } = await simulator();
    harness.neverFinish(sim);
    const a = short.start(PIPELINE, { waitMs: 20, retryMs: 10, baseUrl, input: { ...harness.input, file: 'first.jsonl' } });
    await until(() => harness.isPolling(sim), 60_000);
    const b = await short.run(PIPELINE, { waitMs: 5, retryMs: 10, baseUrl, input: { ...harness.input, records: 's3://acme-landing/tamr/records/late.jsonl' } });
    a.abort();
    await a.done;
    await short.close();

    expect(b.status).toBe('FAILED');
    expect(b.error).toBe(RUN_QUEUE_TIMED_OUT);
    expect(b.cause).toContain('waited 2 minutes behind an earlier run of pipeline tamr-mastering-demo');
    expect(b.cause).toContain('s3://acme-landing/tamr/records/late.jsonl');
    // 2 minutes at a look every 30 s: 4 looks, then the failure; no handler ran.
    expect(statesEntered(b).filter((s) => s === 'Wait for the earlier run')).toHaveLength(4);
    expect(b.lambdaInvocations).toBe(0);
  });
});
