/**
 * `continuum history`'s views of a real execution: each state entered paired with how it ended
 * (retried, caught, failed), the console-like table, the event list, and the saved file's shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventLines, historyLines, lastRunRecord, parseLastRun, stateVisits, type LastRun } from '../lib/local/history';
import { keepRun, keptRun, keptRuns, KEPT_RUNS, runListLines } from '../lib/local/run-store';
import type { RunReport } from '../lib/local/runner';
import type { LocalSession } from '../lib/local/session';
import { TamrMasteringSimulator } from '../lib/local/simulators/tamr-mastering';
import { taskWrote } from '../lib/local/task-output';
import { FAST, openSession, testConfig } from './support/local-run';

const SECRETS = { 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } };

let sim: TamrMasteringSimulator;
let session: LocalSession;
let retriedThenFailed: RunReport;
let authFailed: RunReport;

beforeAll(async () => {
  sim = new TamrMasteringSimulator({ operationDurationMs: 60 });
  await sim.start();
  session = await openSession(testConfig(), SECRETS);
  sim.injectFault({ fault: { kind: 'status', status: 503, body: '<html><title>503 Service Unavailable</title></html>' }, path: 'unifiedDataset:refresh' });
  sim.failNext('Spark job 7 lost its executors', 'recordPairs');
  retriedThenFailed = await session.run('tamr-mastering-demo', { baseUrl: sim.url, input: { mlConfigurationChanged: false }, ...FAST });
  sim.injectFault({ fault: { kind: 'status', status: 401, body: 'Credentials are required to access this resource.' }, path: 'unifiedDataset:refresh' });
  authFailed = await session.run('tamr-mastering-demo', { baseUrl: sim.url, input: {}, ...FAST });
});

afterAll(async () => {
  await session?.close();
  await sim?.stop();
});

describe('stateVisits', () => {
  const jobs = () => session.pipeline('tamr-mastering-demo').jobs;

  it('pairs every state entered with how it ended', () => {
    const visits = stateVisits(retriedThenFailed.history, jobs());
    expect(visits).toHaveLength(retriedThenFailed.stateTransitions);
    expect(visits.every((v) => v.exitedAt === undefined || v.exitedAt >= v.enteredAt)).toBe(true);

    const submit = visits.find((v) => v.name === 'Refresh unified dataset')!;
    expect(submit).toMatchObject({ type: 'Task', status: 'Succeeded', retries: 1, remoteId: expect.stringMatching(/^\d+$/), remoteState: 'PENDING' });
    expect(submit.error).toBeUndefined(); // the retried failure is not the visit's outcome

    // Every check shows the job, even one whose answer did not change the job's data.
    const checks = visits.filter((v) => v.name === 'Get unified dataset status');
    expect(checks.map((c) => c.polls)).toEqual(checks.map((_, i) => i + 1));
    expect(checks.every((c) => c.remoteId === submit.remoteId)).toBe(true);

    const choice = visits.find((v) => v.name === 'Decide whether to update recipe')!;
    expect(choice).toMatchObject({ type: 'Choice', next: 'Skip update recipe' });

    const last = visits.at(-1)!;
    expect(last).toMatchObject({ name: 'Record pairs failed', type: 'Fail', status: 'Failed', error: 'TamrOperationFailed' });
    expect(last.cause).toContain('Spark job 7 lost its executors');
  });

  it('marks a caught API error on the task, then the request-failed state', () => {
    const visits = stateVisits(authFailed.history, jobs());
    const submit = visits.find((v) => v.name === 'Refresh unified dataset')!;
    expect(submit).toMatchObject({ status: 'Caught error', error: 'AuthFailed', retries: 0 });
    expect(submit.cause).toContain('answered 401');
    expect(visits.at(-1)).toMatchObject({ name: 'Unified dataset request failed', status: 'Failed', error: 'AuthFailed' });
  });

  it('does not credit a task with the previous step\'s job', () => {
    for (const visits of [stateVisits(retriedThenFailed.history), stateVisits(retriedThenFailed.history, jobs())]) {
      expect(visits.find((v) => v.name === 'Check for a run in progress')!.remoteId).toBeUndefined();
    }
    // Without job metadata, only what changed counts.
    expect(taskWrote({ job: { id: '1' } }, { job: { id: '1' }, existing: { id: null } })).toEqual({ existing: { id: undefined, state: undefined } });
    expect(taskWrote({ job: { id: '1' } }, { job: { id: '1', status: { id: '9', state: 'RUNNING' } } })).toMatchObject({ job: { id: '9', state: 'RUNNING' } });
    // With it, the role decides: a status check writes the job, a find writes only `existing`.
    const same = { job: { id: '1', status: { state: 'RUNNING' }, poll: { count: 2 } } };
    expect(taskWrote(same, same, 'status')).toEqual({ job: { id: '1', state: 'RUNNING', polls: 2, summary: undefined } });
    expect(taskWrote(same, { ...same, existing: { id: '7', status: { state: 'RUNNING' } } }, 'findExisting')).toEqual({ existing: { id: '7', state: 'RUNNING' } });
  });
});

describe('stateVisits in a Map', () => {
  it('keeps iterations apart by item index and labels their rows', () => {
    // Each iteration's data holds its item at $.item (the fan-out's ItemSelector).
    const state = (name: string, type: string, item: string, output: unknown = {}) => ({ name, type, input: { item }, output });
    const history = [
      { type: 'ExecutionStarted', timestamp: 0 },
      { type: 'MapIterationStarted', timestamp: 1, index: 0, input: { item: 'sku-a' }, parentState: { name: 'For each product', type: 'Map' } },
      { type: 'StateEntered', timestamp: 1, state: state('Refresh product', 'Task', 'sku-a'), index: 0 },
      { type: 'StateEntered', timestamp: 1, state: state('Refresh product', 'Task', 'sku-b'), index: 1 },
      { type: 'StateExited', timestamp: 3, state: state('Refresh product', 'Task', 'sku-b', { job: { id: 'b', status: { state: 'RUNNING' } } }), index: 1 },
      { type: 'StateExited', timestamp: 4, state: state('Refresh product', 'Task', 'sku-a', { job: { id: 'a', status: { state: 'RUNNING' } } }), index: 0 },
    ];
    const visits = stateVisits(history);
    expect(visits.map((v) => [v.index, v.item, v.remoteId, v.exitedAt])).toEqual([
      [0, 'sku-a', 'a', 4],
      [1, 'sku-b', 'b', 3],
    ]);
    const run = { version: 1, pipeline: 'p', executionArn: 'arn:x:local-1', status: 'SUCCEEDED', skipped: false, input: {}, steps: [], stateTransitions: 2, history } as LastRun;
    // Labelled by item, not by index: `Refresh product [sku-b]`, never `[item 1]`.
    expect(historyLines(run).filter((l) => /\d\.\d{3}s  Refresh product \[sku-b\] /.test(l))).toHaveLength(1);
    expect(historyLines(run).join('\n')).not.toContain('[item ');
    expect(eventLines(run).filter((l) => l.includes('Refresh product [sku-a] (Task)'))).toHaveLength(2);
    expect(eventLines(run).find((l) => l.includes('MapIterationStarted'))).toMatch(/MapIterationStarted\s+For each product \[sku-a\]$/);
  });
});

describe('historyLines', () => {
  let run: LastRun;
  beforeAll(() => {
    run = parseLastRun(JSON.stringify(lastRunRecord(retriedThenFailed, { mlConfigurationChanged: false }, session.pipeline('tamr-mastering-demo').jobs)));
    expect(run.jobs?.map((j) => j.key)).toContain('refreshUnifiedDataset');
  });

  it('reads like the console table: header, one row per state, the failure', () => {
    const lines = historyLines(run);
    expect(lines[0]).toMatch(/^Execution local-[0-9a-f-]+ of pipeline 'tamr-mastering-demo': FAILED$/);
    expect(lines[1]).toContain(`${run.stateTransitions} state transitions, input {"mlConfigurationChanged":false}`);
    expect(lines[3]).toMatch(/^\s*#\s+started\s+duration\s+state\s+type\s+status\s+details$/);
    const rows = lines.slice(5, 5 + run.stateTransitions);
    expect(rows).toHaveLength(run.stateTransitions);
    expect(rows[0]).toMatch(/^\s*1\s+\+\d+\.\d{3}s\s+\d+\.\d{3}s\s+Check for a run in progress\s+Task\s+Succeeded$/);
    expect(lines.find((l) => /Refresh unified dataset\s+Task/.test(l))).toMatch(/Succeeded\s+id \d+\s+PENDING\s+retried 1×$/);
    expect(lines.find((l) => /Get unified dataset status\s+Task/.test(l))).toMatch(/id \d+\s+(PENDING|RUNNING|SUCCEEDED)\s+check 1$/);
    expect(lines.find((l) => /Unified dataset status\s+Choice/.test(l))).toMatch(/→ /);
    expect(lines.find((l) => /Record pairs failed\s+Fail/.test(l))).toMatch(/Failed\s+TamrOperationFailed: .*Spark job 7/);
    expect(lines.slice(-2)).toEqual(['Error: TamrOperationFailed', `Cause: ${run.cause}`]);
  });

  it('lists every event with its time, type and state', () => {
    const lines = eventLines(run);
    expect(lines).toHaveLength(run.history.length);
    expect(lines[0]).toMatch(/^\s+\+0\.000s\s+ExecutionStarted\s+input \{"mlConfigurationChanged":false\}$/);
    expect(lines.some((l) => /StateFailed\s+Refresh unified dataset \(Task\)\s+TransientApiError: .*503/.test(l))).toBe(true);
    expect(lines.some((l) => /StateRetried\s+Refresh unified dataset \(Task\)\s+attempt 1/.test(l))).toBe(true);
    expect(lines.some((l) => /StateExited\s+Get record pairs status \(Task\)\s+id \d+\s+FAILED\s+check \d+/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/ExecutionFailed\s+TamrOperationFailed: /);
  });

  it('rejects a file that is not a saved run', () => {
    expect(() => parseLastRun('{"version": 2, "history": []}')).toThrow(/not a Continuum last-run file/);
    expect(() => parseLastRun('not json')).toThrow();
  });
});

describe('the kept runs', () => {
  const record = (n: number, status: LastRun['status'] = 'SUCCEEDED'): LastRun => ({
    version: 1,
    pipeline: n % 2 ? 'odd' : 'even',
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:Continuum-p:local-${String(n).padStart(2, '0')}aa`,
    status,
    skipped: false,
    input: {},
    steps: [],
    stateTransitions: 0,
    history: [
      { type: 'ExecutionStarted', timestamp: 1_700_000_000_000 + n * 1000 },
      { type: status === 'SUCCEEDED' ? 'ExecutionSucceeded' : 'ExecutionFailed', timestamp: 1_700_000_000_000 + n * 1000 + 2500 },
    ],
  });
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'continuum-kept-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the last 20, newest first, dropping the oldest', () => {
    for (let n = 1; n <= KEPT_RUNS + 2; n += 1) keepRun(dir, record(n, n === 21 ? 'FAILED' : 'SUCCEEDED'));
    const runs = keptRuns(dir);
    expect(runs).toHaveLength(KEPT_RUNS);
    expect(runs.map((r) => r.id)).toEqual(Array.from({ length: KEPT_RUNS }, (_, i) => `local-${String(KEPT_RUNS + 2 - i).padStart(2, '0')}aa`));
    expect(runs[1]).toMatchObject({ id: 'local-21aa', pipeline: 'odd', status: 'FAILED', start: new Date(1_700_000_021_000).toISOString(), durationSeconds: 2.5 });
    expect(readdirSync(join(dir, 'runs'))).toHaveLength(KEPT_RUNS);
    expect(runListLines(runs)[2]).toMatch(/^local-22aa\s+even\s+SUCCEEDED\s+2023-11-14T22:13:42\.000Z\s+2\.5s$/);
  });

  it('finds one by its id or the start of it, and names the kept ones otherwise', () => {
    expect(keptRun(dir, 'local-21aa').status).toBe('FAILED');
    expect(keptRun(dir, '21').executionArn).toMatch(/local-21aa$/);
    expect(() => keptRun(dir, 'local-01aa')).toThrow(/no kept local run 'local-01aa' \(kept runs: local-22aa, /);
    expect(() => keptRun(dir, 'local-1')).toThrow(/'local-1' names 10 kept runs/);
  });
});
