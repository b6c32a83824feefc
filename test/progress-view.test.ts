/**
 * The run progress views without a real terminal: when the live view is used, what its lines say
 * for a real execution's events (a 429 retried, a remote failure, a skipped step), how it redraws
 * in place, and that the plain mode keeps its greppable one-line-per-event format.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { progressLine } from '../lib/local/progress';
import { formatElapsed, LiveProgress, liveLines, plainProgress, ProgressModel, progressMode, redraw, SPINNER } from '../lib/local/progress-view';
import type { HistoryEvent, RunReport } from '../lib/local/runner';
import type { LocalSession } from '../lib/local/session';
import { TamrMasteringSimulator } from '../lib/local/simulators/tamr-mastering';
import { FAST, openSession, testConfig } from './support/local-run';

const SECRETS = { 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } };
const PIPELINE = 'tamr-mastering-demo';

let sim: TamrMasteringSimulator;
let session: LocalSession;
let failed: RunReport;

beforeAll(async () => {
  sim = new TamrMasteringSimulator({ operationDurationMs: 60 });
  await sim.start();
  session = await openSession(testConfig(), SECRETS);
  // Unified dataset: one 429 then success; recipe skipped (no input flag); record pairs fail.
  sim.injectFault({ fault: { kind: 'status', status: 429, body: 'slow down' }, path: 'unifiedDataset:refresh' });
  sim.failNext('Spark job 7 lost its executors', 'recordPairs');
  failed = await session.run(PIPELINE, { baseUrl: sim.url, input: {}, ...FAST });
});

afterAll(async () => {
  await session?.close();
  await sim?.stop();
});

const jobs = () => session.pipeline(PIPELINE).jobs;

function modelAfter(events: readonly HistoryEvent[]): ProgressModel {
  const model = new ProgressModel(jobs(), events[0].timestamp);
  for (const event of events) model.apply(event);
  return model;
}

describe('progressMode', () => {
  it('is live only on an interactive terminal outside CI', () => {
    expect(progressMode({ isTTY: true }, {})).toBe('live');
    expect(progressMode({ isTTY: true }, { CI: 'false' })).toBe('live');
    expect(progressMode({ isTTY: false }, {})).toBe('plain');
    expect(progressMode({}, {})).toBe('plain');
    expect(progressMode({ isTTY: true }, { CI: 'true' })).toBe('plain');
    expect(progressMode({ isTTY: true }, { CI: '1' })).toBe('plain');
    expect(progressMode({ isTTY: true }, { TERM: 'dumb' })).toBe('plain');
  });
});

describe('live view of a real execution', () => {
  it('ends with each step done, skipped, failed or never started', () => {
    expect(failed.status).toBe('FAILED');
    const model = modelAfter(failed.history);
    const byKey = Object.fromEntries(model.steps.map((s) => [s.key, s]));

    expect(model.outcome).toBe('FAILED');
    expect(byKey.updateRecords).toMatchObject({ status: 'succeeded', remoteState: 'SUCCEEDED' });
    expect(byKey.refreshUnifiedDataset).toMatchObject({ status: 'succeeded', remoteId: expect.stringMatching(/^\d+$/), remoteState: 'SUCCEEDED', retries: 1 });
    expect(byKey.refreshUnifiedDataset.polls).toBeGreaterThan(0);
    expect(byKey.refreshUnifiedDataset.note).toBeUndefined(); // the retry note is gone once it answered
    expect(byKey.populateRecipe).toMatchObject({ status: 'skipped', note: 'skipped' });
    expect(byKey.refreshRecordPairs).toMatchObject({ status: 'failed', remoteState: 'FAILED', note: 'failed: TamrOperationFailed' });
    expect(byKey.refreshRecordClusters.status).toBe('pending');
    expect(byKey.refreshDataset.status).toBe('pending');
    for (const step of model.steps.filter((s) => s.status === 'succeeded' || s.status === 'failed')) {
      expect(step.endedAt! - step.startedAt!).toBeGreaterThanOrEqual(0);
    }
  });

  it('shows a retry while the step waits for it', () => {
    const retried = failed.history.findIndex((e) => e.type === 'StateRetried');
    expect(retried).toBeGreaterThan(0);
    const model = modelAfter(failed.history.slice(0, retried + 1));
    const step = model.steps.find((s) => s.key === 'refreshUnifiedDataset')!;
    expect(step).toMatchObject({ status: 'running', note: 'retrying after RateLimited', retries: 1 });
    expect(model.current).toBe('Refresh unified dataset');

    const lines = liveLines(model, model.startedAt + 2500, 0);
    expect(lines).toHaveLength(model.steps.length + 1);
    expect(lines[1]).toMatch(new RegExp(`^${SPINNER[0]} Refresh unified dataset +\\d+\\.\\ds  retrying after RateLimited$`));
    expect(lines[2]).toMatch(/^· Update recipe$/);
    expect(lines.at(-1)).toMatch(new RegExp(`^${SPINNER[0]} running +2\\.5s  Refresh unified dataset$`));
  });

  it('draws one line per step with its symbol, elapsed time, id, state and checks', () => {
    const model = modelAfter(failed.history);
    const lines = liveLines(model, Date.now(), 3);
    expect(lines).toHaveLength(model.steps.length); // no "running" line once the execution ended
    expect(lines[0]).toMatch(/^✔ Update dataset records +\d+\.\ds  SUCCEEDED/);
    expect(lines[1]).toMatch(/^✔ Refresh unified dataset +\d+\.\ds  id \d+  SUCCEEDED  \(\d+ checks?\)$/);
    expect(lines[2]).toMatch(/^↷ Update recipe +skipped$/);
    expect(lines[3]).toMatch(/^✖ Refresh record pairs +\d+\.\ds  id \d+  FAILED  \(\d+ checks?\)  failed: TamrOperationFailed$/);
    expect(lines[4]).toMatch(/^· Refresh record clusters$/);
    // Elapsed times are right-aligned in one column.
    const ends = [0, 1, 3].map((i) => {
      const match = /\d+\.\ds/.exec(lines[i])!;
      return match.index + match[0].length;
    });
    expect(new Set(ends).size).toBe(1);
  });

  it('spins through the frames while a step runs and cuts lines to the terminal width', () => {
    const firstSubmit = failed.history.findIndex((e) => e.type === 'StateEntered' && e.state?.name === 'Update dataset records');
    const model = modelAfter(failed.history.slice(0, firstSubmit + 1));
    const glyphs = [0, 1, 2, SPINNER.length].map((frame) => liveLines(model, model.startedAt, frame)[0][0]);
    expect(glyphs).toEqual([SPINNER[0], SPINNER[1], SPINNER[2], SPINNER[0]]);
    for (const line of liveLines(modelAfter(failed.history), Date.now(), 0, 30)) expect([...line].length).toBeLessThanOrEqual(30);
    expect(liveLines(modelAfter(failed.history), Date.now(), 0, 30)[3]).toMatch(/…$/);
  });
});

describe('live view of a fan-out step (Map)', () => {
  const job = { key: 'refreshEach', title: 'Refresh each product', states: { submit: 'Refresh product', status: 'Get product status', done: 'Product done', failed: 'Product failed', requestFailed: 'Product request failed', fanOut: 'For each product' } };
  const at = (t: number, type: string, name: string, stateType: string, extra: Partial<HistoryEvent> = {}): HistoryEvent => ({ type, timestamp: t, state: { name, type: stateType, input: {}, output: {} }, ...extra });

  it('counts items started, done and failed, and finishes with the Map state', () => {
    const model = new ProgressModel([job], 0);
    const events: HistoryEvent[] = [
      at(0, 'StateEntered', 'For each product', 'Map'),
      at(1, 'StateEntered', 'Refresh product', 'Task', { index: 0 }),
      at(1, 'StateEntered', 'Refresh product', 'Task', { index: 1 }),
      { ...at(2, 'StateExited', 'Refresh product', 'Task', { index: 0 }), state: { name: 'Refresh product', type: 'Task', input: {}, output: { job: { id: 'j0', status: { state: 'RUNNING' }, poll: { count: 0 } } } } },
      at(3, 'StateEntered', 'Product done', 'Pass', { index: 0 }),
    ];
    for (const event of events) model.apply(event);
    expect(model.steps[0]).toMatchObject({ status: 'running', remoteId: 'j0', remoteState: 'RUNNING' });
    expect(liveLines(model, 4, 0)[0]).toMatch(/Refresh each product +0\.0s  id j0  RUNNING  1\/2 items done$/);

    // The iteration is named by its item (the iteration's data holds it at $.item), not its index.
    model.apply({ ...at(5, 'StateEntered', 'Product failed', 'Fail', { index: 1 }), state: { name: 'Product failed', type: 'Fail', input: { item: 'sku-2', job: { status: { error: 'TamrCloudJobFailed' } } } } });
    expect(model.steps[0]).toMatchObject({ status: 'running', note: 'sku-2: failed: TamrCloudJobFailed' });
    expect(model.current).toBe('Product failed [sku-2]');
    model.apply(at(6, 'StateExited', 'For each product', 'Map'));
    expect(model.steps[0]).toMatchObject({ status: 'succeeded', startedAt: 0, endedAt: 6 });
    expect(liveLines(model, 7, 0)[0]).toMatch(/^✔ Refresh each product.*1\/2 items done, 1 failed/);
  });

  it('marks a step still running when the execution is aborted', () => {
    const model = new ProgressModel([job], 0);
    model.apply(at(0, 'StateEntered', 'For each product', 'Map'));
    model.apply({ type: 'ExecutionAborted', timestamp: 9 });
    expect(model.outcome).toBe('ABORTED');
    expect(model.steps[0]).toMatchObject({ status: 'failed', endedAt: 9, note: 'aborted' });
  });
});

describe('redraw', () => {
  it('moves up over the previous frame, clears each line, then clears what is left below', () => {
    expect(redraw(0, ['a', 'b'])).toBe('\r\x1b[2Ka\n\x1b[2Kb\n\x1b[J');
    expect(redraw(3, ['a'])).toBe('\x1b[3A\r\x1b[2Ka\n\x1b[J');
  });

  it('LiveProgress writes frames in place and leaves the final state with the cursor shown', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    onTestFinished(() => void vi.useRealTimers());
    const writes: string[] = [];
    let now = failed.history[0].timestamp;
    const view = new LiveProgress(jobs(), now, { write: (text: string) => writes.push(text), columns: 120 }, { intervalMs: 5, now: () => now }).start();
    expect(writes[0]).toBe('\x1b[?25l');
    for (const event of failed.history) {
      now = event.timestamp;
      view.onEvent(event);
    }
    vi.advanceTimersByTime(30); // six spinner ticks, on fake timers
    view.finish();
    const written = writes.length;
    vi.advanceTimersByTime(30);
    expect(writes.length).toBe(written); // the timer stopped

    expect(writes.at(-1)).toBe('\x1b[?25h');
    const frames = writes.slice(1, -1);
    // The first frame, one per event, six ticks, the final frame.
    expect(frames).toHaveLength(1 + failed.history.length + 6 + 1);
    // Every frame after the first moves up over the lines drawn before it (steps + "running").
    expect(frames[1].startsWith(`\x1b[${jobs().length + 1}A`)).toBe(true);
    const last = frames.at(-1)!;
    expect(last).toContain('✖ Refresh record pairs');
    expect(last).not.toMatch(/running/);
    expect(last.split('\n').filter((l) => l.includes('\x1b[2K'))).toHaveLength(jobs().length);
  });
});

describe('LiveProgress after finish', () => {
  it('draws nothing more: events after a Ctrl-C and a second finish leave the lines printed below the view alone', () => {
    const writes: string[] = [];
    const now = failed.history[0].timestamp;
    const view = new LiveProgress(jobs(), now, { write: (text: string) => writes.push(text), columns: 120 }, { intervalMs: 60_000, now: () => now }).start();
    view.onEvent(failed.history[0]);
    view.finish();
    expect(writes.at(-1)).toBe('\x1b[?25h');
    const written = writes.length;
    for (const event of failed.history.slice(1)) view.onEvent(event);
    view.finish();
    expect(writes).toHaveLength(written);
  });
});

describe('plain progress', () => {
  it('prints the same greppable lines as before, one per meaningful event; a retried attempt prints only the retry', () => {
    const printed: string[] = [];
    const view = plainProgress(failed.history[0].timestamp, (line) => printed.push(line));
    for (const event of failed.history) view.onEvent(event);
    view.finish();

    // Every line but the retried attempt's own failure, in the same order.
    const retried = failed.history.findIndex((e) => e.type === 'StateRetried');
    const expected = failed.history
      .filter((_, i) => i !== retried - 1)
      .map((e) => progressLine(e, failed.history[0].timestamp, e.type === 'StateRetried' ? 'rate limited (429)' : undefined))
      .filter(Boolean);
    expect(printed).toEqual(expected);
    expect(printed.join('\n')).toMatch(/Refresh record pairs\s+id \d+\s+PENDING/);
    expect(printed.join('\n')).toContain('Refresh unified dataset: retrying after rate limited (429)');
    expect(printed.some((l) => l.includes('\x1b'))).toBe(false);
  });

  it('shows 35 retries of a state as one line, then one line with the count', () => {
    const state = { name: 'Refresh unified dataset', type: 'Task', input: {} };
    const attempt = (i: number): HistoryEvent[] => [
      { type: 'StateFailed', timestamp: 1000 + i, state, Error: 'TransientApiError', Cause: '{"errorType":"TransientApiError","errorMessage":"POST /x: connection refused by 127.0.0.1:41234 (ECONNREFUSED)"}' },
      { type: 'StateRetried', timestamp: 1000 + i, state },
    ];
    const events: HistoryEvent[] = [
      { type: 'StateEntered', timestamp: 1000, state },
      ...Array.from({ length: 35 }, (_, i) => attempt(i)).flat(),
      { type: 'StateFailed', timestamp: 2000, state, Error: 'TransientApiError', Cause: 'POST /x: connection refused by 127.0.0.1:41234 (ECONNREFUSED)' },
      { type: 'ExecutionFailed', timestamp: 2001, Error: 'TransientApiError' },
    ];
    const printed: string[] = [];
    const view = plainProgress(1000, (line) => printed.push(line));
    for (const event of events) view.onEvent(event);

    expect(printed.filter((l) => l.includes('retrying'))).toEqual([
      '   0.0s ↻ Refresh unified dataset: retrying after TransientApiError (POST /x: connection refused by 127.0.0.1:41234 (ECONNREFUSED))',
    ]);
    expect(printed.filter((l) => l.includes('retried'))).toEqual(['   1.0s ↻ Refresh unified dataset: retried 35 times']);
    // The last attempt was not retried: its failure is shown, once.
    expect(printed.filter((l) => l.includes(' ! '))).toHaveLength(1);
    expect(printed.length).toBeLessThanOrEqual(4);
  });
});

describe('formatElapsed', () => {
  it('reads as seconds, then minutes, then hours', () => {
    expect(formatElapsed(0)).toBe('0.0s');
    expect(formatElapsed(4210)).toBe('4.2s');
    expect(formatElapsed(125_000)).toBe('2m 05s');
    expect(formatElapsed(3_720_000)).toBe('1h 02m');
    expect(formatElapsed(-5)).toBe('0.0s');
  });
});

describe('a status line', () => {
  it('shows the job\'s counts and progress message, not the reading kept for the next estimate', () => {
    const job = (summary: Record<string, unknown> | null) => ({ job: { id: 't1', status: { state: 'RUNNING', outcome: 'running', summary }, poll: { count: 2 } } });
    const event = (summary: Record<string, unknown>): HistoryEvent =>
      ({ type: 'StateExited', timestamp: 2500, state: { name: 'Get reco export task status', type: 'Task', input: job(null), output: job(summary) } }) as unknown as HistoryEvent;

    const line = progressLine(event({ taskName: 'reco_export', progress: 'uploading 46%', progressDone: 0.46, progressAtSeconds: 60, rows: 40 }), 0);
    expect(line).toBe(`   2.5s • ${'Get reco export task status'.padEnd(38)} id t1  RUNNING  (check 2)  rows=40 "uploading 46%"`);
  });
});
