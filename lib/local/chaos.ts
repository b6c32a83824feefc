/**
 * The seeded chaos runs (#14 item 6): Tamr Cloud and Crossing Minds pipelines, with and without a
 * slot pool, each run against a fresh simulator on a virtual clock with faults drawn from the
 * simulators' kinds and an abort at a random history event, all chosen by the seed. After each
 * run: no remote job is left neither finished nor asked to stop, no configuration was submitted
 * twice, no tenant job slot is held. `test/chaos.test.ts` asserts it for fixed seeds; `npm run
 * chaos [-- --seed N]` prints the table (bin/chaos.ts).
 */
import { parseConfig } from '../config/load';
import type { RunReport } from './runner';
import { LocalSession } from './session';
import { CrossingMindsSimulator } from './simulators/crossing-minds';
import { htmlErrorPage, type Fault, type FaultRule, type HttpSimulator } from './simulators/http-simulator';
import { TamrCloudSimulator } from './simulators/tamr-cloud';
import { VirtualClock } from './virtual-clock';

export const FAULT_KINDS = ['429', '5xx', 'reset', 'hang', 'lostAnswer', 'failingJob', 'unknownSource', 'neverFinish'] as const;
export type ChaosFault = (typeof FAULT_KINDS)[number];

const SOURCES = ['src_a', 'src_b', 'src_c'];
const TASKS = ['data_import', 'reco_export'] as const;
const POOL = 'chaos-tenant';
const KEY = 'apk_chaos';

// Short budgets in virtual time (a never-finishing job times out after a few checks), one retry
// interval of a second (retryMs shortens it), and an HTTP timeout the runs shorten to 200 ms.
const COMMON = `
    polling: { initialIntervalSeconds: 5, maxIntervalSeconds: 5, backoffRate: 1, timeoutMinutes: 2 }
    retry:
      rateLimited: { intervalSeconds: 1, maxAttempts: 3, backoffRate: 1 }
      transient: { intervalSeconds: 1, maxAttempts: 2, backoffRate: 1 }
    http: { timeoutSeconds: 1 }`;
const tamrCloud = (name: string, pooled: boolean) => `
  - name: ${name}
    system: tamr-cloud
    tenant: chaos
    secretName: continuum/tamr-cloud
${pooled ? `    slotPool: ${POOL}\n` : ''}    jobLimit: 3${COMMON}
    steps:
      - kind: load
        sourceIds: [${SOURCES.join(', ')}]
      - kind: updateDataProduct
        dataProductId: dp_chaos`;
const crossingMinds = (name: string, pooled: boolean) => `
  - name: ${name}
    system: crossing-minds
    baseUrl: https://api.crossingminds.com
    secretName: continuum/crossing-minds
${pooled ? `    slotPool: ${POOL}\n` : ''}${COMMON.slice(1)}
    steps:
      - kind: backgroundTask
        taskName: data_import
        context: { connection: S3, table_name: items.csv }
      - kind: backgroundTask
        taskName: reco_export
        context:
          input_table: { connection: S3, name: users.csv }
          reco_params: { amt: 10 }
          output_table: { connection: LOCAL, name: out.parquet }`;

export const CHAOS_PIPELINES = ['cloud', 'cloud-pooled', 'cm', 'cm-pooled'] as const;
export const CHAOS_CONFIG = `slotPools:
  - { name: ${POOL}, limit: 2, waitSeconds: 1, maxWaitMinutes: 30 }
pipelines:${tamrCloud('cloud', false)}${tamrCloud('cloud-pooled', true)}${crossingMinds('cm', false)}${crossingMinds('cm-pooled', true)}
`;
const SECRETS = { 'continuum/tamr-cloud': { apiKey: KEY }, 'continuum/crossing-minds': { token: 'chaos-jwt', refreshToken: 'chaos-refresh' } };

/** A small fast PRNG (mulberry32): the same seed draws the same run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What a seed draws: the pipeline, the faults and the history event to abort at. */
export interface ChaosPlan {
  readonly seed: number;
  readonly pipeline: (typeof CHAOS_PIPELINES)[number];
  readonly faults: Array<{ kind: ChaosFault; target: 'submit' | 'status' | 'any'; times: number; pick: number }>;
  /** Abort when the history has this many events (undefined: no abort). */
  readonly abortAtEvent?: number;
}

export function planRun(seed: number): ChaosPlan {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const pipeline = CHAOS_PIPELINES[seed % CHAOS_PIPELINES.length];
  const kinds = pipeline.startsWith('cm') ? FAULT_KINDS.filter((k) => k !== 'unknownSource') : FAULT_KINDS;
  const faults = Array.from({ length: 1 + Math.floor(next() * 3) }, () => ({
    kind: pick(kinds),
    target: pick(['submit', 'status', 'any'] as const),
    times: 1 + Math.floor(next() * 2),
    pick: Math.floor(next() * 1000),
  }));
  // Most runs are aborted, somewhere between the start and well into the polling.
  const abortAtEvent = next() < 0.75 ? 2 + Math.floor(next() * 80) : undefined;
  return { seed, pipeline, faults, ...(abortAtEvent !== undefined ? { abortAtEvent } : {}) };
}

export interface ChaosResult {
  readonly plan: ChaosPlan;
  readonly status: RunReport['status'] | 'STUCK';
  readonly aborted: boolean;
  /** Remote jobs neither finished nor asked to stop after the run. */
  readonly jobsLeftRunning: string[];
  /** Configurations (source, data product, task) with more than one job. */
  readonly duplicateSubmits: string[];
  /** Slot holders left in the pool. */
  readonly slotsHeld: string[];
  readonly problems: string[];
  /** The run's report, for whoever debugs a seed. */
  readonly report: RunReport;
}

export interface ChaosOptions {
  /** A run still going after this long (real time) is aborted and counted a problem (default 30 s): every run is bounded. */
  readonly runBoundMs?: number;
}

const html = (status: number): Fault => ({ kind: 'status', status, body: htmlErrorPage(status, status === 502 ? 'Bad Gateway' : 'Service Unavailable'), contentType: 'text/html' });

export class ChaosLab {
  private constructor(
    private readonly session: LocalSession,
    private readonly options: Required<ChaosOptions>,
  ) {}

  static async open(options: ChaosOptions = {}): Promise<ChaosLab> {
    const session = await LocalSession.open(parseConfig(CHAOS_CONFIG, 'chaos-pipelines.yaml'), SECRETS);
    return new ChaosLab(session, { runBoundMs: options.runBoundMs ?? 30_000 });
  }

  async close(): Promise<void> {
    await this.session.close();
  }

  async run(seed: number): Promise<ChaosResult> {
    const plan = planRun(seed);
    const cloud = plan.pipeline.startsWith('cloud');
    const clock = new VirtualClock();
    const unknown = plan.faults.find((f) => f.kind === 'unknownSource');
    const sim: HttpSimulator = cloud
      ? new TamrCloudSimulator({ apiKey: KEY, clock: clock.now, jobDurationMs: 20_000, stopDelayMs: 2_000, ...(unknown ? { sources: SOURCES.filter((_, i) => i !== unknown.pick % SOURCES.length) } : {}) })
      : new CrossingMindsSimulator({ token: 'chaos-jwt', refreshToken: 'chaos-refresh', clock: clock.now, taskDurationMs: 20_000, cancelDelayMs: 2_000 });
    for (const fault of plan.faults) arrange(sim, fault, cloud);
    const root = await sim.start();
    try {
      const pipeline = this.session.pipeline(plan.pipeline);
      let events = 0;
      let aborted = false;
      const run = this.session.start(plan.pipeline, {
        baseUrl: cloud ? `${root}/api/v1beta1` : root,
        waitMs: 0,
        retryMs: 1,
        environment: { HTTP_TIMEOUT_MS: '200' },
        onEvent: clock.advanceOnWaits(pipeline, () => {
          events += 1;
          if (events === plan.abortAtEvent && !aborted) {
            aborted = true;
            run.abort();
          }
        }),
      });
      let bound: ReturnType<typeof setTimeout> | undefined;
      const stuck = await Promise.race([run.done.then(() => false), new Promise<boolean>((resolve) => (bound = setTimeout(() => resolve(true), this.options.runBoundMs)))]);
      clearTimeout(bound);
      if (stuck) run.abort();
      const report = await run.done;
      return await this.judge(plan, sim, report, aborted, stuck);
    } finally {
      await sim.stop();
    }
  }

  private async judge(plan: ChaosPlan, sim: HttpSimulator, report: RunReport, aborted: boolean, stuck: boolean): Promise<ChaosResult> {
    const { left, configurations } = remoteJobs(sim);
    const counts = new Map<string, number>();
    for (const c of configurations) counts.set(c, (counts.get(c) ?? 0) + 1);
    const duplicateSubmits = [...counts].filter(([, n]) => n > 1).map(([c, n]) => `${c} ×${n}`);
    const pooled = plan.pipeline.endsWith('pooled');
    const slotsHeld = pooled ? Object.keys((await this.session.slotPool(POOL)).holders) : [];
    const problems = [
      ...(stuck ? [`did not end within ${this.options.runBoundMs / 1000} s (aborted)`] : []),
      ...left.map((id) => `job ${id} left running`),
      ...duplicateSubmits.map((d) => `submitted twice: ${d}`),
      ...slotsHeld.map((h) => `slot held: ${h}`),
    ];
    return { plan, status: stuck ? 'STUCK' : report.status, aborted, jobsLeftRunning: left, duplicateSubmits, slotsHeld, problems, report };
  }
}

function arrange(sim: HttpSimulator, fault: ChaosPlan['faults'][number], cloud: boolean): void {
  const where: Pick<FaultRule, 'method' | 'path'> =
    fault.target === 'any'
      ? {}
      : fault.target === 'submit'
        ? { method: 'POST', path: cloud ? /\/jobs$/ : /^\/tasks\/private\/[a-z_]+\/$/ }
        : { method: 'GET', path: cloud ? /\/jobs\/[^/]+$/ : /^\/tasks\/private\/[a-z_]+\/[^/]+\/$/ };
  const http = (f: Fault) => sim.injectFault({ fault: f, times: fault.times, ...where });
  switch (fault.kind) {
    case '429':
      return void http({ kind: 'status', status: 429, body: '{"message":"Too many requests"}', contentType: 'application/json', headers: { 'retry-after': '1' } });
    case '5xx':
      return void http(html(fault.pick % 2 === 0 ? 502 : 503));
    case 'reset':
      return void http({ kind: 'reset' });
    case 'hang':
      return void http({ kind: 'hang' });
    case 'lostAnswer':
      return void sim.injectFault({ fault: { kind: 'lostAnswer' }, times: fault.times, method: 'POST', path: cloud ? /\/jobs$/ : /^\/tasks\/private\/[a-z_]+\/$/ });
    case 'unknownSource':
      return; // the simulator was built without that source
    case 'failingJob':
      if (sim instanceof TamrCloudSimulator) sim.failJobs((c) => c.load?.sourceId === SOURCES[fault.pick % SOURCES.length], { reason: 'INTERNAL', message: 'chaos: schema mismatch' });
      else (sim as CrossingMindsSimulator).failNext(TASKS[fault.pick % TASKS.length], 'chaos: task failed');
      return;
    case 'neverFinish':
      if (sim instanceof TamrCloudSimulator) sim.neverFinish((c) => c.load?.sourceId === SOURCES[fault.pick % SOURCES.length]);
      else (sim as CrossingMindsSimulator).neverFinishNext(TASKS[fault.pick % TASKS.length]);
      return;
  }
}

/** Jobs still running and not asked to stop, and one configuration key per job created. */
function remoteJobs(sim: HttpSimulator): { left: string[]; configurations: string[] } {
  if (sim instanceof TamrCloudSimulator) {
    const stops = new Set(sim.stopRequests);
    return {
      left: sim.jobs.filter((j) => j.status.state !== 'DONE' && !stops.has(j.jobId)).map((j) => j.jobId),
      configurations: sim.jobs.map((j) => JSON.stringify(j.configuration)),
    };
  }
  const cm = sim as CrossingMindsSimulator;
  const cancels = new Set(cm.cancelRequests.map((c) => c.task_id));
  return {
    left: cm.tasks.filter((t) => ['REQUEST_SENT', 'RUNNING'].includes(cm.statusOf(t)) && !cancels.has(t.task_id)).map((t) => t.task_id),
    configurations: cm.tasks.map((t) => t.name),
  };
}

// ---- the printed table ----

export function chaosTable(results: readonly ChaosResult[]): string {
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<ChaosFault, number>;
  for (const r of results) for (const f of r.plan.faults) faults[f.kind] += 1;
  const sum = (f: (r: ChaosResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const rows: Array<[string, string]> = [
    ['runs', String(results.length)],
    ...CHAOS_PIPELINES.map((p): [string, string] => [`  ${p}`, String(results.filter((r) => r.plan.pipeline === p).length)]),
    ['faults injected', String(sum((r) => r.plan.faults.length))],
    ...FAULT_KINDS.map((k): [string, string] => [`  ${k}`, String(faults[k])]),
    ['aborts', String(results.filter((r) => r.aborted).length)],
    ['outcomes', ['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT', 'STUCK'].map((s) => `${s} ${results.filter((r) => r.status === s).length}`).join(', ')],
    ['jobs left running', String(sum((r) => r.jobsLeftRunning.length))],
    ['duplicate submits', String(sum((r) => r.duplicateSubmits.length))],
    ['slots held', String(sum((r) => r.slotsHeld.length))],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  for (const r of results.filter((x) => x.problems.length > 0)) {
    lines.push(`✖ seed ${r.plan.seed} (${r.plan.pipeline}; ${describePlan(r.plan)}): ${r.problems.join('; ')} — reproduce: npm run chaos -- --seed ${r.plan.seed}`);
  }
  return lines.join('\n');
}

export function describePlan(plan: ChaosPlan): string {
  const faults = plan.faults.map((f) => `${f.kind}${['failingJob', 'neverFinish', 'unknownSource', 'lostAnswer'].includes(f.kind) ? '' : ` on ${f.target} ×${f.times}`}`).join(', ');
  return `${faults}; ${plan.abortAtEvent ? `abort at event ${plan.abortAtEvent}` : 'no abort'}`;
}
