/**
 * The seeded chaos runs (lib/local/chaos.ts, #14 item 6): 64 fixed seeds across Tamr Cloud and
 * Crossing Minds pipelines, with and without a slot pool, each with random simulator faults and
 * most with an abort at a random history event. After every run no remote job is left running
 * unasked, no configuration was submitted twice and no tenant job slot is held. A failing seed is
 * named with the command that reproduces it (`npm run chaos -- --seed N`). Job lengths run on a
 * virtual clock, hangs cost a 200 ms HTTP timeout, and each run is bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChaosLab, chaosTable, describePlan, FAULT_KINDS, planRun, type ChaosResult } from '../lib/local/chaos';

const SEEDS = Array.from({ length: 64 }, (_, i) => i + 1);

describe('seeded chaos', { timeout: 120_000 }, () => {
  let lab: ChaosLab;
  const results: ChaosResult[] = [];

  beforeAll(async () => {
    lab = await ChaosLab.open();
  }, 180_000);

  afterAll(async () => {
    await lab?.close();
    if (results.some((r) => r.problems.length > 0)) console.log(chaosTable(results));
  });

  it('draws every fault kind, aborts and pipelines from the seeds (the same seed, the same plan)', () => {
    const plans = SEEDS.map(planRun);
    expect(planRun(7)).toEqual(planRun(7));
    for (const kind of FAULT_KINDS) expect(plans.some((p) => p.faults.some((f) => f.kind === kind)), kind).toBe(true);
    expect(plans.filter((p) => p.abortAtEvent !== undefined).length).toBeGreaterThan(SEEDS.length / 2);
    expect(new Set(plans.map((p) => p.pipeline)).size).toBe(4);
  });

  it.each(SEEDS)('seed %i: no job left running, none submitted twice, no slot held', async (seed) => {
    const result = await lab.run(seed);
    results.push(result);
    const reproduce = `seed ${seed} (${result.plan.pipeline}; ${describePlan(result.plan)}): npm run chaos -- --seed ${seed}`;
    expect(result.status, reproduce).not.toBe('STUCK');
    expect(result.jobsLeftRunning, reproduce).toEqual([]);
    expect(result.duplicateSubmits, reproduce).toEqual([]);
    expect(result.slotsHeld, reproduce).toEqual([]);
  });

  it('ran the faults and aborts it drew', () => {
    expect(results).toHaveLength(SEEDS.length);
    expect(results.filter((r) => r.aborted).length).toBeGreaterThan(SEEDS.length / 2);
    // The runs end in every way a run can: succeeded despite faults, failed by one, aborted.
    for (const status of ['SUCCEEDED', 'FAILED', 'ABORTED']) expect(results.some((r) => r.status === status), status).toBe(true);
  });
});
