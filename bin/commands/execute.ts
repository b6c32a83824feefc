/**
 * Running one pipeline locally with a progress view, then keeping the run for `continuum
 * history`: what `run` and `demo` share.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunJob } from '../../lib/local/history';
import type { ProgressView } from '../../lib/local/progress-view';
import type { RunReport } from '../../lib/local/runner';
import type { LocalSession } from '../../lib/local/session';
import { onInterrupt } from './interrupt';

export interface ExecuteOptions {
  readonly baseUrl?: string;
  readonly input: Record<string, unknown>;
  readonly waitMs?: number;
  readonly retryMs?: number;
  readonly json: boolean;
}

/** The run's report and the command's exit code: 0 succeeded, 1 failed, 130 interrupted by a signal. */
export async function execute(session: LocalSession, pipeline: string, options: ExecuteOptions): Promise<{ report: RunReport; exitCode: number }> {
  const { jsonReport, summaryLines } = await import('../../lib/local/progress');
  const { LiveProgress, plainProgress, progressMode } = await import('../../lib/local/progress-view');
  const { setLogSink } = await import('../../lambdas/shared/logger');
  const { baseUrlOf } = await import('../../lib/providers');
  const jobs = session.pipeline(pipeline).jobs; // throws UnknownPipelineError before anything runs
  // A run keeps its handlers' log lines (report.logs); a line written outside one goes to stderr,
  // never into stdout, which holds the progress or the one JSON document.
  setLogSink((line) => process.stderr.write(`${line}\n`));
  const started = Date.now();
  const live = !options.json && progressMode(process.stdout) === 'live';
  let view: ProgressView | undefined;
  const running = session.start(pipeline, {
    baseUrl: options.baseUrl,
    input: options.input,
    waitMs: options.waitMs,
    retryMs: options.retryMs,
    onEvent: options.json ? undefined : (event) => view?.onEvent(event),
  });
  // Events arrive asynchronously: the header and the view are in place before the first one.
  if (!options.json) {
    const { config } = running.pipeline;
    process.stdout.write(`Running '${config.name}' (${config.system}) against ${options.baseUrl ?? baseUrlOf(config)}\n  execution: ${running.executionArn.split(':').pop()}\n\n`);
    view = live ? new LiveProgress(jobs, started, process.stdout).start() : plainProgress(started);
  }
  // Ctrl-C or SIGTERM: abort and clean up as a deployed abort does, then exit 130 (./interrupt.ts).
  const interruption = onInterrupt(running, options.json ? process.stderr : process.stdout, () => view?.finish());
  let report: RunReport;
  try {
    report = await running.done;
  } finally {
    view?.finish();
    interruption.dispose();
  }
  if (!options.json) process.stdout.write(cleanupLines(report).map((line) => `${line}\n`).join(''));
  await saveLastRun(report, options.input, jobs);
  if (options.json) console.log(JSON.stringify(jsonReport(report), null, 2));
  else console.log(`\n${summaryLines(report, { steps: !live }).join('\n')}`);
  return { report, exitCode: interruption.interrupted() ? 130 : report.status === 'SUCCEEDED' ? 0 : 1 };
}

/** One line per remote job the cleanup stopped, or could not stop. */
function cleanupLines(report: RunReport): string[] {
  return [
    ...report.cleanup.stopped.map((id) => `stopped remote job ${id}`),
    ...report.cleanup.failed.map((f) => `could not stop remote job ${f.jobId}: ${f.error}`),
  ];
}

/** Keep the run for `continuum history` (the last 20, and the newest as last-run.json); a read-only directory only costs a warning. */
async function saveLastRun(report: RunReport, input: Record<string, unknown>, jobs: readonly RunJob[]): Promise<void> {
  const { LAST_RUN_FILE, lastRunRecord, stateDir } = await import('../../lib/local/history');
  const { keepRun } = await import('../../lib/local/run-store');
  const dir = stateDir();
  try {
    mkdirSync(dir, { recursive: true });
    const record = lastRunRecord(report, input, jobs);
    writeFileSync(join(dir, LAST_RUN_FILE), `${JSON.stringify(record)}\n`);
    keepRun(dir, record);
  } catch (error) {
    console.error(`continuum: could not save the run's history in ${dir} (${(error as Error).message})`);
  }
}
