/**
 * A local stand-in for the Crossing Minds background-task API (public `tasks/<name>/` and the
 * internal `tasks/private/<name>/...` endpoints) plus its JWT refresh endpoint.
 *
 * Paths are relative to the server root, which stands in for the configurable API base URL, and
 * keep the vendor's trailing slashes. Task lifecycles are driven by the injected clock, so tests
 * can walk a task through REQUEST_SENT → RUNNING → COMPLETED without waiting.
 */
import { createHash, randomInt } from 'node:crypto';
import {
  HttpSimulator,
  emptyResponse,
  jsonResponse,
  type HttpSimulatorOptions,
  type SimRequest,
  type SimResponse,
} from './http-simulator';
import { jobDurationMs, PRIVATE_TASK_NAMES, PUBLIC_TASK_NAMES, simulatedFailure, type SimulatorShape } from './shape';

// The task names live with the other systems' step names, which help texts read without a simulator.
export { PRIVATE_TASK_NAMES, PUBLIC_TASK_NAMES } from './shape';

export type TaskName = (typeof PRIVATE_TASK_NAMES)[number];

/** Private tasks that cannot run without a `context_task` describing their tables. */
const CONTEXT_REQUIRED: ReadonlySet<TaskName> = new Set(['data_import', 'reco_export', 'analytics_report_export', 'user_id_whitelist_export']);

export type TaskStatus = 'REQUEST_SENT' | 'RUNNING' | 'FAILED' | 'CANCELLED_REQUESTED' | 'CANCELLED' | 'COMPLETED';

/** Statuses that make a new trigger of the same task answer TASK_ALREADY_RUNNING. */
const UNFINISHED: ReadonlySet<TaskStatus> = new Set(['REQUEST_SENT', 'RUNNING', 'CANCELLED_REQUESTED']);

/** How a task ends if nobody cancels it. */
export type TaskOutcome = { kind: 'COMPLETED' } | { kind: 'FAILED'; message: string } | { kind: 'NEVER' };

/** A task as the simulator stores it; its status is derived from the clock on every read. */
export interface SimTask {
  readonly task_id: string;
  readonly name: TaskName;
  /** Simulator clock (ms) when the task was created. */
  readonly startedAt: number;
  /** The `context_task` it was triggered with (private endpoint only). */
  readonly payload?: object;
  readonly refreshToken?: string;
  readonly outcome: TaskOutcome;
  /** `details.create_reason`; tasks seeded as "someone else's" are not endpoint-triggered. */
  readonly createReason: string;
  /** Simulator clock (ms) of the first cancel request that arrived while the task was unfinished. */
  cancelRequestedAt?: number;
}

/** One `DELETE tasks/private/<name>/<task_id>/` as received (whether or not it changed anything). */
export interface CancelRequest {
  readonly name: TaskName;
  readonly task_id: string;
  readonly at: number;
}

export interface CrossingMindsSimulatorOptions extends HttpSimulatorOptions {
  /** The JWT clients start with (default 'cm-demo-jwt'). */
  readonly token?: string;
  /** The refresh token clients start with (default 'cm-demo-refresh'). */
  readonly refreshToken?: string;
  /** How long a task runs, REQUEST_SENT included (default 1500 ms). */
  readonly taskDurationMs?: number;
  /** How long CANCELLED_REQUESTED lasts before CANCELLED (default 300 ms). */
  readonly cancelDelayMs?: number;
  /** The seed documents no body for public triggers; set this to answer 200 `{task_id}` instead of 204. */
  readonly publicTriggerReturnsId?: boolean;
  /** Task length and failing / never-finishing task names; `jobSeconds` overrides `taskDurationMs`. @default none */
  readonly shape?: SimulatorShape<TaskName>;
}

/** `{error_code, error_name, message, error_data}`, the vendor's error body. */
interface ErrorBody {
  readonly error_code: number;
  readonly error_name: string;
  readonly message: string;
  readonly error_data: object;
}

// Codes the brief pins down; the others are this simulator's choice (clients match on error_name).
const ERRORS = {
  AUTH_JWT_MISSING_OR_INVALID: { status: 401, code: 21 },
  JWT_EXPIRED: { status: 401, code: 22 },
  AUTH_REFRESH_TOKEN_INVALID: { status: 401, code: 23 },
  TASK_NOT_FOUND: { status: 404, code: 30 },
  RESOURCE_NOT_FOUND: { status: 404, code: 31 },
  WRONG_DATA_TYPE: { status: 400, code: 40 },
  TASK_ALREADY_RUNNING: { status: 409, code: 41 },
  METHOD_NOT_ALLOWED: { status: 405, code: 42 },
} as const;

type ErrorName = keyof typeof ERRORS;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Fraction of the task duration spent in REQUEST_SENT before a worker picks the task up. */
const REQUEST_SENT_SHARE = 0.1;
/** Number of distinct progress messages of the tasks that report steps rather than a percentage. */
const PROGRESS_STEPS = 4;
/** `details.timeout_at` lies this far after the start, like the seed's example (≈ one day). */
const TASK_TIMEOUT_SECONDS = 86_400;
const PAGE_SIZE = { default: 50, min: 1, max: 64 } as const;

type Handler = (request: SimRequest, params: string[]) => SimResponse;
interface Route {
  readonly pattern: RegExp;
  /** Whether the route needs `Authorization: Bearer <jwt>` (the refresh endpoint does not). */
  readonly authenticated: boolean;
  readonly methods: Readonly<Record<string, Handler>>;
}

export class CrossingMindsSimulator extends HttpSimulator {
  readonly system = 'crossing-minds';
  /** Every task, oldest first. */
  readonly tasks: SimTask[] = [];
  readonly cancelRequests: CancelRequest[] = [];

  private readonly taskDurationMs: number;
  private readonly cancelDelayMs: number;
  private readonly publicTriggerReturnsId: boolean;
  private readonly shape: SimulatorShape<TaskName>;
  private readonly pendingOutcomes = new Map<TaskName, TaskOutcome>();
  private currentToken: string | undefined;
  private currentRefreshToken: string;
  /** Tokens this simulator handed out that no longer work: they answer JWT_EXPIRED, not "invalid". */
  private readonly staleTokens = new Set<string>();
  private tokenGeneration = 0;
  private readonly routes: Route[];

  constructor(options: CrossingMindsSimulatorOptions = {}) {
    super(options);
    this.currentToken = options.token ?? 'cm-demo-jwt';
    this.currentRefreshToken = options.refreshToken ?? 'cm-demo-refresh';
    this.taskDurationMs = jobDurationMs(options.shape, options.taskDurationMs, 1500);
    this.shape = options.shape ?? {};
    this.cancelDelayMs = options.cancelDelayMs ?? 300;
    this.publicTriggerReturnsId = options.publicTriggerReturnsId ?? false;
    // Most specific first: `.../recents/` would otherwise be read as a task id.
    this.routes = [
      { pattern: /^\/login\/refresh-token\/$/, authenticated: false, methods: { POST: (req) => this.refresh(req) } },
      { pattern: /^\/tasks\/private\/([^/]+)\/recents\/$/, authenticated: true, methods: { GET: (req, [name]) => this.recents(req, name, true) } },
      {
        pattern: /^\/tasks\/private\/([^/]+)\/([^/]+)\/$/,
        authenticated: true,
        methods: { GET: (_req, [name, id]) => this.getTask(name, id), DELETE: (_req, [name, id]) => this.cancel(name, id) },
      },
      { pattern: /^\/tasks\/private\/([^/]+)\/$/, authenticated: true, methods: { POST: (req, [name]) => this.triggerPrivate(req, name) } },
      { pattern: /^\/tasks\/([^/]+)\/recents\/$/, authenticated: true, methods: { GET: (req, [name]) => this.recents(req, name, false) } },
      { pattern: /^\/tasks\/([^/]+)\/$/, authenticated: true, methods: { POST: (_req, [name]) => this.triggerPublic(name) } },
    ];
  }

  /** The JWT that currently works (undefined after `expireToken()` until a refresh). */
  get token(): string | undefined {
    return this.currentToken;
  }

  /** The refresh token that currently works. */
  get refreshToken(): string {
    return this.currentRefreshToken;
  }

  /** Make the current JWT answer 401 JWT_EXPIRED; clients must call `login/refresh-token/`. */
  expireToken(): void {
    if (this.currentToken) this.staleTokens.add(this.currentToken);
    this.currentToken = undefined;
  }

  /** The next task named `name` (from any endpoint) ends FAILED with this progress message. */
  failNext(name: TaskName, progressMessage: string): void {
    this.pendingOutcomes.set(name, { kind: 'FAILED', message: progressMessage });
  }

  /** The next task named `name` (from any endpoint) stays RUNNING until cancelled. */
  neverFinishNext(name: TaskName): void {
    this.pendingOutcomes.set(name, { kind: 'NEVER' });
  }

  /**
   * Create an unfinished task started by "someone else" (e.g. the vendor's own scheduler), so the
   * client's next trigger meets TASK_ALREADY_RUNNING. It finishes normally unless `neverFinish`;
   * it does not consume `failNext`/`neverFinishNext`, which are meant for the client's own task.
   */
  seedRunningTask(name: TaskName, options: { neverFinish?: boolean; payload?: object } = {}): string {
    const outcome: TaskOutcome = options.neverFinish ? { kind: 'NEVER' } : { kind: 'COMPLETED' };
    return this.createTask(name, { outcome, payload: options.payload, createReason: 'automatically triggered' }).task_id;
  }

  /** The status a task has right now. */
  statusOf(task: SimTask): TaskStatus {
    return this.progressOf(task).status;
  }

  /** Every task with its current status, plus cancel requests and how often tokens were refreshed. */
  override snapshot(): object {
    return {
      tasks: this.tasks.map((task) => ({ ...this.summary(task), details: this.details(task) })),
      cancelRequests: this.cancelRequests,
      tokenRefreshes: this.tokenGeneration,
    };
  }

  protected route(request: SimRequest): SimResponse {
    for (const route of this.routes) {
      const match = route.pattern.exec(request.path);
      if (!match) continue;
      const handler = route.methods[request.method];
      if (!handler) return error('METHOD_NOT_ALLOWED', `method ${request.method} is not allowed on ${request.path}`, { method: request.method });
      if (route.authenticated) {
        const denied = this.authenticate(request);
        if (denied) return denied;
      }
      return handler(request, match.slice(1).map(decodeURIComponent));
    }
    return error('RESOURCE_NOT_FOUND', `no endpoint ${request.method} ${request.path}`, { path: request.path });
  }

  // ---- auth ----

  /** Undefined when the bearer JWT is the current one, else the 401 to answer. */
  private authenticate(request: SimRequest): SimResponse | undefined {
    const jwt = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (jwt !== undefined && jwt === this.currentToken) return undefined;
    if (jwt !== undefined && this.staleTokens.has(jwt)) return error('JWT_EXPIRED', 'the JWT has expired', {});
    return error('AUTH_JWT_MISSING_OR_INVALID', 'missing or invalid JWT in the Authorization header', {});
  }

  /** `POST login/refresh-token/`: rotates both tokens; the old JWT and refresh token stop working. */
  private refresh(request: SimRequest): SimResponse {
    const body = parseJsonObject(request.body);
    if (!body || typeof body.refresh_token !== 'string') {
      return error('WRONG_DATA_TYPE', 'refresh_token (string) is required', { name: 'refresh_token' });
    }
    if (body.refresh_token !== this.currentRefreshToken) {
      return error('AUTH_REFRESH_TOKEN_INVALID', 'the refresh token is invalid or was already used', {});
    }
    this.expireToken();
    this.tokenGeneration += 1;
    this.currentToken = `cm-jwt-${this.tokenGeneration}-${randomId()}`;
    this.currentRefreshToken = `cm-refresh-${this.tokenGeneration}-${randomId()}`;
    return jsonResponse(200, { token: this.currentToken, refresh_token: this.currentRefreshToken });
  }

  // ---- endpoints ----

  /** `POST tasks/<name>/`. */
  private triggerPublic(name: string): SimResponse {
    const refused = this.refuseTrigger(name, PUBLIC_TASK_NAMES);
    if (refused) return refused;
    const task = this.createTask(name as TaskName, { createReason: 'manually triggered by endpoint' });
    return this.publicTriggerReturnsId ? jsonResponse(200, { task_id: task.task_id }) : emptyResponse(204);
  }

  /** `POST tasks/private/<name>/` with `{context_task, refresh_token?}`. */
  private triggerPrivate(request: SimRequest, name: string): SimResponse {
    const refused = this.refuseTrigger(name, PRIVATE_TASK_NAMES);
    if (refused) return refused;
    const body = parseJsonObject(request.body || '{}');
    if (!body) return error('WRONG_DATA_TYPE', 'the request body must be a JSON object', {});
    const { context_task: context, refresh_token: refreshToken } = body;
    const contextMissing = context === undefined && CONTEXT_REQUIRED.has(name as TaskName);
    if (contextMissing || (context !== undefined && !isPlainObject(context))) {
      return error('WRONG_DATA_TYPE', 'context_task must be an object', { name: 'context_task' });
    }
    if (refreshToken !== undefined && typeof refreshToken !== 'string') {
      return error('WRONG_DATA_TYPE', 'refresh_token must be a string', { name: 'refresh_token' });
    }
    const task = this.createTask(name as TaskName, {
      payload: context as object | undefined,
      refreshToken,
      createReason: 'manually triggered by endpoint',
    });
    return jsonResponse(200, { task_id: task.task_id });
  }

  /** `GET tasks/[private/]<name>/recents/?page=&amt=`, newest first; the private list adds `details.payload`. */
  private recents(request: SimRequest, name: string, internal: boolean): SimResponse {
    if (!isAllowed(name, internal ? PRIVATE_TASK_NAMES : PUBLIC_TASK_NAMES)) return wrongName(name);
    const page = intParam(request.query, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
    const amt = intParam(request.query, 'amt', PAGE_SIZE.default, PAGE_SIZE.min, PAGE_SIZE.max);
    if (page === undefined) return error('WRONG_DATA_TYPE', 'page must be an integer >= 1', { name: 'page' });
    if (amt === undefined) {
      return error('WRONG_DATA_TYPE', `amt must be an integer between ${PAGE_SIZE.min} and ${PAGE_SIZE.max}`, { name: 'amt' });
    }
    // Reverse creation order rather than sorting by start time, so tasks created at the same tick stay ordered.
    const matching = this.tasks.filter((task) => task.name === name).reverse();
    const slice = matching.slice((page - 1) * amt, page * amt);
    return jsonResponse(200, {
      has_next: matching.length > page * amt,
      next_page: page + 1,
      tasks: slice.map((task) => (internal ? { ...this.summary(task), details: task.payload ? { payload: task.payload } : {} } : this.summary(task))),
    });
  }

  /** `GET tasks/private/<name>/<task_id>/`. */
  private getTask(name: string, taskId: string): SimResponse {
    const { task, refusal } = this.findTask(name, taskId);
    if (!task) return refusal;
    const { task_id, start_time, status } = this.summary(task);
    // The seed's Get Task answer has no top-level `progress`: it lives in `details.progress`.
    return jsonResponse(200, { task_id, name: task.name, start_time, status, details: this.details(task) });
  }

  /** `DELETE tasks/private/<name>/<task_id>/`: cancelling a finished task is accepted but changes nothing. */
  private cancel(name: string, taskId: string): SimResponse {
    const { task, refusal } = this.findTask(name, taskId);
    if (!task) return refusal;
    const at = this.now();
    this.cancelRequests.push({ name: task.name, task_id: task.task_id, at });
    if (task.cancelRequestedAt === undefined && UNFINISHED.has(this.statusOf(task))) task.cancelRequestedAt = at;
    return emptyResponse(204);
  }

  // ---- tasks ----

  /** How a task ends without a `failNext` / `neverFinishNext`: as the shape says, else it completes. */
  private shapedOutcome(name: TaskName): TaskOutcome {
    if (this.shape.neverFinish?.includes(name)) return { kind: 'NEVER' };
    if (this.shape.fail?.includes(name)) return { kind: 'FAILED', message: simulatedFailure(name) };
    return { kind: 'COMPLETED' };
  }

  /** The 400/409 a trigger of `name` must answer, if any. */
  private refuseTrigger(name: string, allowed: readonly string[]): SimResponse | undefined {
    if (!isAllowed(name, allowed)) return wrongName(name);
    const running = this.tasks.some((task) => task.name === name && UNFINISHED.has(this.statusOf(task)));
    if (running) return error('TASK_ALREADY_RUNNING', `task ${name} is already running`, { name });
    return undefined;
  }

  private createTask(
    name: TaskName,
    init: { payload?: object; refreshToken?: string; createReason: string; outcome?: TaskOutcome },
  ): SimTask {
    let outcome = init.outcome;
    if (!outcome) {
      outcome = this.pendingOutcomes.get(name) ?? this.shapedOutcome(name);
      this.pendingOutcomes.delete(name);
    }
    const task: SimTask = {
      task_id: randomId(),
      name,
      startedAt: this.now(),
      payload: init.payload,
      refreshToken: init.refreshToken,
      outcome,
      createReason: init.createReason,
    };
    this.tasks.push(task);
    return task;
  }

  /** The task, or the 400/404 to answer when the name is wrong or no such task exists. */
  private findTask(name: string, taskId: string): { task: SimTask; refusal?: never } | { task?: never; refusal: SimResponse } {
    if (!isAllowed(name, PRIVATE_TASK_NAMES)) return { refusal: wrongName(name) };
    const task = this.tasks.find((candidate) => candidate.task_id === taskId && candidate.name === name);
    return task ? { task } : { refusal: error('TASK_NOT_FOUND', `no task ${name} with id ${taskId}`, { name, task_id: taskId }) };
  }

  /** The fields every task listing carries. */
  private summary(task: SimTask): { task_id: string; name: TaskName; start_time: number; status: TaskStatus; progress: string } {
    const { status, progress } = this.progressOf(task);
    return { task_id: task.task_id, name: task.name, start_time: task.startedAt / 1000, status, progress: progress.message };
  }

  /** `details` as `GET tasks/private/<name>/<task_id>/` returns it. */
  private details(task: SimTask): object {
    return {
      ...(task.payload ? { payload: task.payload } : {}),
      progress: this.progressOf(task).progress,
      timeout_at: task.startedAt / 1000 + TASK_TIMEOUT_SECONDS,
      create_reason: task.createReason,
    };
  }

  /** Status and progress at the current clock: a cancel request freezes the natural lifecycle. */
  private progressOf(task: SimTask): { status: TaskStatus; progress: Progress } {
    const now = this.now();
    if (task.cancelRequestedAt !== undefined) {
      const cancelled = now >= task.cancelRequestedAt + this.cancelDelayMs;
      return cancelled
        ? { status: 'CANCELLED', progress: { message: 'task cancelled' } }
        : { status: 'CANCELLED_REQUESTED', progress: { message: 'cancel requested' } };
    }
    const elapsed = now - task.startedAt;
    const pickedUpAfter = this.taskDurationMs * REQUEST_SENT_SHARE;
    if (elapsed < pickedUpAfter) return { status: 'REQUEST_SENT', progress: { message: 'waiting for a worker' } };
    const finished = elapsed >= this.taskDurationMs && task.outcome.kind !== 'NEVER';
    if (!finished) {
      // NEVER tasks keep cycling through their progress so polling clients see movement.
      const fraction = ((elapsed - pickedUpAfter) / (this.taskDurationMs - pickedUpAfter)) % 1;
      return { status: 'RUNNING', progress: progressAt(task, fraction) };
    }
    if (task.outcome.kind === 'FAILED') return { status: 'FAILED', progress: { message: task.outcome.message } };
    return { status: 'COMPLETED', progress: progressAt(task, 1) };
  }
}

/** `details.progress`: a message plus task-specific counters, as in the seed's examples. */
interface Progress {
  readonly message: string;
  readonly [key: string]: unknown;
}

/**
 * Progress when the share `done` of the work is complete: percentages and counters follow it
 * exactly (a client can estimate the time left from them), the other messages move in
 * PROGRESS_STEPS steps (a model trained, 25 more users).
 */
function progressAt(task: SimTask, done: number): Progress {
  const percent = Math.floor(done * 100);
  const step = Math.min(PROGRESS_STEPS, Math.floor(done * PROGRESS_STEPS) + 1);
  switch (task.name) {
    case 'ml_model_retrain':
      return { message: `trained model ${modelHash(task.task_id, step)}`, models_trained: step };
    case 'item_popularity_score_recalibrate':
      return { message: `recalibrated ${percent}% of item popularity scores` };
    case 'ml_new_users':
      return { message: `${step * 25} new users processed` };
    case 'ml_new_items':
      return { message: `${step * 25} new items processed` };
    case 'data_import':
      return { message: `${step * 40} rows uploaded`, rows: step * 40, init_time_stamp: Math.floor(task.startedAt / 1000) };
    case 'reco_export':
    case 'user_id_whitelist_export':
      return { message: `uploading ${percent}%`, n_total: 100, n_processed: percent, n_failed: 0, n_warnings: 0, has_counts: true };
    case 'analytics_report_export':
      return { message: `computing analytics report ${percent}%` };
  }
}

/** An 8-hex-digit model id that differs per task and step, like "38c6744c". */
function modelHash(taskId: string, step: number): string {
  return createHash('sha1').update(`${taskId}:${step}`).digest('hex').slice(0, 8);
}

/** 20 random alphanumerics, the shape of the vendor's task ids ("4xBBB6qkqDbGdlyYRAjF"). */
function randomId(): string {
  return Array.from({ length: 20 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('');
}

function error(name: ErrorName, message: string, errorData: object): SimResponse {
  const { status, code } = ERRORS[name];
  const body: ErrorBody = { error_code: code, error_name: name, message, error_data: errorData };
  return jsonResponse(status, body);
}

function wrongName(name: string): SimResponse {
  return error('WRONG_DATA_TYPE', `task name ${name} is not allowed here`, { name });
}

function isAllowed(name: string, allowed: readonly string[]): boolean {
  return allowed.includes(name);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An integer query parameter within [min, max]; undefined when present but invalid. */
function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) return undefined;
  const value = Number(raw);
  return value >= min && value <= max ? value : undefined;
}
