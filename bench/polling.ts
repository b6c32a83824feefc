/**
 * Polling cost and detection latency: the real synthesized state machines, run by the local
 * executor with the real handlers against the simulators, on a virtual clock.
 *
 * Every Wait takes no real time; its seconds move the clock the simulator runs on
 * (lib/local/virtual-clock.ts), so a 4-hour job finishes in seconds and all times below are exact
 * simulated seconds. The remote job finishes `duration` seconds after the submit request; it is
 * detected when the next step starts ("<Subject> done").
 *
 * Two APIs: Tamr Mastering reports a state only, so the loop follows its schedule; Crossing Minds
 * reports progress ("uploading 95%"), so the loop waits as long as the pace says (reco_export,
 * which queues for the first 10 % of its duration).
 */
import type { LoadedConfig } from '../lib/config/load';
import { parseConfig } from '../lib/config/load';
import type { HistoryEvent } from '../lib/local/runner';
import { LocalSession } from '../lib/local/session';
import { CrossingMindsSimulator } from '../lib/local/simulators/crossing-minds';
import type { HttpSimulator } from '../lib/local/simulators/http-simulator';
import { TamrMasteringSimulator } from '../lib/local/simulators/tamr-mastering';
import { VirtualClock, waitSeconds } from '../lib/local/virtual-clock';

export const DURATIONS = [
  { label: '1 min', seconds: 60 },
  { label: '10 min', seconds: 600 },
  { label: '1 h', seconds: 3600 },
  { label: '4 h', seconds: 14_400 },
] as const;

/**
 * The two polling configurations compared; the timeout is raised so the 4-hour job can finish.
 * Neither learns from its durations (bench/learned.ts measures that): each length is a new job.
 */
export const STRATEGIES = {
  fixed: { label: '(a) fixed 30 s', polling: { initialIntervalSeconds: 30, maxIntervalSeconds: 30, backoffRate: 1 } },
  adaptive: { label: '(b) adaptive (default)', polling: {} },
} as const;
export type Strategy = keyof typeof STRATEGIES;

const TIMEOUT_MINUTES = 300;

/** The APIs compared: how a pipeline of one job reads in pipelines.yaml, and its simulator. */
export const APIS = {
  'tamr-mastering': {
    label: 'Tamr Mastering refresh (reports a state only)',
    subject: 'unified dataset',
    secret: { name: 'continuum/bench-tamr', value: { username: 'admin', password: 'dt' } },
    pipeline: `    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/bench-tamr
    steps:
      - kind: refreshUnifiedDataset
        project: "1"
`,
    simulator: (durationMs: number, clock: () => number): HttpSimulator => new TamrMasteringSimulator({ operationDurationMs: durationMs, clock }),
  },
  'crossing-minds': {
    label: 'Crossing Minds reco_export (reports progress)',
    subject: 'reco export task',
    secret: { name: 'continuum/bench-crossing-minds', value: { token: 'cm-demo-jwt' } },
    pipeline: `    system: crossing-minds
    baseUrl: https://api.crossingminds.com
    secretName: continuum/bench-crossing-minds
    steps:
      - kind: backgroundTask
        taskName: reco_export
        context: { input_table: { connection: S3, name: users.csv }, reco_params: { amt: 10 }, output_table: { connection: LOCAL, name: recos.csv } }
`,
    simulator: (durationMs: number, clock: () => number): HttpSimulator => new CrossingMindsSimulator({ taskDurationMs: durationMs, clock }),
  },
} as const;
export type Api = keyof typeof APIS;

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
  readonly api: Api;
  /** The status handler places checks from the job's progress (latency then is what was measured). */
  readonly estimates: boolean;
  readonly duration: string;
  readonly durationSeconds: number;
  readonly fixed: PollingRun;
  readonly adaptive: PollingRun;
  /** (b) / (a). */
  readonly ratio: { readonly stateTransitions: number; readonly lambdaInvocations: number; readonly latency: number | null };
  readonly targets: {
    /** Transitions per job-hour of (b) ≤ 25 % of (a). */
    readonly transitions: boolean;
    /**
     * Latency of (b) ≤ 10 % of the job's run time, capped by the max interval: worst case for a
     * schedule, measured when checks follow the job's progress (no blind wait to bound).
     */
    readonly latency: boolean;
    readonly latencyAllowanceSeconds: number;
  };
}

function benchConfig(): LoadedConfig {
  const pipelines = Object.entries(APIS).flatMap(([api, { pipeline }]) =>
    Object.entries(STRATEGIES).map(
      ([strategy, { polling }]) => `  - name: ${api}-${strategy}\n    polling: ${JSON.stringify({ ...polling, timeoutMinutes: TIMEOUT_MINUTES, learnFromHistory: false })}\n${pipeline}`,
    ),
  );
  return parseConfig(`pipelines:\n${pipelines.join('')}`, 'bench-pipelines.yaml');
}

export async function benchPolling(log: (line: string) => void = () => undefined): Promise<PollingComparison[]> {
  const secrets = Object.fromEntries(Object.values(APIS).map(({ secret }) => [secret.name, secret.value]));
  const session = await LocalSession.open(benchConfig(), secrets);
  try {
    const comparisons: PollingComparison[] = [];
    for (const api of Object.keys(APIS) as Api[]) {
      log(`  ${APIS[api].label}`);
      for (const duration of DURATIONS) {
        const fixed = await runOnce(session, api, 'fixed', duration.seconds);
        log(`    ${duration.label.padEnd(6)} ${STRATEGIES.fixed.label}: ${fixed.checks} checks (${fixed.realMs} ms)`);
        const adaptive = await runOnce(session, api, 'adaptive', duration.seconds);
        log(`    ${duration.label.padEnd(6)} ${STRATEGIES.adaptive.label}: ${adaptive.checks} checks (${adaptive.realMs} ms)`);
        const pipeline = session.pipeline(`${api}-adaptive`);
        const estimates = JSON.stringify(pipeline.definition).includes('check from its progress');
        const allowance = Math.min(0.1 * duration.seconds, pipeline.config.polling.maxIntervalSeconds);
        comparisons.push({
          api,
          estimates,
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
            latency: adaptive.latencySeconds <= allowance && (estimates || adaptive.worstLatencySeconds <= allowance),
            latencyAllowanceSeconds: allowance,
          },
        });
      }
    }
    return comparisons;
  } finally {
    await session.close();
  }
}

async function runOnce(session: LocalSession, api: Api, strategy: Strategy, durationSeconds: number): Promise<PollingRun> {
  const clock = new VirtualClock();
  const sim = APIS[api].simulator(durationSeconds * 1000, clock.now);
  const baseUrl = await sim.start();
  const pipeline = session.pipeline(`${api}-${strategy}`);
  const doneState = `${capitalize(APIS[api].subject)} done`;
  let doneAt: number | undefined;
  const began = performance.now();
  try {
    const report = await session.run(pipeline.config.name, {
      baseUrl,
      // No real waiting: the Wait's seconds go to the virtual clock instead.
      waitMs: 0,
      retryMs: 0,
      onEvent: clock.advanceOnWaits(pipeline, (event) => {
        if (event.type === 'StateEntered' && event.state?.name === doneState) doneAt = clock.now();
      }),
    });
    const submit = sim.requests.find((r) => r.method === 'POST');
    const checks = sim.requests.filter((r) => r.method === 'GET');
    if (report.status !== 'SUCCEEDED' || !submit || doneAt === undefined) {
      throw new Error(`bench run ${api} ${strategy} ${durationSeconds} s ended ${report.status}: ${report.error ?? ''} ${report.cause ?? ''}`);
    }
    const finishedAt = submit.at + durationSeconds * 1000;
    const checkTimes = checks.map((r) => (r.at - submit.at) / 1000);
    const expected = expectedCheckTimes(report.history, waitSeconds(pipeline));
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

/** When each status check should happen: the running sum of the waits before it. */
function expectedCheckTimes(history: HistoryEvent[], waitSeconds: (event: HistoryEvent) => number): number[] {
  let at = 0;
  return history.filter((e) => e.type === 'StateEntered' && e.state?.type === 'Wait').map((e) => (at += waitSeconds(e)));
}

function capitalize(text: string): string {
  return text[0].toUpperCase() + text.slice(1);
}
