/**
 * The overlap guard, for every pipeline of pipelines.yaml: the schedule fires while a run is in
 * progress, so the new run is skipped — it succeeds at once as SKIPPED, says why, counts itself in
 * the Continuum/RunsSkipped metric, and calls no handler (so no vendor API). The run in progress
 * is untouched; aborting it afterwards stops its remote job where the system has a stop call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERLAP_GUARD_STATE, SKIPPED_STATE } from '../../lib/constructs/overlap-guard';
import { HARNESSES } from '../../lib/local/faults/systems';
import { summaryLines } from '../../lib/local/progress';
import type { LocalSession } from '../../lib/local/session';
import type { HttpSimulator } from '../../lib/local/simulators/http-simulator';
import { FAST, openSession, statesEntered, testConfig, until } from '../support/local-run';

const CONFIG = testConfig();
const CREDENTIAL = 'overlap-credential';

let session: LocalSession;
const simulators: HttpSimulator[] = [];

beforeAll(async () => {
  session = await openSession(CONFIG, Object.fromEntries(CONFIG.pipelines.map((p) => [p.secretName, HARNESSES[p.system].secret(p, CREDENTIAL)])));
}, 180_000);

afterAll(async () => {
  await session?.close();
  await Promise.all(simulators.map((sim) => sim.stop()));
});

describe.each(CONFIG.pipelines.map((p) => [p.name, p] as const))('overlap guard of %s', { timeout: 180_000 }, (name, pipeline) => {
  it('skips a scheduled run while another is in progress, says so, counts it, and calls no API', async () => {
    const harness = HARNESSES[pipeline.system];
    const sim = harness.simulator({ credential: CREDENTIAL, pipeline, jobMs: 150 });
    simulators.push(sim);
    const baseUrl = harness.baseUrl(await sim.start());
    harness.neverFinish(sim);

    // Run A: its job never finishes, so it polls until aborted.
    const first = session.start(name, { waitMs: 50, retryMs: 10, baseUrl, input: harness.input });
    await until(() => harness.isPolling(sim), 60_000);
    const requestsBefore = sim.requests.length;

    // Run B: what EventBridge Scheduler starts, with the schedule's input.
    const scheduled = { ...(pipeline.schedule?.input ?? {}), trigger: 'schedule' };
    const second = await session.run(name, { ...FAST, baseUrl, input: scheduled });

    expect(second.status).toBe('SUCCEEDED');
    expect(second.skipped).toBe(true);
    expect(second.output).toEqual({ status: 'SKIPPED', skipped: true, reason: 'a previous run of this pipeline is still in progress', trigger: scheduled });
    expect(summaryLines(second)[0]).toBe('↷ SKIPPED: a previous run of this pipeline is still in progress');
    expect(second.metrics).toEqual([{ namespace: 'Continuum', name: 'RunsSkipped', dimensions: { Pipeline: name }, value: 1 }]);
    expect(statesEntered(second)).toEqual([OVERLAP_GUARD_STATE, 'Is another run in progress', 'Count skipped run', SKIPPED_STATE]);
    // B ran no handler, so it made no API call; A only kept polling meanwhile (no new submit).
    expect(second.lambdaInvocations).toBe(0);
    expect(second.steps).toEqual([]);
    expect(sim.requests.slice(requestsBefore).filter((r) => r.method !== 'GET')).toEqual([]);

    // A is still running; aborting it stops its remote job where the system can.
    first.abort();
    const aborted = await first.done;
    expect(aborted.status).toBe('ABORTED');
    expect(aborted.skipped).toBe(false);
    expect(aborted.metrics).toEqual([]);
    const stops = harness.stopRequests(sim);
    if (stops === undefined) {
      expect(aborted.cleanup).toEqual({ stopped: [], failed: [] });
    } else {
      expect(aborted.cleanup.failed).toEqual([]);
      expect(aborted.cleanup.stopped.length).toBeGreaterThan(0);
      expect([...stops].sort()).toEqual([...aborted.cleanup.stopped].sort());
    }
    // Neither run is left in the registry the guard reads: the next scheduled run would go ahead.
    expect(session.registry.list(session.pipeline(name).stateMachineArn)).toEqual([]);
  });
});
