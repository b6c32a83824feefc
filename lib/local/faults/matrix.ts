/**
 * The fault-injection matrix: every system's example pipeline (pipelines.yaml), executed locally
 * against its simulator while the simulator misbehaves the way real APIs do — 429 bursts, 5xx
 * HTML pages, connection resets, a hang past the HTTP timeout, truncated and wrongly shaped
 * answers, a job that disappears, a job that ends failed.
 *
 * Every case must end: SUCCEEDED when the fault is transient and the retry budget covers it, or
 * FAILED with a named error and a cause a person can act on (the call, the status, the vendor's
 * message). A case that has not ended after `caseTimeoutMs` is aborted and reported STUCK.
 * `test/e2e/faults.test.ts` asserts the matrix; `npm run faults` prints it as a table.
 */
import { randomBytes } from 'node:crypto';
import type { LoadedConfig } from '../../config/load';
import { SYSTEMS, type PipelineConfig, type SystemName } from '../../config/schema';
import { DEMOS } from '../demo';
import type { RunReport } from '../runner';
import { LocalSession } from '../session';
import { htmlErrorPage, type Fault, type HttpSimulator } from '../simulators/http-simulator';
import { HARNESSES, type CallTarget, type SystemHarness } from './systems';

/** How a case must end. */
export type Expectation =
  | {
      readonly status: 'SUCCEEDED';
      /** Retries the fault must have cost at least (StateRetried events). */
      readonly retries: number;
      /** Calls that must have met the fault (the simulator's request log proves it was hit). */
      readonly hits: { readonly target: CallTarget; readonly status: number | undefined; readonly count: number };
    }
  | {
      readonly status: 'FAILED';
      readonly error: string;
      /** Fragments the cause must contain (the call, the status, the vendor's own words). */
      readonly causeContains: readonly string[];
      readonly retries?: number;
    };

export interface FaultCaseContext {
  readonly harness: SystemHarness;
  readonly pipeline: PipelineConfig;
  readonly sim: HttpSimulator;
}

export interface FaultCase {
  readonly name: string;
  /** Inject the fault (or turn the simulator knob) and say how the run must end. */
  arrange(context: FaultCaseContext): Expectation;
}

/** One cell of the matrix. */
export interface CaseResult {
  readonly system: SystemName;
  readonly pipeline: string;
  readonly case: string;
  readonly status: RunReport['status'] | 'STUCK';
  readonly error?: string;
  readonly cause?: string;
  /** Retries the state machine spent: StateRetried events and submits sent again after a lost answer. */
  readonly retries: number;
  readonly ms: number;
  readonly expected: Expectation;
  /** Why the outcome does not meet the expectation; empty when it does. */
  readonly problems: string[];
  readonly report?: RunReport;
}

const html = (status: number, reason: string): Fault => ({ kind: 'status', status, body: htmlErrorPage(status, reason), contentType: 'text/html' });
const REASONS: Record<number, string> = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

/** A burst of `count` 5xx pages on `which` call, shorter than the transient retry budget. */
function burst5xx(status: 500 | 502 | 503, which: 'submit' | 'status'): FaultCase {
  return {
    name: `${status} HTML ×2 on ${which}`,
    arrange: ({ harness, pipeline, sim }) => {
      const count = Math.min(2, pipeline.retry.transient.maxAttempts);
      const target = harness[which];
      sim.injectFault({ fault: html(status, REASONS[status]), method: target.method, path: target.path, times: count });
      return { status: 'SUCCEEDED', retries: count, hits: { target, status, count } };
    },
  };
}

/** 5xx pages on every call of `which` kind: the transient budget runs out. */
function persistent5xx(status: 500 | 502 | 503, which: 'submit' | 'status'): FaultCase {
  return {
    name: `${status} HTML persistent on ${which}`,
    arrange: ({ harness, pipeline, sim }) => {
      const target = harness[which];
      sim.injectFault({ fault: html(status, REASONS[status]), method: target.method, path: target.path, times: Infinity });
      return {
        status: 'FAILED',
        error: 'TransientApiError',
        causeContains: [target.inCause, `answered ${status}`, `${status} ${REASONS[status]}`],
        retries: pipeline.retry.transient.maxAttempts,
      };
    },
  };
}

export const FAULT_CASES: readonly FaultCase[] = [
  {
    name: '429 burst ×3 on submit',
    arrange: ({ harness, pipeline, sim }) => {
      const count = Math.min(3, pipeline.retry.rateLimited.maxAttempts);
      const target = harness.submit;
      sim.injectFault({
        fault: { kind: 'status', status: 429, body: '{"message":"Too many requests"}', contentType: 'application/json', headers: { 'retry-after': '1' } },
        method: target.method,
        path: target.path,
        times: count,
      });
      return { status: 'SUCCEEDED', retries: count, hits: { target, status: 429, count } };
    },
  },
  burst5xx(500, 'submit'),
  burst5xx(502, 'status'),
  burst5xx(503, 'status'),
  persistent5xx(503, 'status'),
  persistent5xx(502, 'submit'),
  {
    name: 'connection reset on submit',
    arrange: ({ harness, sim }) => {
      const target = harness.submit;
      sim.injectFault({ fault: { kind: 'reset' }, method: target.method, path: target.path, times: 1 });
      return { status: 'SUCCEEDED', retries: 1, hits: { target, status: undefined, count: 1 } };
    },
  },
  {
    name: 'connection reset persistent on status',
    arrange: ({ harness, pipeline, sim }) => {
      const target = harness.status;
      sim.injectFault({ fault: { kind: 'reset' }, method: target.method, path: target.path, times: Infinity });
      return { status: 'FAILED', error: 'TransientApiError', causeContains: [target.inCause, 'connection reset by 127.0.0.1:'], retries: pipeline.retry.transient.maxAttempts };
    },
  },
  {
    name: 'hang past HTTP timeout on status',
    arrange: ({ harness, sim }) => {
      const target = harness.status;
      sim.injectFault({ fault: { kind: 'hang' }, method: target.method, path: target.path, times: 1 });
      return { status: 'SUCCEEDED', retries: 1, hits: { target, status: undefined, count: 1 } };
    },
  },
  {
    name: 'truncated body on status',
    arrange: ({ harness, sim }) => {
      const target = harness.status;
      sim.injectFault({ fault: { kind: 'malformed', ...harness.truncated }, method: target.method, path: target.path, times: 1 });
      return { status: 'FAILED', error: 'MalformedResponse', causeContains: [target.inCause] };
    },
  },
  {
    name: 'schema-breaking body on status',
    arrange: ({ harness, sim }) => {
      const target = harness.status;
      sim.injectFault({ fault: { kind: 'malformed', ...harness.wrongShape }, method: target.method, path: target.path, times: 1 });
      return { status: 'FAILED', error: 'MalformedResponse', causeContains: [target.inCause] };
    },
  },
  {
    name: 'job disappears (404 while polling)',
    arrange: ({ harness, sim }) => {
      const { disappears } = harness;
      const fault: Fault = { kind: 'status', status: 404, body: disappears.answer.body, contentType: disappears.answer.contentType };
      sim.injectFault({ fault, method: disappears.method, path: disappears.path, times: 1 });
      return { status: 'FAILED', error: 'NotFound', causeContains: [disappears.inCause, 'answered 404', disappears.causeContains] };
    },
  },
  {
    name: 'job ends failed',
    arrange: ({ harness, sim }) => {
      const failure = harness.failJob(sim);
      return { status: 'FAILED', error: failure.error, causeContains: [failure.causeContains] };
    },
  },
];

export interface FaultMatrixOptions {
  /** Milliseconds every Wait state pauses (default 20). */
  readonly waitMs?: number;
  /** Milliseconds before every retry (default 10). */
  readonly retryMs?: number;
  /** Real time a simulated job takes (default 150 ms). */
  readonly jobMs?: number;
  /** A case still running after this long is aborted and reported STUCK (default 60 s). */
  readonly caseTimeoutMs?: number;
}

/**
 * The example pipelines with `http.timeoutSeconds: 3`, a local session for all of them, and a
 * watch on uncaught exceptions and unhandled rejections while the matrix is open.
 */
export class FaultMatrix {
  /** Uncaught exceptions and unhandled rejections seen since `open`. */
  readonly uncaught: unknown[] = [];
  private readonly onUncaught = (error: unknown) => void this.uncaught.push(error);

  private constructor(
    readonly session: LocalSession,
    /** The pipeline each system's cases run. */
    readonly pipelines: ReadonlyMap<SystemName, PipelineConfig>,
    private readonly credential: string,
    private readonly options: Required<FaultMatrixOptions>,
  ) {
    process.on('uncaughtException', this.onUncaught);
    process.on('unhandledRejection', this.onUncaught);
  }

  /** Every system's example pipeline of `config` (the demo's, else its first of that system). */
  static async open(config: LoadedConfig, options: FaultMatrixOptions = {}): Promise<FaultMatrix> {
    const pipelines = new Map<SystemName, PipelineConfig>();
    for (const system of SYSTEMS) {
      const demo = DEMOS[system].pipeline;
      const pipeline = config.pipelines.find((p) => p.name === demo) ?? config.pipelines.find((p) => p.system === system);
      if (!pipeline) throw new Error(`no ${system} pipeline in ${config.file}: the fault matrix runs each system's example pipeline`);
      // A hang costs one HTTP timeout: keep it short, but every other call has it too, and a
      // loaded machine must not turn a slow local answer into a timeout (a starved process can take 1 s).
      pipelines.set(system, { ...pipeline, http: { ...pipeline.http, timeoutSeconds: 3 } } as PipelineConfig);
    }
    const credential = `faults-${randomBytes(6).toString('hex')}`;
    const secrets = Object.fromEntries([...pipelines.values()].map((p) => [p.secretName, HARNESSES[p.system].secret(p, credential)]));
    const session = await LocalSession.open({ ...config, pipelines: [...pipelines.values()] }, secrets);
    return new FaultMatrix(session, pipelines, credential, {
      waitMs: options.waitMs ?? 20,
      retryMs: options.retryMs ?? 10,
      jobMs: options.jobMs ?? 150,
      caseTimeoutMs: options.caseTimeoutMs ?? 60_000,
    });
  }

  /** Every cell: system × case. */
  cells(): Array<{ system: SystemName; faultCase: FaultCase }> {
    return [...this.pipelines.keys()].flatMap((system) => FAULT_CASES.map((faultCase) => ({ system, faultCase })));
  }

  /** Run one case against a fresh simulator. Never rejects for the run's sake; STUCK if it does not end. */
  async run(system: SystemName, faultCase: FaultCase): Promise<CaseResult> {
    const harness = HARNESSES[system];
    const pipeline = this.pipelines.get(system)!;
    const sim = harness.simulator({ credential: this.credential, pipeline, jobMs: this.options.jobMs });
    const root = await sim.start();
    const started = Date.now();
    try {
      const expected = faultCase.arrange({ harness, pipeline, sim });
      const execution = this.session.start(pipeline.name, {
        baseUrl: harness.baseUrl(root),
        input: harness.input,
        waitMs: this.options.waitMs,
        retryMs: this.options.retryMs,
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), this.options.caseTimeoutMs);
      });
      const ended = await Promise.race([execution.done, timedOut]);
      clearTimeout(timer);
      if (ended === 'timeout') {
        execution.abort();
        const report = await execution.done;
        return this.result(system, pipeline, faultCase, expected, started, sim, report, true);
      }
      return this.result(system, pipeline, faultCase, expected, started, sim, ended, false);
    } finally {
      await sim.stop();
    }
  }

  async close(): Promise<void> {
    process.off('uncaughtException', this.onUncaught);
    process.off('unhandledRejection', this.onUncaught);
    await this.session.close();
  }

  private result(
    system: SystemName,
    pipeline: PipelineConfig,
    faultCase: FaultCase,
    expected: Expectation,
    started: number,
    sim: HttpSimulator,
    report: RunReport,
    stuck: boolean,
  ): CaseResult {
    // Retries: StateRetried events, and submits sent again after a lost answer (a job with
    // `lostSubmit` looks for its job instead of retrying the submit, then enters the submit state
    // again: every entry after the first, per Map item, is one).
    const resubmitting = new Set(this.session.pipeline(pipeline.name).jobs.filter((job) => job.states.lostSubmitWait).map((job) => job.states.submit));
    const submitEntries = new Map<string, number>();
    let retries = 0;
    for (const event of report.history) {
      if (event.type === 'StateRetried') retries += 1;
      if (event.type !== 'StateEntered' || !resubmitting.has(event.state?.name ?? '')) continue;
      const key = `${event.state!.name}#${event.index ?? ''}`;
      const entries = (submitEntries.get(key) ?? 0) + 1;
      submitEntries.set(key, entries);
      if (entries > 1) retries += 1;
    }
    const status = stuck ? 'STUCK' : report.status;
    const problems = stuck ? [`did not end within ${this.options.caseTimeoutMs / 1000} s (aborted)`] : judge(expected, report, retries, sim);
    return {
      system,
      pipeline: pipeline.name,
      case: faultCase.name,
      status,
      ...(report.error ? { error: report.error } : {}),
      ...(report.cause ? { cause: report.cause } : {}),
      retries,
      ms: Date.now() - started,
      expected,
      problems,
      report,
    };
  }
}

/** Why a run's outcome does not meet the expectation (empty when it does). */
export function judge(expected: Expectation, report: RunReport, retries: number, sim: HttpSimulator): string[] {
  const problems: string[] = [];
  const outcome = `${report.status}${report.error ? ` ${report.error}: ${report.cause}` : ''}`;
  if (report.status !== expected.status) problems.push(`expected ${expected.status}, got ${outcome}`);
  if (expected.status === 'SUCCEEDED') {
    const { target, status, count } = expected.hits;
    const hit = sim.requestsTo(target.method, target.path).filter((r) => r.status === status).length;
    if (hit < count) problems.push(`the fault was hit ${hit} times, expected ${count} (${target.method} ${String(target.path)})`);
    if (retries < expected.retries) problems.push(`expected at least ${expected.retries} retries, got ${retries}`);
  } else {
    if (report.error !== expected.error) problems.push(`expected error ${expected.error}, got ${report.error ?? 'none'}`);
    problems.push(...causeProblems(report.cause, expected.causeContains));
    if (expected.retries !== undefined && retries < expected.retries) problems.push(`expected at least ${expected.retries} retries, got ${retries}`);
  }
  if (report.cleanup.failed.length > 0) problems.push(`cleanup could not stop ${report.cleanup.failed.map((f) => `${f.jobId} (${f.error})`).join(', ')}`);
  return problems;
}

/** A cause a person can act on: text (not an object dump) that names the call or the remote message. */
export function causeProblems(cause: string | undefined, fragments: readonly string[]): string[] {
  if (!cause || !cause.trim()) return ['the cause is empty'];
  const problems: string[] = [];
  if (/\[object Object\]|^undefined$|^null$/.test(cause)) problems.push(`the cause is not readable: ${cause}`);
  if (isJsonValue(cause)) problems.push(`the cause is raw JSON: ${cause}`);
  for (const fragment of fragments) if (!cause.includes(fragment)) problems.push(`the cause does not contain '${fragment}': ${cause}`);
  return problems;
}

function isJsonValue(text: string): boolean {
  try {
    return typeof JSON.parse(text) === 'object';
  } catch {
    return false;
  }
}

// ---- the printed table ----

/** One cell's text: the outcome and retries, marked ✔ when it met its expectation. */
export function cellText(result: CaseResult): string {
  const mark = result.problems.length === 0 ? '✔' : '✖';
  const outcome = result.status === 'FAILED' ? (result.error ?? 'FAILED') : result.status;
  return `${mark} ${outcome} · ${result.retries} ${result.retries === 1 ? 'retry' : 'retries'}`;
}

/** case × system → outcome + error, retries used; then the causes and any problems, one per line. */
export function formatTable(results: readonly CaseResult[]): string {
  const systems = [...new Set(results.map((r) => r.system))];
  const cases = [...new Set(results.map((r) => r.case))];
  const byCell = new Map(results.map((r) => [`${r.system}\u0000${r.case}`, r]));
  const header = ['case', ...systems];
  const rows = cases.map((name) => [name, ...systems.map((system) => {
    const result = byCell.get(`${system}\u0000${name}`);
    return result ? cellText(result) : '—';
  })]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => [...row[i]].length)));
  const line = (row: string[]) => row.map((cell, i) => cell + ' '.repeat(widths[i] - [...cell].length)).join(' │ ');
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  const out = [line(header), rule, ...rows.map(line)];

  const failedRuns = results.filter((r) => r.status !== 'SUCCEEDED');
  if (failedRuns.length) {
    out.push('', 'Causes (what a person reads in the console):');
    for (const r of failedRuns) out.push(`  ${r.system} / ${r.case}: ${r.error ?? r.status}: ${(r.cause ?? '').replace(/\s+/g, ' ')}`);
  }
  const bad = results.filter((r) => r.problems.length > 0);
  out.push('', bad.length === 0 ? `All ${results.length} cases ended as expected.` : `${bad.length} of ${results.length} cases did not end as expected:`);
  for (const r of bad) out.push(`  ✖ ${r.system} / ${r.case}: ${r.problems.join('; ')}`);
  return out.join('\n');
}
