/**
 * The last local run, saved by the CLI (`.continuum/last-run.json`) and shown by
 * `continuum history` the way the Step Functions console's table view shows an execution: one row
 * per state visit with its type, status, when it started and how long it took, and for tasks the
 * remote job's id and state.
 */
import type { JobStateNames, StateRole } from '../contract/state-roles';
import { causeText, type HistoryEvent, type RunReport, type StepReport } from './runner';
import { iterationItem, iterationSuffix } from './iteration';
import { foundText, stateRoles, taskWrote } from './task-output';

/** Where the CLI keeps local state; `CONTINUUM_STATE_DIR` moves it (tests use a temp dir). */
export function stateDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.CONTINUUM_STATE_DIR || '.continuum';
}

export const LAST_RUN_FILE = 'last-run.json';

/** What `.continuum/last-run.json` holds. */
export interface LastRun {
  readonly version: 1;
  readonly pipeline: string;
  readonly executionArn: string;
  readonly status: RunReport['status'];
  readonly skipped: boolean;
  readonly error?: string;
  readonly cause?: string;
  readonly input: Record<string, unknown>;
  readonly steps: readonly StepReport[];
  readonly stateTransitions: number;
  readonly history: readonly HistoryEvent[];
  /** The pipeline's jobs (which state is whose submit, status check, find…), for reading the history. */
  readonly jobs?: readonly RunJob[];
}

/** A job's title and state names by role, as in the template's job metadata. */
export interface RunJob {
  readonly key: string;
  readonly title: string;
  readonly states: Partial<JobStateNames>;
}

export function lastRunRecord(report: RunReport, input: Record<string, unknown>, jobs?: readonly RunJob[]): LastRun {
  return {
    version: 1,
    pipeline: report.pipeline,
    executionArn: report.executionArn,
    status: report.status,
    skipped: report.skipped,
    ...(report.error ? { error: report.error } : {}),
    ...(report.cause ? { cause: report.cause } : {}),
    input,
    steps: report.steps,
    stateTransitions: report.stateTransitions,
    history: report.history,
    ...(jobs ? { jobs: jobs.map(({ key, title, states }) => ({ key, title, states })) } : {}),
  };
}

/** Checks the shape of a file read back (it may be from an older version or hand-edited). */
export function parseLastRun(text: string): LastRun {
  const value = JSON.parse(text) as Partial<LastRun>;
  if (value?.version !== 1 || !Array.isArray(value.history) || typeof value.pipeline !== 'string') {
    throw new Error('not a Continuum last-run file (version 1)');
  }
  return value as LastRun;
}

export type VisitStatus = 'Succeeded' | 'Failed' | 'Caught error' | 'In progress';

/** One state visit: from StateEntered to StateExited (or its failure). */
export interface StateVisit {
  readonly name: string;
  readonly type: string;
  /** Map iteration, for states inside a fan-out, and its item (`src_crm_accounts`). */
  readonly index?: number;
  readonly item?: string;
  readonly enteredAt: number;
  exitedAt?: number;
  status: VisitStatus;
  retries: number;
  error?: string;
  cause?: string;
  /** Task results: the remote job as the handler reported it. */
  remoteId?: string;
  remoteState?: string;
  polls?: number;
  /** Find tasks: the conflicting job found, or "none found". */
  found?: string;
  /** Choice states: the state chosen. */
  next?: string;
}

/** Pair each StateEntered with how the state ended, in the order states were entered. */
export function stateVisits(history: readonly HistoryEvent[], jobs?: readonly RunJob[]): StateVisit[] {
  const roles = stateRoles(jobs);
  const visits: StateVisit[] = [];
  const open = new Map<string, StateVisit>();
  const keyOf = (e: HistoryEvent) => `${e.state!.name}#${e.index ?? ''}`;
  const choices = new Map<string, StateVisit>();
  for (const event of history) {
    if (!event.state) continue;
    const key = keyOf(event);
    const branch = String(event.index ?? '');
    switch (event.type) {
      case 'StateEntered': {
        const chooser = choices.get(branch);
        if (chooser) {
          chooser.next = event.state.name;
          choices.delete(branch);
        }
        const item = iterationItem(event);
        const at = event.index !== undefined ? { index: event.index, ...(item !== undefined ? { item } : {}) } : {};
        const visit: StateVisit = { name: event.state.name, type: event.state.type, ...at, enteredAt: event.timestamp, status: 'In progress', retries: 0 };
        visits.push(visit);
        open.set(key, visit);
        break;
      }
      case 'StateExited': {
        const visit = open.get(key);
        if (!visit) break;
        visit.exitedAt = event.timestamp;
        visit.status = 'Succeeded';
        visit.error = undefined;
        visit.cause = undefined;
        if (visit.type === 'Task') {
          const wrote = taskWrote(event.state.input, event.state.output, roles.get(event.state.name));
          if (wrote.job) {
            visit.remoteId = wrote.job.id;
            visit.remoteState = wrote.job.state;
            visit.polls = wrote.job.polls;
          }
          if (wrote.existing) visit.found = foundText(wrote.existing) ?? 'none found';
        }
        if (visit.type === 'Choice') choices.set(branch, visit);
        open.delete(key);
        break;
      }
      case 'StateFailed': {
        const visit = open.get(key);
        if (!visit) break;
        // Final unless a Retry (StateRetried) or a Catch (StateCaught) follows.
        visit.exitedAt = event.timestamp;
        visit.status = 'Failed';
        visit.error = String(event.Error ?? '');
        visit.cause = causeText(event.Cause);
        break;
      }
      case 'StateRetried': {
        const visit = open.get(key);
        if (!visit) break;
        visit.retries += 1;
        visit.status = 'In progress';
        visit.exitedAt = undefined;
        break;
      }
      case 'StateCaught': {
        const visit = open.get(key);
        if (!visit) break;
        visit.status = 'Caught error';
        open.delete(key);
        break;
      }
    }
  }
  return visits;
}

/** The console's table view as text: a header, one row per state visit, the failure. */
export function historyLines(run: LastRun): string[] {
  const start = run.history.find((e) => e.type === 'ExecutionStarted')?.timestamp ?? run.history[0]?.timestamp ?? 0;
  const end = [...run.history].reverse().find((e) => e.type.startsWith('Execution') && e.type !== 'ExecutionStarted')?.timestamp;
  const status = run.skipped ? 'SKIPPED (another run was in progress)' : run.status;
  const lines = [
    `Execution ${run.executionArn.split(':').pop()} of pipeline '${run.pipeline}': ${status}`,
    `  started ${new Date(start).toISOString()}${end !== undefined ? `, took ${seconds(end - start)}` : ''}, ${run.stateTransitions} state transitions, input ${JSON.stringify(run.input)}`,
    '',
  ];
  const rows = stateVisits(run.history, run.jobs).map((visit, i) => [
    String(i + 1),
    `+${seconds(visit.enteredAt - start)}`,
    visit.exitedAt !== undefined ? seconds(visit.exitedAt - visit.enteredAt) : '…',
    `${visit.name}${visit.index !== undefined ? ` [${visit.item ?? `item ${visit.index}`}]` : ''}`,
    visit.type,
    visit.status,
    detail(visit),
  ]);
  lines.push(...table(['#', 'started', 'duration', 'state', 'type', 'status', 'details'], rows));
  if (run.error) lines.push('', `Error: ${run.error}`, ...(run.cause ? [`Cause: ${run.cause}`] : []));
  return lines;
}

/** Every event, one per line (the console's event view): what entered, exited, failed, retried. */
export function eventLines(run: LastRun): string[] {
  const roles = stateRoles(run.jobs);
  const start = run.history[0]?.timestamp ?? 0;
  return run.history.map((event) => {
    const at = `+${seconds(event.timestamp - start)}`.padStart(10);
    const map = (event.parentState as { name?: string } | undefined)?.name;
    const where = event.state ? `${event.state.name}${iterationSuffix(event)} (${event.state.type})` : map ? `${map}${iterationSuffix(event)}` : '';
    const extra =
      event.type === 'StateFailed' || event.type === 'ExecutionFailed' || event.type === 'MapIterationFailed'
        ? `${String(event.Error)}: ${cut(causeText(event.Cause), 160)}`
        : event.type === 'StateRetried'
          ? `attempt ${(event.retry as { attempt?: number } | undefined)?.attempt ?? '?'}`
          : event.type === 'StateExited' && event.state?.type === 'Task'
            ? taskFacts(event.state.input, event.state.output, roles.get(event.state.name))
            : event.type === 'ExecutionStarted'
              ? `input ${JSON.stringify(event.input ?? run.input)}`
              : '';
    return `${at}  ${event.type.padEnd(20)} ${where}${extra ? `  ${extra}` : ''}`.trimEnd();
  });
}

function detail(visit: StateVisit): string {
  const parts: string[] = [];
  if (visit.remoteId) parts.push(`id ${visit.remoteId}`);
  if (visit.remoteState) parts.push(visit.remoteState);
  if (visit.polls) parts.push(`check ${visit.polls}`);
  if (visit.found) parts.push(visit.found);
  if (visit.next) parts.push(`→ ${visit.next}`);
  if (visit.retries) parts.push(`retried ${visit.retries}×`);
  if (visit.error) parts.push(`${visit.error}${visit.cause ? `: ${cut(visit.cause, 120)}` : ''}`);
  return parts.join('  ');
}

function taskFacts(input: unknown, output: unknown, role: StateRole | undefined): string {
  const { job, existing } = taskWrote(input, output, role);
  const facts = job ? [job.id ? `id ${job.id}` : '', job.state ?? '', job.polls ? `check ${job.polls}` : ''] : [];
  if (existing) facts.push(existing.id ? `found running id ${existing.id}` : 'none found');
  return facts.filter(Boolean).join('  ');
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]].length)));
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 || i === 1 || i === 2 ? cell.padStart(widths[i]) : i === cells.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [format(header), format(widths.map((w) => '─'.repeat(w))), ...rows.map(format)];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
