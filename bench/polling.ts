/**
 * Polling cost and detection latency: the real synthesized state machine, run by the local
 * executor with the real handlers against the Tamr Mastering simulator, on a virtual clock.
 *
 * Every Wait takes no real time; its seconds (read from the state input at `SecondsPath`) are
 * added to the virtual clock the simulator runs on, so a 4-hour job finishes in seconds and all
 * times below are exact simulated seconds. The remote job finishes `duration` seconds after the
 * submit request; it is detected when the next step starts ("<Subject> done").
 */
import type { LoadedConfig } from '../lib/config/load';
import { parseConfig } from '../lib/config/load';
import type { HistoryEvent } from '../lib/local/runner';
import { LocalSession } from '../lib/local/session';
import { TamrMasteringSimulator } from '../lib/local/simulators/tamr-mastering';
import { allStates, type SynthesizedPipeline } from '../lib/local/synthesized';

export const DURATIONS = [
  { label: '1 min', seconds: 60 },
  { label: '10 min', seconds: 600 },
  { label: '1 h', seconds: 3600 },
  { label: '4 h', seconds: 14_400 },
] as const;

/** The two polling configurations compared; the timeout is raised so the 4-hour job can finish. */
export const STRATEGIES = {
  fixed: { label: '(a) fixed 30 s', polling: { initialIntervalSeconds: 30, maxIntervalSeconds: 30, backoffRate: 1 } },
  adaptive: { label: '(b) adaptive (default)', polling: {} },
} as const;
export type Strategy = keyof typeof STRATEGIES;

const TIMEOUT_MINUTES = 300;
const SECRET = 'continuum/bench';
const SUBJECT = 'unified dataset';

export interface PollingRun {
  readonly strategy: Strategy;
  readonly durationSeconds: number;
  readonly status: string;
  /** States entered: what Step Functions Standard bills. */
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  /** Status checks of the remote job. */
  readonly checks: number;
  /** Simulated seconds from the job finishing to the next step starting. */
  readonly latencySeconds: number;
  /** The latency had the job finished just after the previous check: the wait before the detecting check. */
  readonly worstLatencySeconds: number;
  readonly transitionsPerJobHour: number;
  /** Every status check happened exactly when the schedule says (the virtual clock is sound). */
  readonly clockConsistent: boolean;
  readonly realMs: number;
}

export interface PollingComparison {
  readonly duration: string;
  readonly durationSeconds: number;
  readonly fixed: PollingRun;
  readonly adaptive: PollingRun;
  /** (b) / (a). */
  readonly ratio: { readonly stateTransitions: number; readonly lambdaInvocations: number; readonly latency: number | null };
  readonly targets: {
    /** Transitions per job-hour of (b) ≤ 25 % of (a). */
    readonly transitions: boolean;
    /** Worst-case latency of (b) ≤ 10 % of the job's run time, capped by the max interval. */
    readonly latency: boolean;
    readonly latencyAllowanceSeconds: number;
  };
}

function benchConfig(): LoadedConfig {
  const pipeline = (name: string, polling: Record<string, number>) => `  - name: ${name}
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: ${SECRET}
    polling: ${JSON.stringify({ ...polling, timeoutMinutes: TIMEOUT_MINUTES })}
    steps:
      - kind: refreshUnifiedDataset
        project: "1"
`;
  return parseConfig(`pipelines:\n${pipeline('fixed', STRATEGIES.fixed.polling)}${pipeline('adaptive', STRATEGIES.adaptive.polling)}`, 'bench-pipelines.yaml');
}

export async function benchPolling(log: (line: string) => void = () => undefined): Promise<PollingComparison[]> {
  const session = await LocalSession.open(benchConfig(), { [SECRET]: { username: 'admin', password: 'dt' } });
  try {
    const comparisons: PollingComparison[] = [];
    for (const duration of DURATIONS) {
      const fixed = await runOnce(session, 'fixed', duration.seconds);
      log(`  ${duration.label.padEnd(6)} ${STRATEGIES.fixed.label}: ${fixed.checks} checks (${fixed.realMs} ms)`);
      const adaptive = await runOnce(session, 'adaptive', duration.seconds);
      log(`  ${duration.label.padEnd(6)} ${STRATEGIES.adaptive.label}: ${adaptive.checks} checks (${adaptive.realMs} ms)`);
      const max = session.pipeline('adaptive').config.polling.maxIntervalSeconds;
      const allowance = Math.min(0.1 * duration.seconds, max);
      comparisons.push({
        duration: duration.label,
        durationSeconds: duration.seconds,
        fixed,
        adaptive,
        ratio: {
          stateTransitions: adaptive.stateTransitions / fixed.stateTransitions,
          lambdaInvocations: adaptive.lambdaInvocations / fixed.lambdaInvocations,
          latency: fixed.latencySeconds > 0 ? adaptive.latencySeconds / fixed.latencySeconds : null,
        },
        targets: {
          transitions: adaptive.transitionsPerJobHour <= 0.25 * fixed.transitionsPerJobHour,
          latency: adaptive.worstLatencySeconds <= allowance && adaptive.latencySeconds <= allowance,
          latencyAllowanceSeconds: allowance,
        },
      });
    }
    return comparisons;
  } finally {
    await session.close();
  }
}

async function runOnce(session: LocalSession, strategy: Strategy, durationSeconds: number): Promise<PollingRun> {
  const start = Date.parse('2030-01-01T00:00:00Z');
  let now = start;
  const sim = new TamrMasteringSimulator({ operationDurationMs: durationSeconds * 1000, clock: () => now });
  const baseUrl = await sim.start();
  const pipeline = session.pipeline(strategy);
  const waitSeconds = waitReader(pipeline);
  let doneAt: number | undefined;
  const began = performance.now();
  try {
    const report = await session.run(strategy, {
      baseUrl,
      // No real waiting: the Wait's seconds go to the virtual clock instead (see onEvent).
      waitMs: 0,
      retryMs: 0,
      onEvent: (event) => {
        if (event.type !== 'StateEntered') return;
        if (event.state?.type === 'Wait') now += waitSeconds(event) * 1000;
        if (event.state?.name === `${capitalize(SUBJECT)} done`) doneAt = now;
      },
    });
    const submit = sim.requests.find((r) => r.method === 'POST');
    const checks = sim.requests.filter((r) => r.method === 'GET');
    if (report.status !== 'SUCCEEDED' || !submit || doneAt === undefined) {
      throw new Error(`bench run ${strategy} ${durationSeconds} s ended ${report.status}: ${report.error ?? ''} ${report.cause ?? ''}`);
    }
    const finishedAt = submit.at + durationSeconds * 1000;
    const checkTimes = checks.map((r) => (r.at - submit.at) / 1000);
    const expected = expectedCheckTimes(report.history, waitSeconds);
    return {
      strategy,
      durationSeconds,
      status: report.status,
      stateTransitions: report.stateTransitions,
      lambdaInvocations: report.lambdaInvocations,
      checks: checks.length,
      latencySeconds: (doneAt - finishedAt) / 1000,
      worstLatencySeconds: checkTimes.length > 1 ? checkTimes.at(-1)! - checkTimes.at(-2)! : checkTimes[0],
      transitionsPerJobHour: report.stateTransitions / (durationSeconds / 3600),
      clockConsistent: JSON.stringify(checkTimes) === JSON.stringify(expected),
      realMs: Math.round(performance.now() - began),
    };
  } finally {
    await sim.stop();
  }
}

/** Seconds a Wait state waits, from its definition and the input it was entered with. */
function waitReader(pipeline: SynthesizedPipeline): (event: HistoryEvent) => number {
  const waits = new Map(allStates(pipeline.definition).filter(([, s]) => s.Type === 'Wait').map(([name, state]) => [name, state]));
  return (event) => {
    const state = waits.get(event.state!.name)!;
    if (typeof state.Seconds === 'number') return state.Seconds;
    const value = String(state.SecondsPath)
      .replace(/^\$\./, '')
      .split('.')
      .reduce<unknown>((data, key) => (data as Record<string, unknown> | undefined)?.[key], event.state!.input);
    if (typeof value !== 'number') throw new Error(`Wait ${event.state!.name}: no seconds at ${String(state.SecondsPath)}`);
    return value;
  };
}

/** When each status check should happen: the running sum of the waits before it. */
function expectedCheckTimes(history: HistoryEvent[], waitSeconds: (event: HistoryEvent) => number): number[] {
  let at = 0;
  return history.filter((e) => e.type === 'StateEntered' && e.state?.type === 'Wait').map((e) => (at += waitSeconds(e)));
}

function capitalize(text: string): string {
  return text[0].toUpperCase() + text.slice(1);
}
