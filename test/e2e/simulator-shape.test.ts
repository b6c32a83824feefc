/**
 * A simulator shaped as `continuum simulate --job-seconds N --fail STEP --never-finish STEP` would
 * shape it, under a local run of a synthesized Tamr Mastering state machine. The simulator runs on
 * a VirtualClock that every Wait state advances by its seconds (waits take no real time), so job
 * lengths and the poll timeout are exact simulated times, whatever the machine's speed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../lib/local/runner';
import type { LocalSession } from '../../lib/local/session';
import { simulatedFailure, type SimulatorShape } from '../../lib/local/simulators/shape';
import { TamrMasteringSimulator, type TamrMasteringStep } from '../../lib/local/simulators/tamr-mastering';
import { VirtualClock } from '../../lib/local/virtual-clock';
import { openSession, statesEntered, testConfig } from '../support/local-run';

const PIPELINE = 'shaped-mastering';
let session: LocalSession;
let sim: TamrMasteringSimulator | undefined;

beforeAll(async () => {
  // Waits 15, 15, 30, 60 s (the time so far, doubled, at most 60): checks at 15, 30, 60 and 120 s.
  // (Not learned from the earlier runs of this file: the check times are what is asserted.)
  const config = testConfig(`
pipelines:
  - name: ${PIPELINE}
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr-mastering
    polling: { initialIntervalSeconds: 15, maxIntervalSeconds: 60, backoffRate: 2, timeoutMinutes: 2, learnFromHistory: false }
    steps:
      - kind: refreshUnifiedDataset
        project: "1"
      - kind: refreshRecordPairs
        project: "1"
`);
  session = await openSession(config, { 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } });
});

afterAll(async () => {
  await session?.close();
});

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

async function runShaped(shape: SimulatorShape<TamrMasteringStep>): Promise<RunReport> {
  const clock = new VirtualClock();
  sim = new TamrMasteringSimulator({ clock: clock.now, shape });
  const baseUrl = await sim.start();
  return session.run(PIPELINE, { baseUrl, waitMs: 0, retryMs: 0, onEvent: clock.advanceOnWaits(session.pipeline(PIPELINE)) });
}

/** Seconds after the submission of `path` at which each poll of its operation arrived. */
function pollSeconds(operationId: string, submitPath: string): number[] {
  const submitted = sim!.requestsTo('POST', submitPath)[0].at;
  return sim!.requestsTo('GET', `/operations/${operationId}`).map((r) => (r.at - submitted) / 1000);
}

describe('a shaped simulator under a local run', () => {
  it('--job-seconds: a 50 s operation is found done at the first check after 50 s on the simulated clock', async () => {
    const report = await runShaped({ jobSeconds: 50 });

    expect(report.status).toBe('SUCCEEDED');
    expect(pollSeconds('1', 'unifiedDataset:refresh')).toEqual([15, 30, 60]);
    expect(pollSeconds('2', 'recordPairs:refresh')).toEqual([15, 30, 60]);
    expect(report.steps.map((s) => [s.finalState, s.polls])).toEqual([
      ['SUCCEEDED', 3],
      ['SUCCEEDED', 3],
    ]);
  });

  it('--never-finish refreshRecordPairs: the pairs step ends in JobTimedOut after its poll budget', async () => {
    const report = await runShaped({ jobSeconds: 10, neverFinish: ['refreshRecordPairs'] });

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('JobTimedOut');
    expect(report.cause).toBe('Refresh record pairs did not finish within 2 minutes (4 status checks).');
    expect(report.steps.map((s) => s.finalState)).toEqual(['SUCCEEDED', 'TIMED_OUT']);
    expect(pollSeconds('2', 'recordPairs:refresh')).toEqual([15, 30, 60, 120]);
  });

  it('--fail refreshUnifiedDataset: the run fails at that step with the simulated failure in the cause', async () => {
    const report = await runShaped({ jobSeconds: 10, fail: ['refreshUnifiedDataset'] });

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('TamrOperationFailed');
    expect(report.cause).toContain(simulatedFailure('refreshUnifiedDataset'));
    expect(sim!.requestsTo('POST', 'recordPairs:refresh')).toHaveLength(0);
    expect(statesEntered(report)).not.toContain('Refresh record pairs');
  });
});
