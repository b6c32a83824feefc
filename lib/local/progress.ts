/**
 * Human-readable progress of a local execution: one line per meaningful state, in the words of
 * the console (state names), with the remote id, remote state and poll count.
 */
import { PROGRESS_MARK_KEYS } from '../../lambdas/shared/next-check';
import { skippedByFromStep } from '../constructs/from-step';
import { SKIPPED_STATE } from '../constructs/overlap-guard';
import { causeText, type HistoryEvent, type RunReport } from './runner';
import { iterationLabel, iterationSuffix } from './iteration';
import { taskWrote } from './task-output';

type JobState = {
  id?: string | null;
  /** `id` is there when the status check may rename the job (statusUpdatesId): it is the newest. */
  status?: { id?: string | null; state?: string; outcome?: string; summary?: Record<string, unknown> | null };
  poll?: { count?: number; wait?: number };
  /** Set by a Stop task (the JobPoller's timeout path). */
  stopped?: unknown;
};
/** `$.job`: the step's job; `$.existing`: what the last "find a conflicting job" task answered. */
type JobData = { job?: JobState; existing?: JobState };

/** What a retried attempt failed with, in plain words: `rate limited (429)`, or the error and its cause. */
export function retryReason(failure: HistoryEvent): string {
  const error = String(failure.Error ?? 'an error');
  if (error === 'RateLimited' || error === 'RateLimitedError') return 'rate limited (429)';
  const cause = causeText(failure.Cause);
  return cause ? `${error} (${cause.length > 200 ? `${cause.slice(0, 200)}…` : cause})` : error;
}

/** The one line that ends a run of retries of a state: how many there were. */
export function retriedLine(key: string, count: number, at: number, started: number): string {
  return `${((at - started) / 1000).toFixed(1).padStart(6)}s ↻ ${key}: retried ${count} times`;
}

/** `retry` says what the retried attempt failed with (plain mode knows it from the StateFailed before). */
export function progressLine(event: HistoryEvent, started: number, retry?: string): string | undefined {
  const elapsed = `${((event.timestamp - started) / 1000).toFixed(1).padStart(6)}s`;
  const item = iterationSuffix(event);
  const name = event.state?.name ?? '';
  const line = (symbol: string, text: string) => `${elapsed} ${symbol} ${text}`;
  switch (event.type) {
    case 'StateExited': {
      if (event.state?.type === 'Task') {
        // Show what this task wrote: a find answers at $.existing, a stop writes nothing, and
        // $.job still holds the previous step's job until this step's submit replaces it.
        const { job, existing } = taskWrote(event.state.input, event.state.output);
        if (existing) return line('•', `${pad(name + item)} ${existing.id ? `found id ${existing.id}  ${existing.state ?? ''}` : 'none found'}`);
        if (!job) return line('•', `${name}${item}`);
        // A Stop task only marks the job as stopped.
        const stopped = (event.state.output as JobData)?.job?.stopped && !(event.state.input as JobData)?.job?.stopped;
        if (stopped) return line('•', `${pad(name + item)} stop requested for id ${job.id}`);
        const polls = job.polls ? `  (check ${job.polls})` : '';
        return line('•', `${pad(name + item)} ${job.id ? `id ${job.id}  ` : ''}${job.state ?? ''}${polls}${counts(job.summary)}`);
      }
      if (event.role === 'done') {
        const data = event.state?.input as JobData;
        const polls = data?.job?.poll?.count ?? 0;
        return line('✔', `${pad(name + item)} ${data?.job?.id ? `id ${data.job.id}  ` : ''}${data?.job?.status?.state ?? ''}${polls ? ` after ${polls} checks` : ''}`);
      }
      // A skipped job, or the whole run skipped by the overlap guard (a pipeline's state, no job's).
      if (event.role === 'skipped' || event.role === 'skippedExisting' || name === SKIPPED_STATE) return line('↷', `${name}${item}`);
      // The run starts at a later step (fromStep): the steps before it are skipped.
      if (event.state?.type === 'Pass' && skippedByFromStep(event.state).length > 0) return line('↷', name);
      return undefined;
    }
    case 'StateRetried':
      return line('↻', `${name}${item}: retrying after ${retry ?? 'a transient error'}`);
    case 'StateFailed':
      return line('!', `${name}${item}: ${String(event.Error)}: ${causeText(event.Cause)}`);
    case 'MapIterationFailed':
      return line('!', `${iterationLabel(event)}: ${String(event.Error)}`);
    default:
      return undefined;
  }
}

/** The end of a run: status, error and cause, each step (unless the live view already shows them), counts. */
export function summaryLines(report: RunReport, options: { readonly steps?: boolean } = {}): string[] {
  const lines: string[] = [];
  if (report.skipped) lines.push(`↷ SKIPPED: ${(report.output as { reason?: string }).reason ?? 'another run in progress'}`);
  else if (report.status === 'SUCCEEDED') lines.push('✔ SUCCEEDED');
  else lines.push(`✖ ${report.status}${report.error ? `: ${report.error}` : ''}`, ...(report.cause ? [`  cause: ${report.cause}`] : []));
  for (const step of options.steps === false ? [] : report.steps) {
    lines.push(`  ${pad(step.name + (step.item !== undefined ? ` [${step.itemLabel ?? step.item}]` : ''))} ${step.remoteId ? `id ${step.remoteId}  ` : ''}${step.finalState}  polls: ${step.polls}`);
  }
  lines.push(`  state transitions: ${report.stateTransitions}, Lambda invocations: ${report.lambdaInvocations}`);
  return lines;
}

/** The `--output json` object. */
export function jsonReport(report: RunReport) {
  return {
    status: report.status,
    ...(report.skipped ? { skipped: true } : {}),
    ...(report.error ? { error: report.error } : {}),
    ...(report.cause ? { cause: report.cause } : {}),
    steps: report.steps.map((s) => ({ name: s.name, ...(s.item !== undefined ? { item: s.item } : {}), remoteId: s.remoteId, finalState: s.finalState, polls: s.polls })),
    stateTransitions: report.stateTransitions,
  };
}

/**
 * Numeric facts of a job summary, e.g. `  recordsSent=5`, and the job's own progress message
 * (Crossing Minds: `  "uploading 46%"`). The progress reading a handler keeps for its next
 * estimate is bookkeeping, not a fact.
 */
function counts(summary: Record<string, unknown> | null | undefined): string {
  const numbers = Object.entries(summary ?? {}).filter(([k, v]) => typeof v === 'number' && !PROGRESS_MARK_KEYS.has(k));
  const facts = numbers.map(([k, v]) => `${k}=${v}`);
  if (typeof summary?.progress === 'string' && summary.progress) facts.push(JSON.stringify(summary.progress));
  return facts.length ? `  ${facts.join(' ')}` : '';
}

function pad(text: string): string {
  return text.padEnd(38);
}
