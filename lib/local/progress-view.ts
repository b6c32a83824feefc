/**
 * How a local run's progress is shown. On an interactive terminal: one line per step (spinner,
 * elapsed time, remote id and state), redrawn in place. Elsewhere (CI, pipes, files): the plain
 * lines of `progressLine`, one per event, which tests and logs can grep.
 */
import { skippedByFromStep } from '../constructs/from-step';
import type { StateRole } from '../contract/state-roles';
import type { HistoryEvent } from './runner';
import { iterationLabel, iterationSuffix } from './iteration';
import { progressLine, retriedLine, retryReason } from './progress';
import { foundText, taskWrote } from './task-output';

/** The job metadata the live view needs (a pipeline's `jobs`, see lib/constructs/pipeline.ts). */
export interface ProgressJob {
  readonly key: string;
  readonly title: string;
  /** Role → state name (submit, status, done, failed, requestFailed, timedOut, skipped, fanOut…). */
  readonly states: object;
}

export type ProgressMode = 'live' | 'plain';

/**
 * Live only on an interactive terminal: CI logs, pipes, files and dumb terminals get plain lines
 * (a redrawn view would leave cursor codes in them).
 */
export function progressMode(stream: { readonly isTTY?: boolean }, env: Readonly<Record<string, string | undefined>> = process.env): ProgressMode {
  if (!stream.isTTY) return 'plain';
  if (env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0') return 'plain';
  if (env.TERM === 'dumb') return 'plain';
  return 'live';
}

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

/** One step of the live view. */
export interface LiveStep {
  readonly key: string;
  readonly title: string;
  status: StepStatus;
  startedAt?: number;
  endedAt?: number;
  remoteId?: string;
  remoteState?: string;
  polls: number;
  retries: number;
  /** What is going on besides the remote state: "retrying after RateLimited", "request failed: AuthFailed". */
  note?: string;
  /** Fan-out steps: Map iterations seen, finished and failed. */
  items?: { started: Set<number>; done: number; failed: number };
}

/** The live view's state, fed with the execution's history events as they happen. */
export class ProgressModel {
  readonly steps: LiveStep[];
  /** The state the execution is in (the last one entered). */
  current?: string;
  endedAt?: number;
  outcome?: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  private readonly byState = new Map<string, { step: LiveStep; role: StateRole }>();
  private readonly lastError = new Map<string, string>();

  constructor(
    jobs: readonly ProgressJob[],
    readonly startedAt: number,
  ) {
    this.steps = jobs.map((job) => ({ key: job.key, title: job.title, status: 'pending', polls: 0, retries: 0 }));
    jobs.forEach((job, i) => {
      for (const [role, name] of Object.entries(job.states) as Array<[StateRole, unknown]>) if (typeof name === 'string') this.byState.set(name, { step: this.steps[i], role });
    });
  }

  apply(event: HistoryEvent): void {
    const at = event.timestamp;
    switch (event.type) {
      case 'ExecutionSucceeded':
      case 'ExecutionFailed':
      case 'ExecutionAborted':
      case 'ExecutionTimeout': {
        this.endedAt = at;
        this.outcome = ({ ExecutionSucceeded: 'SUCCEEDED', ExecutionFailed: 'FAILED', ExecutionAborted: 'ABORTED', ExecutionTimeout: 'TIMED_OUT' } as const)[event.type];
        // A step still running when the execution ends was cut short (aborted or timed out).
        for (const step of this.steps) {
          if (step.status !== 'running') continue;
          step.status = 'failed';
          step.endedAt = at;
          step.note ??= this.outcome === 'SUCCEEDED' ? undefined : this.outcome.toLowerCase().replace('_', ' ');
        }
        this.current = undefined;
        return;
      }
    }
    const state = event.state;
    if (!state) return;
    // A run started at a later step (fromStep) records the steps before it as skipped.
    if (event.type === 'StateExited' && state.type === 'Pass') {
      for (const key of skippedByFromStep(state)) {
        const step = this.steps.find((s) => s.key === key);
        if (step?.status === 'pending') Object.assign(step, { status: 'skipped', note: 'skipped (the run starts at a later step)' });
      }
    }
    const match = this.byState.get(state.name);
    if (event.type === 'StateEntered') this.current = state.name + iterationSuffix(event);
    if (event.type === 'StateFailed' && event.Error) this.lastError.set(state.name, String(event.Error));
    if (!match) return;
    const { step, role } = match;
    const item = event.index;

    const start = () => {
      if (step.status === 'pending') {
        step.status = 'running';
        step.startedAt = at;
      }
      if (item !== undefined) (step.items ??= { started: new Set(), done: 0, failed: 0 }).started.add(item);
    };
    const end = (status: StepStatus, note?: string) => {
      step.status = status;
      step.startedAt ??= at;
      step.endedAt = at;
      step.note = note;
    };

    if (event.type === 'StateEntered') {
      if (role === 'submit' || role === 'findExisting' || role === 'fanOut' || role === 'acquireSlot') start();
      if (role === 'submit' && step.note === WAITING_FOR_SLOT) step.note = undefined;
      if (role === 'slotWait') step.note = WAITING_FOR_SLOT;
      else if (role === 'skipped' && item === undefined) end('skipped', 'skipped');
      else if (role === 'done') {
        if (item === undefined) end('succeeded');
        else if (step.items) step.items.done += 1;
      } else if (role === 'failed' || role === 'requestFailed' || role === 'timedOut' || role === 'slotWaitTimedOut') {
        const note = failureNote(role, state.input);
        if (item === undefined) end('failed', note);
        else {
          start();
          step.items!.failed += 1;
          step.note = `${iterationLabel(event)}: ${note}`;
        }
      }
      return;
    }
    if (event.type === 'StateRetried') {
      step.retries += 1;
      const error = this.lastError.get(state.name);
      // One line per step, updated in place: the count says how long it has been going on.
      step.note = `retrying after ${error ?? 'an error'}${step.retries > 1 ? ` (retry ${step.retries})` : ''}`;
      return;
    }
    if (event.type === 'StateExited') {
      if (role === 'fanOut' && step.status === 'running') {
        end('succeeded');
        return;
      }
      if (state.type !== 'Task') return;
      const wrote = taskWrote(state.input, state.output, role);
      if (step.note?.startsWith('retrying')) step.note = undefined;
      if (wrote.existing) step.note = foundText(wrote.existing);
      if (wrote.job && (role === 'submit' || role === 'status' || role === 'findExisting')) {
        if (wrote.job.id) step.remoteId = wrote.job.id;
        if (wrote.job.state) step.remoteState = wrote.job.state;
        step.polls = wrote.job.polls ?? step.polls;
      }
    }
  }
}

/** A job of a slot pool whose pool is full (lib/constructs/job-slots.ts). */
const WAITING_FOR_SLOT = 'waiting for a tenant job slot';

function failureNote(role: StateRole, input: unknown): string {
  const data = input as { failure?: { Error?: string }; job?: { status?: { error?: string | null } } } | undefined;
  if (role === 'timedOut') return 'timed out (JobTimedOut)';
  if (role === 'slotWaitTimedOut') return 'no tenant job slot (SlotWaitTimedOut)';
  if (role === 'requestFailed') return `request failed${data?.failure?.Error ? `: ${data.failure.Error}` : ''}`;
  return `failed${data?.job?.status?.error ? `: ${data.job.status.error}` : ''}`;
}

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;

const SYMBOLS: Record<Exclude<StepStatus, 'running'>, string> = { pending: '·', succeeded: '✔', failed: '✖', skipped: '↷' };

/** `4.2s`, `2m 05s`, `1h 02m`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, ms) / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

/**
 * The live view at time `now`: one line per step, then (while the execution runs) a line with
 * the total elapsed time and the current state. `frame` picks the spinner glyph.
 */
export function liveLines(model: ProgressModel, now: number, frame: number, width = Infinity): string[] {
  const spinner = SPINNER[frame % SPINNER.length];
  const titleWidth = Math.max(0, ...model.steps.map((s) => s.title.length)) + 2;
  const lines = model.steps.map((step) => {
    const symbol = step.status === 'running' ? spinner : SYMBOLS[step.status];
    const elapsed = step.startedAt === undefined || step.status === 'skipped' ? '' : formatElapsed((step.endedAt ?? now) - step.startedAt);
    const items = step.items ? `${step.items.done}/${step.items.started.size} items done${step.items.failed ? `, ${step.items.failed} failed` : ''}` : '';
    const facts = [
      step.remoteId ? `id ${step.remoteId}` : '',
      step.remoteState ?? '',
      step.polls ? `(${step.polls} check${step.polls === 1 ? '' : 's'})` : '',
      items,
      step.note ?? '',
    ].filter(Boolean);
    return fit(`${symbol} ${step.title.padEnd(titleWidth)}${elapsed.padStart(8)}  ${facts.join('  ')}`.trimEnd(), width);
  });
  if (model.endedAt === undefined) {
    lines.push(fit(`${spinner} ${'running'.padEnd(titleWidth)}${formatElapsed(now - model.startedAt).padStart(8)}  ${model.current ?? ''}`.trimEnd(), width));
  }
  return lines;
}

/** Cut a line to the terminal width, or it wraps and the redraw moves up too few lines. */
function fit(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** The ANSI text that replaces the `previous` lines last drawn with `lines`. */
export function redraw(previous: number, lines: readonly string[]): string {
  const up = previous > 0 ? `\x1b[${previous}A` : '';
  return `${up}\r${lines.map((line) => `\x1b[2K${line}\n`).join('')}\x1b[J`;
}

/** Where the live view writes: a terminal stream (or a test double). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly columns?: number;
}

/** Progress output for one execution: live (redrawn) or plain lines. */
export interface ProgressView {
  onEvent(event: HistoryEvent): void;
  /** Stop redrawing and leave the final state of every step on screen. */
  finish(): void;
}

/**
 * One plain line per meaningful event, except retries: a state retried 35 times prints one
 * "retrying after …" line and, once it stops retrying, one line with the count; the failed
 * attempts that were retried print nothing of their own.
 */
export function plainProgress(started: number, print: (line: string) => void = console.log): ProgressView {
  const retries = new Map<string, number>();
  const heldFailure = new Map<string, HistoryEvent>();
  const keyOf = (event: HistoryEvent) => `${event.state?.name ?? ''}${iterationSuffix(event)}`;
  const settle = (key: string, at: number) => {
    const failure = heldFailure.get(key);
    heldFailure.delete(key);
    const count = retries.get(key) ?? 0;
    retries.delete(key);
    if (count > 1) print(retriedLine(key, count, at, started));
    if (failure) print(progressLine(failure, started)!);
  };
  return {
    onEvent: (event) => {
      const key = keyOf(event);
      if (event.type === 'StateFailed') {
        const earlier = heldFailure.get(key);
        if (earlier) print(progressLine(earlier, started)!);
        heldFailure.set(key, event); // printed unless a retry follows
        return;
      }
      if (event.type === 'StateRetried') {
        const failure = heldFailure.get(key);
        heldFailure.delete(key);
        const count = (retries.get(key) ?? 0) + 1;
        retries.set(key, count);
        if (count === 1) print(progressLine(event, started, failure && retryReason(failure))!);
        return;
      }
      if (event.state) settle(key, event.timestamp);
      else if (event.type.startsWith('Execution')) for (const held of new Set([...retries.keys(), ...heldFailure.keys()])) settle(held, event.timestamp);
      const line = progressLine(event, started);
      if (line) print(line);
    },
    finish: () => undefined,
  };
}

export class LiveProgress implements ProgressView {
  readonly model: ProgressModel;
  private drawn = 0;
  private frame = 0;
  private timer?: ReturnType<typeof setInterval>;

  constructor(
    jobs: readonly ProgressJob[],
    started: number,
    private readonly out: ProgressOutput,
    private readonly options: { readonly intervalMs?: number; readonly now?: () => number } = {},
  ) {
    this.model = new ProgressModel(jobs, started);
  }

  start(): this {
    this.out.write('\x1b[?25l'); // hide the cursor while redrawing
    this.draw();
    this.timer = setInterval(() => {
      this.frame += 1;
      this.draw();
    }, this.options.intervalMs ?? 100);
    this.timer.unref?.();
    return this;
  }

  onEvent(event: HistoryEvent): void {
    this.model.apply(event);
    this.draw();
  }

  /** Draw the last frame and show the cursor; once (an interrupted run finishes early, then prints below it). */
  finish(): void {
    if (this.finished) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
    this.finished = true;
    this.out.write('\x1b[?25h');
  }

  private finished = false;

  private draw(): void {
    if (this.finished) return;
    const now = this.options.now?.() ?? Date.now();
    const lines = liveLines(this.model, now, this.frame, this.out.columns ? this.out.columns - 1 : Infinity);
    this.out.write(redraw(this.drawn, lines));
    this.drawn = lines.length;
  }
}
