import { describe, expect, it } from 'vitest';
import { checkWindow, firstWait, HISTORY_SIZE, learnedWait, readHistory, recordDuration } from '../lambdas/shared/learned-polling';

const adaptive = (elapsed: number) => Math.min(300, Math.max(5, Math.floor(0.1 * elapsed)));

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

describe('learned polling', () => {
  const tenMinutes = [570, 590, 600, 605, 610, 615, 620, 630, 640, 660];

  it('says nothing without history, so the wait schedule applies as before', () => {
    expect(checkWindow([])).toBeUndefined();
    expect(firstWait([])).toBeNull();
    expect(learnedWait([], 100, adaptive)).toBeNull();
  });

  it('checks first at the low end of the history, then every 3 % of it up to the longest run seen', () => {
    const window = checkWindow(tenMinutes)!;
    expect(window.start).toBe(588); // the 10th percentile: 570 + 0.9 × (590 − 570)
    expect(window.spacing).toBe(18); // 3 % of 588
    expect(window.end).toBeCloseTo(693);
    expect(learnedWait(tenMinutes, 0, adaptive)).toBe(588);
    expect(learnedWait(tenMinutes, 600, adaptive)).toBe(18);
  });

  it('sees a usual job within 3 % of its duration with a handful of checks', () => {
    const times = checks(tenMinutes, 612);
    expect(times.length).toBeLessThanOrEqual(3);
    expect(times.at(-1)! - 612).toBeLessThanOrEqual(0.03 * 612);
  });

  it('falls back to adaptive growth past the history: a job twice as long is seen within 10 % of its age', () => {
    const times = checks(tenMinutes, 1250);
    const last = times.at(-1)!;
    const before = times.at(-2)!;
    expect(before).toBeLessThan(1250);
    expect(last - 1250).toBeLessThanOrEqual(adaptive(before));
    expect(learnedWait(tenMinutes, 1000, adaptive)).toBe(adaptive(1000));
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
});
