/**
 * `fromStep` in the execution input, honoured by the synthesized state machine itself: the run
 * starts at the named step, the steps before it are recorded as skipped (never run: the
 * simulator sees none of their calls), an unknown name fails before any step with the valid
 * names, and without it the run takes today's path.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FROM_STEP_CHOICE, SKIPPED_BY_FROM_STEP, skippedByFromStep } from '../../lib/constructs/from-step';
import { OVERLAP_GUARD_STATE, RUN_START_STATE } from '../../lib/constructs/overlap-guard';
import { plainProgress, ProgressModel } from '../../lib/local/progress-view';
import type { LocalSession, SessionRunOptions } from '../../lib/local/session';
import { TamrMasteringSimulator } from '../../lib/local/simulators/tamr-mastering';
import { FAST, openSession, statesEntered, testConfig } from '../support/local-run';

const V1 = '/api/versioned/v1';
const PIPELINE = 'tamr-mastering-demo';

let sim: TamrMasteringSimulator;
let session: LocalSession;

beforeAll(async () => {
  sim = new TamrMasteringSimulator({ operationDurationMs: 60 });
  await sim.start();
  session = await openSession(testConfig(), { 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } });
});

afterAll(async () => {
  await session?.close();
  await sim?.stop();
});

beforeEach(() => {
  sim.requests.length = 0;
});

const run = (input: Record<string, unknown>, onEvent?: SessionRunOptions['onEvent']) => session.run(PIPELINE, { ...FAST, baseUrl: sim.url, input, onEvent });

describe('fromStep', () => {
  it('starts at the named step: the earlier steps are skipped, the simulator sees none of their calls', async () => {
    const lines: string[] = [];
    const progress = plainProgress(Date.now(), (line) => lines.push(line));
    const model = new ProgressModel(session.pipeline(PIPELINE).jobs, Date.now());
    const report = await run({ fromStep: 'Refresh record clusters', mlConfigurationChanged: true }, (event) => {
      progress.onEvent(event);
      model.apply(event);
    });

    expect(report.status, report.cause).toBe('SUCCEEDED');
    // Only the named step and the one after it talked to Tamr.
    const paths = sim.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths.filter((p) => p.startsWith('POST'))).toEqual([`POST ${V1}/projects/1/recordClusters:refresh`, `POST ${V1}/datasets/5:refresh`]);
    expect(paths.every((p) => /recordClusters|datasets\/5|\/operations\//.test(p)), paths.join('\n')).toBe(true);
    const entered = statesEntered(report);
    expect(entered.slice(0, 5)).toEqual([OVERLAP_GUARD_STATE, 'Is another run in progress', RUN_START_STATE, FROM_STEP_CHOICE, 'Skip to refresh record clusters']);
    // From the skip straight into the named step (its duration read, then its submit).
    expect(entered.slice(5, entered.indexOf('Refresh record clusters') + 1)).toEqual(['Read record clusters durations', 'Refresh record clusters']);
    // The report shows the steps before as skipped, not failed or missing.
    expect(report.steps.map((s) => [s.name, s.finalState])).toEqual([
      ['Update dataset records', 'SKIPPED'],
      ['Refresh unified dataset', 'SKIPPED'],
      ['Update recipe', 'SKIPPED'],
      ['Refresh record pairs', 'SKIPPED'],
      ['Refresh record clusters', 'SUCCEEDED'],
      ['Refresh dataset export', 'SUCCEEDED'],
    ]);
    // ... and so does the run's output, where the deployed tools read it.
    expect(report.output).toMatchObject({ steps: { updateRecords: SKIPPED_BY_FROM_STEP, refreshRecordPairs: SKIPPED_BY_FROM_STEP, refreshRecordClusters: { state: 'SUCCEEDED' } } });
    // One line for the skip, not one for every later state that carries the record on.
    expect(lines.filter((l) => / ↷ /.test(l)).map((l) => l.replace(/^\s*[\d.]+s /, ''))).toEqual(['↷ Skip to refresh record clusters']);
    expect(model.steps.map((s) => s.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'succeeded', 'succeeded']);
    // No duration metric for a skipped step: it ran no job.
    expect(report.metrics.filter((m) => m.name === 'JobDurationSeconds').map((m) => m.dimensions.Step).sort()).toEqual(['refreshDataset', 'refreshRecordClusters']);
  });

  it('keeps runIf: a run started at the recipe step still asks for the flag', async () => {
    const report = await run({ fromStep: 'Update recipe' });
    expect(report.status).toBe('SUCCEEDED');
    expect(sim.requests.some((r) => r.path.includes('populate'))).toBe(false);
    expect(report.steps.map((s) => s.finalState)).toEqual(['SKIPPED', 'SKIPPED', 'SKIPPED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(sim.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([`${V1}/projects/1/recordPairs:refresh`, `${V1}/projects/1/recordClusters:refresh`, `${V1}/datasets/5:refresh`]);
  });

  it('the first step, or none: every step runs (today\'s path)', async () => {
    for (const input of [{ fromStep: 'Update dataset records' }, {}]) {
      sim.requests.length = 0;
      const report = await run(input);
      expect(report.status).toBe('SUCCEEDED');
      expect(statesEntered(report)).toContain(FROM_STEP_CHOICE);
      expect(statesEntered(report).filter((s) => s.startsWith('Skip to'))).toEqual([]);
      expect(sim.requestsTo('POST', `${V1}/datasets/1:updateRecords`)).toHaveLength(1);
      expect(report.steps.find((s) => s.name === 'Update recipe')?.finalState).toBe('SKIPPED'); // runIf, no flag
      expect(report.steps.filter((s) => s.finalState === 'SUCCEEDED')).toHaveLength(5);
    }
  });

  it('an unknown step fails at once, naming the valid steps, before any call', async () => {
    const report = await run({ fromStep: 'Refresh record cluster' });
    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('UnknownFromStep');
    expect(report.cause).toContain("pipeline 'tamr-mastering-demo'");
    expect(report.cause).toContain("'Update dataset records', 'Refresh unified dataset', 'Update recipe', 'Refresh record pairs', 'Refresh record clusters', 'Refresh dataset export'");
    expect(statesEntered(report).slice(-2)).toEqual([FROM_STEP_CHOICE, 'Unknown first step']);
    expect(sim.requests).toEqual([]);
    expect(report.lambdaInvocations).toBe(0);
  });

  it('the skipped steps are read once, from the state that recorded them (deployed histories carry no exit input)', () => {
    const skipped = { steps: { updateRecords: SKIPPED_BY_FROM_STEP, refreshUnifiedDataset: SKIPPED_BY_FROM_STEP } };
    const later = { steps: { ...skipped.steps, refreshRecordPairs: { id: '7', state: 'SUCCEEDED', polls: 2, summary: null } } };
    expect(skippedByFromStep({ name: 'Skip to update recipe', input: { steps: {} }, output: skipped })).toEqual(['updateRecords', 'refreshUnifiedDataset']);
    expect(skippedByFromStep({ name: 'Record pairs done', input: skipped, output: later })).toEqual([]);
    expect(skippedByFromStep({ name: 'Skip to update recipe', output: skipped })).toEqual(['updateRecords', 'refreshUnifiedDataset']);
    expect(skippedByFromStep({ name: 'Record pairs done', output: later })).toEqual([]);
  });
});
