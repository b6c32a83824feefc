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

export interface ExecuteOptions {
  readonly baseUrl?: string;
  readonly input: Record<string, unknown>;
  readonly waitMs?: number;
  readonly retryMs?: number;
  readonly json: boolean;
}

export async function execute(session: LocalSession, pipeline: string, options: ExecuteOptions): Promise<RunReport> {
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
  // Ctrl-C during a live view: put the cursor back before exiting like an interrupted command.
  const interrupted = () => {
    view?.finish();
    process.exit(130);
  };
  if (view) process.once('SIGINT', interrupted);
  let report: RunReport;
  try {
    report = await running.done;
  } finally {
    view?.finish();
    process.removeListener('SIGINT', interrupted);
  }
  await saveLastRun(report, options.input, jobs);
  if (options.json) console.log(JSON.stringify(jsonReport(report), null, 2));
  else console.log(`\n${summaryLines(report, { steps: !live }).join('\n')}`);
  return report;
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
