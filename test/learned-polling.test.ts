import { describe, expect, it } from 'vitest';
import { MAX_WINDOW_CHECKS } from '../lib/contract/step-durations';
import { waitAfter } from '../lib/polling/wait-schedule';
import {
  adaptiveWait,
  checkWindow,
  firstWait,
  HISTORY_SIZE,
  learnedWait,
  readHistory,
  recordDuration,
  storedHistory,
  withLearnedPolling,
  type LearnedPollingRequest,
} from '../lambdas/shared/learned-polling';

const POLLING = { initialIntervalSeconds: 5, maxIntervalSeconds: 300, backoffRate: 1.1 };
const adaptive = (elapsed: number) => adaptiveWait(POLLING, elapsed);

/** The check times a schedule makes for a job that ends at `duration`. */
function checks(history: number[], duration: number): number[] {
  const times: number[] = [];
  let at = firstWait(history) ?? 5;
  for (;;) {
    times.push(at);
    if (at >= duration) return times;
    at += learnedWait(history, at, adaptive) ?? adaptive(at);
  }
}

const item = (durations: unknown) => ({ Item: { durations: { S: typeof durations === 'string' ? durations : JSON.stringify(durations) } } });
const request = (stored: unknown, elapsedSeconds: number, lastWaitSeconds = 0): LearnedPollingRequest => ({ stored, elapsedSeconds, lastWaitSeconds, ...POLLING, timeoutSeconds: 7200 });
const running = { id: '7', state: 'RUNNING', outcome: 'running', error: null, cause: null, summary: null } as const;
const succeeded = { ...running, state: 'SUCCEEDED', outcome: 'succeeded' } as const;

describe('learned polling', () => {
  const tenMinutes = [570, 590, 600, 605, 610, 615, 620, 630, 640, 660];

  it('says nothing without history, so the wait schedule applies as before', () => {
    expect(checkWindow([])).toBeUndefined();
    expect(firstWait([])).toBeNull();
    expect(learnedWait([], 100, adaptive)).toBeNull();
  });

  it('checks first at the low end of the history, then every 4 % of the age up to 5 % past the longest run seen', () => {
    const window = checkWindow(tenMinutes)!;
    expect(window.start).toBe(588); // the 10th percentile: 570 + 0.9 × (590 − 570)
    expect(window.end).toBeCloseTo(693);
    expect(learnedWait(tenMinutes, 0, adaptive)).toBe(588);
    expect(learnedWait(tenMinutes, 600, adaptive)).toBe(24);
  });

  it('sees a usual job within 4 % of its duration with a handful of checks', () => {
    for (const duration of [575, 600, 612, 650]) {
      const times = checks(tenMinutes, duration);
      expect(times.length).toBeLessThanOrEqual(4);
      expect(times.at(-1)! - duration).toBeLessThanOrEqual(0.04 * duration);
    }
  });

  it('falls back to adaptive growth past the history: a job twice as long is seen within 10 % of its age', () => {
    const times = checks(tenMinutes, 1250);
    const last = times.at(-1)!;
    const before = times.at(-2)!;
    expect(before).toBeLessThan(1250);
    expect(last - 1250).toBeLessThanOrEqual(adaptive(before));
    expect(learnedWait(tenMinutes, 1000, adaptive)).toBe(adaptive(1000));
  });

  it('keeps the window to a bounded number of checks however wide the history', () => {
    const wide = [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120];
    const window = checkWindow(wide)!;
    let count = 0;
    for (let at = window.start; at < window.end; at += learnedWait(wide, at, adaptive)!) count++;
    expect(count).toBeLessThanOrEqual(MAX_WINDOW_CHECKS);
  });

  it('waits past the window as the synthesized schedule does', () => {
    for (const backoffRate of [1, 1.1, 1.5]) {
      const polling = { ...POLLING, backoffRate };
      for (const elapsed of [0, 7, 49, 50, 333, 2999, 3000, 10_000]) expect(adaptiveWait(polling, elapsed)).toBe(waitAfter({ ...polling, timeoutMinutes: 120 }, elapsed));
    }
  });

  it('keeps the newest durations, whole seconds, and reads a corrupted history as none', () => {
    let history: number[] = [];
    for (let i = 1; i <= 15; i++) history = recordDuration(history, i * 10.4);
    expect(history).toHaveLength(HISTORY_SIZE);
    expect(history[0]).toBe(62);
    expect(history.at(-1)).toBe(156);
    expect(readHistory(history)).toEqual(history);
    for (const broken of [null, 'x', [1, 'a'], [-5], { a: 1 }, undefined]) expect(readHistory(broken)).toEqual([]);
  });

  it('reads the item as the state machine got it, and anything else as no history', () => {
    expect(storedHistory(item(tenMinutes))).toEqual(tenMinutes);
    const caught = { Error: 'DynamoDB.ResourceNotFoundException', Cause: 'Requested resource not found' };
    for (const other of [{}, undefined, null, caught, item('[1, "a"]'), item('not json'), { Item: { durations: { N: '600' } } }, { Item: {} }]) expect(storedHistory(other)).toEqual([]);
  });

  it('answers the next check and, on success, the history to store', () => {
    expect(withLearnedPolling(running, request(item(tenMinutes), 0))).toMatchObject({ nextCheckSeconds: 588, durations: null });
    expect(withLearnedPolling(running, request(item(tenMinutes), 600))).toMatchObject({ nextCheckSeconds: 24 });
    // No history: the schedule's wait (null), and the first duration to store.
    expect(withLearnedPolling(running, request({}, 100))).toMatchObject({ nextCheckSeconds: null, durations: null });
    expect(JSON.parse(withLearnedPolling(succeeded, request({}, 618)).durations!)).toEqual([618]);
    expect(JSON.parse(withLearnedPolling(succeeded, request(item(tenMinutes), 618)).durations!)).toEqual([...tenMinutes.slice(1), 618]);
    // Without the remote clock: the middle of the wait the job ended in, not the late check.
    expect(JSON.parse(withLearnedPolling(succeeded, request(item(tenMinutes), 620, 30)).durations!).at(-1)).toBe(605);
    // The remote system's own duration is preferred to the waited seconds.
    expect(JSON.parse(withLearnedPolling({ ...succeeded, summary: { ranSeconds: 601.4 } }, request({}, 618)).durations!)).toEqual([601]);
    // Done at the submit: nothing measured. Failed: nothing learned.
    expect(withLearnedPolling(succeeded, request({}, 0)).durations).toBeNull();
    expect(withLearnedPolling({ ...running, outcome: 'failed' }, request(item(tenMinutes), 618)).durations).toBeNull();
  });

  it('keeps the sooner of a progress estimate and the history, and never waits past the timeout', () => {
    expect(withLearnedPolling({ ...running, nextCheckSeconds: 40 }, request(item(tenMinutes), 0)).nextCheckSeconds).toBe(40);
    expect(withLearnedPolling({ ...running, nextCheckSeconds: 400 }, request(item(tenMinutes), 0)).nextCheckSeconds).toBe(400);
    expect(withLearnedPolling({ ...running, nextCheckSeconds: 40 }, request({}, 0)).nextCheckSeconds).toBe(40);
    expect(withLearnedPolling(running, { ...request(item(tenMinutes), 0), timeoutSeconds: 300 }).nextCheckSeconds).toBe(300);
  });
});
