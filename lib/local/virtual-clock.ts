/**
 * A virtual clock for local runs of long jobs: every Wait state takes no real time (run with
 * `waitMs: 0`), and its seconds, read from its definition or the input at its `SecondsPath`, move
 * the clock a simulator runs on. A 4-hour job then finishes in seconds, and every time a simulator
 * records is an exact simulated time. Used by the polling benchmark and the polling tests.
 */
import type { HistoryEvent } from './runner';
import { allStates, type SynthesizedPipeline } from './synthesized';

export class VirtualClock {
  private current: number;

  constructor(start: number = Date.parse('2030-01-01T00:00:00Z')) {
    this.current = start;
  }

  /** Milliseconds since epoch: pass as a simulator's `clock`. */
  readonly now = (): number => this.current;

  /** An `onEvent` for a run of `pipeline`: each Wait entered advances the clock by its seconds. */
  advanceOnWaits(pipeline: SynthesizedPipeline, then?: (event: HistoryEvent) => void): (event: HistoryEvent) => void {
    const seconds = waitSeconds(pipeline);
    return (event) => {
      if (event.type === 'StateEntered' && event.state?.type === 'Wait') this.current += seconds(event) * 1000;
      then?.(event);
    };
  }
}

/** Seconds a Wait state waits, from its definition and the input it was entered with. */
export function waitSeconds(pipeline: SynthesizedPipeline): (event: HistoryEvent) => number {
  const waits = new Map(allStates(pipeline.definition).filter(([, s]) => s.Type === 'Wait'));
  return (event) => {
    const state = waits.get(event.state!.name);
    if (!state) throw new Error(`${event.state!.name} is not a Wait state of ${pipeline.config.name}`);
    if (typeof state.Seconds === 'number') return state.Seconds;
    const value = String(state.SecondsPath)
      .replace(/^\$\./, '')
      .split('.')
      .reduce<unknown>((data, key) => (data as Record<string, unknown> | undefined)?.[key], event.state!.input);
    if (typeof value !== 'number') throw new Error(`Wait ${event.state!.name}: no seconds at ${String(state.SecondsPath)}`);
    return value;
  };
}
