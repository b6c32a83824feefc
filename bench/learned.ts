/**
 * Learned polling (#17): the real synthesized state machines, handlers and simulators on a
 * virtual clock (see bench/polling.ts), one local DynamoDB holding the step durations.
 *
 * Per duration (1 min ... 8 h), recurring jobs whose lengths vary ±20 % (seeded RNG): 10 runs teach
 * the history, then the same 10 measured lengths run on (a) fixed 30 s (the first 3 only: its
 * figures follow from the length), (b) today's adaptive schedule and (c) the learned one; (d) the
 * oracle checks once, at the exact end. (c) is measured after 5 histories taught from scratch, 50
 * runs in all: which 10 lengths a history happens to hold moves its window by about a check, and
 * one history's medians would measure that luck rather than the schedule. Plus a job twice its
 * usual length, and the first run (no history) against adaptive on the same length.
 *
 * Makespan: the seed's Tamr Cloud pipeline (7 source loads under the tenant's 5-job limit, then
 * data product, workflow, publish). Each job runs through the real state machine (a pipeline of
 * that one job, so the virtual clock is exact: it cannot run parallel Map iterations on one
 * clock) after 10 nights of history; the night's schedule is then composed as the load Map runs
 * it (an item starts when an earlier one is seen done, at most 5 at once) and compared with the
 * ideal (the same order and limit, each job seen the instant it ends) and the seed notebook
 * (serial, a check every 30 s). Five measured nights follow the ten of history (each adds to it, as
 * nights do); the figures are the median night's, every night's ratio is in the detail.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { parseConfig } from '../lib/config/load';
import { localDynamoDbClient } from '../lib/local/dynamodb';
import { LocalSession } from '../lib/local/session';
import type { HttpSimulator } from '../lib/local/simulators/http-simulator';
import { TamrCloudSimulator } from '../lib/local/simulators/tamr-cloud';
import { TamrMasteringSimulator } from '../lib/local/simulators/tamr-mastering';
import { VirtualClock } from '../lib/local/virtual-clock';

export const LEARNED_DURATIONS = [60, 600, 3600, 14_400, 28_800] as const;
const TRAINING_RUNS = 10;
const MEASURED_RUNS = 10;
/** Histories taught from scratch per duration; (c) is measured after each. */
const HISTORIES = 5;
const MEASURED_NIGHTS = 5;
const FIXED_RUNS = 3;
const JITTER = 0.2;
/** States a status check adds to a run (outcome Choice, schedule Pass, Wait, status Task). */
const CHECK_STATES = 4;

/** One row of `learnedPolling` in bench/results.json, as issue #17 names its fields. */
export interface LearnedRow {
  readonly durationSeconds: number;
  readonly checks: { readonly fixed30: number; readonly adaptive: number; readonly learned: number; readonly oracle: number };
  readonly latencySeconds: { readonly fixed30: number; readonly adaptive: number; readonly learned: number };
  readonly latencyPct: { readonly learned: number };
}

/** The rest of what the bench measured per duration (medians over the measured runs). */
export interface LearnedDetail {
  readonly durationSeconds: number;
  readonly stateTransitions: Strategies;
  readonly lambdaInvocations: Strategies;
  readonly worstLatencySeconds: Omit<Strategies, 'oracle'>;
  readonly twiceAsLong: { readonly seconds: number; readonly checks: number; readonly latencySeconds: number; readonly boundSeconds: number; readonly adaptiveLatencySeconds: number; readonly withinBound: boolean };
  readonly firstRun: { readonly seconds: number; readonly checks: number; readonly latencySeconds: number; readonly adaptiveChecks: number; readonly adaptiveLatencySeconds: number };
  /** (c)'s medians after each history alone (10 runs each): the spread the pooled figure averages out. */
  readonly perHistory: ReadonlyArray<{ readonly checks: number; readonly latencyPct: number }>;
  /** (c)'s mean latency, % of each job's length. */
  readonly meanLatencyPct: number;
}
type Strategies = { readonly fixed30: number; readonly adaptive: number; readonly learned: number; readonly oracle: number };

export interface Makespan {
  readonly idealSeconds: number;
  readonly continuumSeconds: number;
  readonly notebookSeconds: number;
}
export interface MakespanDetail extends Makespan {
  readonly jobs: ReadonlyArray<{ readonly job: string; readonly seconds: number; readonly seenAfterSeconds: number; readonly checks: number }>;
  readonly continuumRatio: number;
  readonly notebookRatio: number;
  /** Continuum's ratio to ideal on every measured night, in order (the figures above are the median night's). */
  readonly nightlyRatios: readonly number[];
}

export interface LearnedBench {
  readonly learnedPolling: LearnedRow[];
  readonly learnedPollingDetail: LearnedDetail[];
  readonly makespan: Makespan;
  readonly makespanDetail: MakespanDetail;
}

const TAMR_SECRET = { name: 'continuum/bench-tamr', value: { username: 'admin', password: 'dt' } };
const CLOUD_SECRET = { name: 'continuum/bench-cloud', value: 'apk_local_demo' };
const TIMEOUT_MINUTES = 1200;

/** The seed pipeline's jobs and their usual minutes (the loads vary, as sources do). */
const SEED_JOBS = [
  ...(
    [
      ['src_crm_accounts', 12],
      ['src_erp_customers', 25],
      ['src_web_signups', 6],
      ['src_support_contacts', 9],
      ['src_billing_accounts', 18],
      ['src_marketing_leads', 4],
      ['src_partner_directory', 30],
    ] as const
  ).map(([source, minutes]) => ({ name: `load ${source}`, pipeline: `cloud-load-${source.slice(4).replace(/_/g, '-')}`, step: `      - kind: load\n        sourceIds: [${source}]\n`, minutes, parallel: true })),
  { name: 'update data product', pipeline: 'cloud-data-product', step: '      - kind: updateDataProduct\n        dataProductId: dp_customer_mastering\n', minutes: 20, parallel: false },
  { name: 'update workflow', pipeline: 'cloud-workflow', step: '      - kind: updateWorkflow\n        workflowId: flow_realtime_customers\n', minutes: 8, parallel: false },
  { name: 'publish', pipeline: 'cloud-publish', step: '      - kind: publish\n        destinationId: Golden Records to S3\n        dataProductId: dp_customer_mastering\n', minutes: 5, parallel: false },
];
const JOB_LIMIT = 5;

function benchConfig() {
  const tamr = (name: string, polling: string) => `  - name: ${name}
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: ${TAMR_SECRET.name}
    polling: ${polling}
    steps:
      - kind: refreshUnifiedDataset
        project: "1"
`;
  // The seed pipeline's polling (pipelines.yaml tamr-cloud-demo), one job per pipeline.
  const cloud = SEED_JOBS.map(
    (job) => `  - name: ${job.pipeline}
    system: tamr-cloud
    tenant: my-tenant
    secretName: ${CLOUD_SECRET.name}
    jobLimit: ${JOB_LIMIT}
    polling: { initialIntervalSeconds: 30, maxIntervalSeconds: 300, backoffRate: 2, timeoutMinutes: 240 }
    steps:
${job.step}`,
  );
  const yaml = `pipelines:
${tamr('tm-fixed30', `{ initialIntervalSeconds: 30, maxIntervalSeconds: 30, backoffRate: 1, timeoutMinutes: ${TIMEOUT_MINUTES}, learnFromHistory: false }`)}${tamr('tm-adaptive', `{ timeoutMinutes: ${TIMEOUT_MINUTES}, learnFromHistory: false }`)}${tamr('tm-learned', `{ timeoutMinutes: ${TIMEOUT_MINUTES} }`)}${cloud.join('')}`;
  return parseConfig(yaml, 'bench-learned.yaml');
}

interface Measured {
  readonly checks: number;
  readonly transitions: number;
  readonly lambdas: number;
  readonly latencySeconds: number;
  /** Seconds from the submit to the job being seen done. */
  readonly seenAfterSeconds: number;
}

/** One run of a one-job pipeline whose remote job takes `seconds`, on its own virtual clock. */
async function measure(session: LocalSession, name: string, seconds: number): Promise<Measured> {
  const clock = new VirtualClock();
  const pipeline = session.pipeline(name);
  const tamr = pipeline.config.system === 'tamr-mastering';
  const sim: HttpSimulator = tamr
    ? new TamrMasteringSimulator({ operationDurationMs: seconds * 1000, clock: clock.now })
    : new TamrCloudSimulator({ jobDurationMs: seconds * 1000, clock: clock.now });
  const url = await sim.start();
  const { done, status } = pipeline.jobs[0].states;
  let doneAt: number | undefined;
  let checks = 0;
  try {
    const report = await session.run(name, {
      baseUrl: tamr ? url : `${url}/api/v1beta1`,
      waitMs: 0,
      retryMs: 0,
      onEvent: clock.advanceOnWaits(pipeline, (event) => {
        if (event.type !== 'StateEntered') return;
        if (event.state?.name === done) doneAt = clock.now();
        if (event.state?.name === status) checks += 1;
      }),
    });
    const submit = sim.requests.find((r) => r.method === 'POST');
    if (report.status !== 'SUCCEEDED' || !submit || doneAt === undefined) throw new Error(`bench run ${name} ${seconds} s ended ${report.status}: ${report.error ?? ''} ${report.cause ?? ''}`);
    const seenAfterSeconds = (doneAt - submit.at) / 1000;
    return { checks, transitions: report.stateTransitions, lambdas: report.lambdaInvocations, latencySeconds: seenAfterSeconds - seconds, seenAfterSeconds };
  } finally {
    await sim.stop();
  }
}

export async function benchLearned(log: (line: string) => void = () => undefined): Promise<LearnedBench> {
  const session = await LocalSession.open(benchConfig(), { [TAMR_SECRET.name]: TAMR_SECRET.value, [CLOUD_SECRET.name]: CLOUD_SECRET.value });
  const random = seeded(17);
  const jitter = (seconds: number) => Math.round(seconds * (1 - JITTER + 2 * JITTER * random()));
  const forget = async (key: string) => {
    const table = session.app.durationTables[0].tableName;
    await localDynamoDbClient(session.dynamoDbEndpoint!).send(new DeleteItemCommand({ TableName: table, Key: { step: { S: key } } }));
  };
  try {
    const rows: LearnedRow[] = [];
    const details: LearnedDetail[] = [];
    for (const duration of LEARNED_DURATIONS) {
      const fixed: Measured[] = [];
      const adaptive: Measured[] = [];
      const learned: Measured[] = [];
      const learnedLengths: number[] = [];
      const perHistory: LearnedDetail['perHistory'][number][] = [];
      let first: { training: number[]; taught: Measured[]; adaptive: Measured } | undefined;
      for (let h = 0; h < HISTORIES; h++) {
        await forget('tm-learned/refreshUnifiedDataset');
        const training = Array.from({ length: TRAINING_RUNS }, () => jitter(duration));
        const measuredLengths = Array.from({ length: MEASURED_RUNS }, () => jitter(duration));
        const taught: Measured[] = [];
        for (const seconds of training) taught.push(await measure(session, 'tm-learned', seconds));
        const runs: Measured[] = [];
        for (const seconds of measuredLengths) runs.push(await measure(session, 'tm-learned', seconds));
        learned.push(...runs);
        learnedLengths.push(...measuredLengths);
        perHistory.push({ checks: median(runs.map((r) => r.checks)), latencyPct: round(median(runs.map((r, i) => (100 * r.latencySeconds) / measuredLengths[i])), 2) });
        if (h > 0) continue;
        // The schedules that do not learn, on the first history's lengths.
        first = { training, taught, adaptive: await measure(session, 'tm-adaptive', training[0]) };
        for (const [i, seconds] of measuredLengths.entries()) {
          if (i < FIXED_RUNS) fixed.push(await measure(session, 'tm-fixed30', seconds));
          adaptive.push(await measure(session, 'tm-adaptive', seconds));
        }
      }
      const { training, taught, adaptive: firstAdaptive } = first!;
      const latencyPcts = learned.map((r, i) => (100 * r.latencySeconds) / learnedLengths[i]);
      const twice = await measure(session, 'tm-learned', 2 * duration);
      const twiceAdaptive = await measure(session, 'tm-adaptive', 2 * duration);
      const oracle = (runs: Measured[]) => median(runs.map((r) => r.transitions - (r.checks - 1) * CHECK_STATES));
      const row: LearnedRow = {
        durationSeconds: duration,
        checks: { fixed30: median(fixed.map((r) => r.checks)), adaptive: median(adaptive.map((r) => r.checks)), learned: median(learned.map((r) => r.checks)), oracle: 1 },
        latencySeconds: { fixed30: median(fixed.map((r) => r.latencySeconds)), adaptive: median(adaptive.map((r) => r.latencySeconds)), learned: median(learned.map((r) => r.latencySeconds)) },
        latencyPct: { learned: round(median(latencyPcts), 2) },
      };
      const bound = Math.min(0.1 * 2 * duration, 300);
      rows.push(row);
      details.push({
        durationSeconds: duration,
        stateTransitions: { fixed30: median(fixed.map((r) => r.transitions)), adaptive: median(adaptive.map((r) => r.transitions)), learned: median(learned.map((r) => r.transitions)), oracle: oracle(adaptive) },
        lambdaInvocations: { fixed30: median(fixed.map((r) => r.lambdas)), adaptive: median(adaptive.map((r) => r.lambdas)), learned: median(learned.map((r) => r.lambdas)), oracle: 2 },
        worstLatencySeconds: { fixed30: Math.max(...fixed.map((r) => r.latencySeconds)), adaptive: Math.max(...adaptive.map((r) => r.latencySeconds)), learned: Math.max(...learned.map((r) => r.latencySeconds)) },
        twiceAsLong: { seconds: 2 * duration, checks: twice.checks, latencySeconds: twice.latencySeconds, boundSeconds: bound, adaptiveLatencySeconds: twiceAdaptive.latencySeconds, withinBound: twice.latencySeconds <= bound },
        firstRun: { seconds: training[0], checks: taught[0].checks, latencySeconds: taught[0].latencySeconds, adaptiveChecks: firstAdaptive.checks, adaptiveLatencySeconds: firstAdaptive.latencySeconds },
        perHistory,
        meanLatencyPct: round(latencyPcts.reduce((sum, pct) => sum + pct, 0) / latencyPcts.length, 2),
      });
      log(`    ${duration} s: checks ${row.checks.fixed30} / ${row.checks.adaptive} / ${row.checks.learned}, latency ${row.latencySeconds.learned} s (${row.latencyPct.learned} %)`);
    }
    log('  Makespan: 10 nights of history for each job of the seed Tamr Cloud pipeline, then 5 measured nights ...');
    const makespanDetail = await benchMakespan(session, jitter);
    const { idealSeconds, continuumSeconds, notebookSeconds } = makespanDetail;
    return { learnedPolling: rows, learnedPollingDetail: details, makespan: { idealSeconds, continuumSeconds, notebookSeconds }, makespanDetail };
  } finally {
    await session.close();
  }
}

async function benchMakespan(session: LocalSession, jitter: (seconds: number) => number): Promise<MakespanDetail> {
  for (let night = 0; night < TRAINING_RUNS; night++) for (const job of SEED_JOBS) await measure(session, job.pipeline, jitter(job.minutes * 60));
  const nights: Omit<MakespanDetail, 'nightlyRatios'>[] = [];
  for (let night = 0; night < MEASURED_NIGHTS; night++) nights.push(await measureNight(session, jitter));
  const ratios = nights.map((n) => n.continuumRatio);
  const middle = [...nights].sort((a, b) => a.continuumRatio - b.continuumRatio)[Math.floor(nights.length / 2)];
  return { ...middle, nightlyRatios: ratios };
}

/** One night of the seed pipeline: each job on the real state machine, composed as the Map runs them. */
async function measureNight(session: LocalSession, jitter: (seconds: number) => number): Promise<Omit<MakespanDetail, 'nightlyRatios'>> {
  const jobs: Array<MakespanDetail['jobs'][number] & { parallel: boolean }> = [];
  for (const job of SEED_JOBS) {
    const seconds = jitter(job.minutes * 60);
    const run = await measure(session, job.pipeline, seconds);
    jobs.push({ job: job.name, seconds, seenAfterSeconds: run.seenAfterSeconds, checks: run.checks, parallel: job.parallel });
  }
  const loads = jobs.filter((j) => j.parallel);
  const serial = jobs.filter((j) => !j.parallel);
  const schedule = (take: (j: (typeof jobs)[number]) => number) => listSchedule(loads.map(take), JOB_LIMIT) + serial.reduce((sum, j) => sum + take(j), 0);
  const idealSeconds = schedule((j) => j.seconds);
  const continuumSeconds = schedule((j) => j.seenAfterSeconds);
  // The notebook submits each job and checks at once, then every 30 s until it is done.
  const notebookSeconds = jobs.reduce((sum, j) => sum + Math.ceil(j.seconds / 30) * 30, 0);
  return {
    idealSeconds,
    continuumSeconds,
    notebookSeconds,
    jobs: jobs.map(({ parallel: _parallel, ...j }) => j),
    continuumRatio: round(continuumSeconds / idealSeconds, 3),
    notebookRatio: round(notebookSeconds / idealSeconds, 3),
  };
}

/** When the last of `lengths` ends, started in order on `slots` slots, each as soon as one is free (the Map's MaxConcurrency). */
export function listSchedule(lengths: readonly number[], slots: number): number {
  const free = Array.from({ length: slots }, () => 0);
  for (const length of lengths) {
    const slot = free.indexOf(Math.min(...free));
    free[slot] += length;
  }
  return Math.max(...free);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

/** mulberry32: the same lengths on every run of the bench. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
