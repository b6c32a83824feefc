/**
 * Everything Continuum knows about the Crossing Minds background-task API: task names, paths,
 * task statuses, answer shapes, the vendor's error bodies and stable error names, the secret's
 * shape, and how a task's status becomes a job outcome.
 * (Seed: crossing-minds-background-tasks.txt.)
 *
 * Paths are relative to the API root (`baseUrl`, e.g. https://api.crossingminds.com): the
 * database is not part of the URL, it is bound to the JWT the calls carry.
 */
import * as z from 'zod';
import { ContinuumError } from '../../../lambdas/shared/errors';
import { cut } from '../../../lambdas/shared/http';
import { failed, running, succeeded, type JobResult } from '../../../lambdas/shared/job-result';
import { nextCheckFromPace, progressMark, progressShare, withNextCheck, type JobResultWithNextCheck, type NextCheckRequest } from '../../../lambdas/shared/next-check';
import type { ErrorName } from '../../contract/errors';

/** Tasks the public `POST tasks/<name>/` and `GET tasks/<name>/recents/` accept. */
export const PUBLIC_TASK_NAMES = ['ml_model_retrain', 'item_popularity_score_recalibrate', 'ml_new_users', 'ml_new_items'] as const;
/** Tasks triggered only through their internal `POST tasks/private/<name>/` endpoint, with a `context_task`. */
export const PRIVATE_TASK_NAMES = ['data_import', 'reco_export', 'analytics_report_export', 'user_id_whitelist_export'] as const;
export const TASK_NAMES = [...PUBLIC_TASK_NAMES, ...PRIVATE_TASK_NAMES] as const;

export type PublicTaskName = (typeof PUBLIC_TASK_NAMES)[number];
export type PrivateTaskName = (typeof PRIVATE_TASK_NAMES)[number];
export type TaskName = (typeof TASK_NAMES)[number];

export function isPrivateTask(name: string): name is PrivateTaskName {
  return (PRIVATE_TASK_NAMES as readonly string[]).includes(name);
}

/** The config error for a task name the API does not know, listing the ones it does. */
export function unknownTaskMessage(name: unknown): string {
  return (
    `unknown task '${String(name)}'; expected one of ${PUBLIC_TASK_NAMES.join(', ')} (public) ` +
    `or ${PRIVATE_TASK_NAMES.join(', ')} (private, with a context)`
  );
}

// ---- paths ----

/** Most lists are short: the newest task is ours or the running one, so one page of the maximum size. */
export const RECENTS_PAGE_SIZE = 64;
/** A public task not found within this many recents pages is reported as not listed. */
export const MAX_RECENTS_PAGES = 10;

export const triggerPath = (name: TaskName): string => (isPrivateTask(name) ? `/tasks/private/${name}/` : `/tasks/${name}/`);
/** Public tasks are listed on the public endpoint, private ones on the internal one (which adds `details`). */
export const recentsPath = (name: TaskName, page: number, amt: number): string =>
  `/tasks/${isPrivateTask(name) ? 'private/' : ''}${name}/recents/?page=${page}&amt=${amt}`;
/** `GET` reads a task, `DELETE` requests its cancellation (internal endpoints). */
export const taskPath = (name: TaskName, taskId: string): string => `/tasks/private/${name}/${encodeURIComponent(taskId)}/`;
/** Exchanges a refresh token for a new JWT (and a new refresh token). */
export const REFRESH_TOKEN_PATH = '/login/refresh-token/';

// ---- task statuses and answers ----

export const TaskStatus = {
  REQUEST_SENT: 'REQUEST_SENT',
  RUNNING: 'RUNNING',
  CANCELLED_REQUESTED: 'CANCELLED_REQUESTED',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  CANCELLED: 'CANCELLED',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** Statuses of a task that is still going: the API refuses a second trigger of its name meanwhile. */
export const UNFINISHED: ReadonlySet<TaskStatus> = new Set(['REQUEST_SENT', 'RUNNING', 'CANCELLED_REQUESTED']);

const status = z.enum(Object.values(TaskStatus) as [TaskStatus, ...TaskStatus[]]);
const warnings = z.array(z.string()).optional();

/** `{task_id}`: the private triggers' answer (and the public one's, on servers that send a body). */
export const triggerAnswerSchema = z.object({ task_id: z.string().min(1), warnings });
/** The public trigger's answer when it has a body without an id. */
export const publicTriggerAnswerSchema = z.object({ task_id: z.string().min(1).optional(), warnings });

/** One task of a recents list; `progress` is a message string there. */
export const listedTaskSchema = z.object({
  task_id: z.string().min(1),
  name: z.string(),
  start_time: z.number(),
  status,
  progress: z.string().nullish(),
  details: z.record(z.string(), z.unknown()).nullish(),
  warnings,
});
export type ListedTask = z.output<typeof listedTaskSchema>;

export const recentsSchema = z.object({
  has_next: z.boolean(),
  next_page: z.number().int().min(1).nullish(),
  tasks: z.array(listedTaskSchema),
  warnings,
});
export type Recents = z.output<typeof recentsSchema>;

/** `GET tasks/private/<name>/<id>/`: progress lives in `details.progress` (`{message, ...counters}`). */
export const taskSchema = z.object({
  task_id: z.string().min(1),
  name: z.string(),
  start_time: z.number(),
  status,
  details: z
    .object({
      progress: z.union([z.object({ message: z.string().nullish() }).loose(), z.string()]).nullish(),
    })
    .loose()
    .nullish(),
  warnings,
});
export type Task = z.output<typeof taskSchema>;

/** `POST login/refresh-token/` answers a new JWT and (when tokens rotate) a new refresh token. */
export const refreshAnswerSchema = z.object({ token: z.string().min(1), refresh_token: z.string().min(1).optional() });

/** A task's facts as the handlers use them, from either answer shape. */
export interface TaskView {
  readonly taskId: string;
  readonly name: string;
  readonly status: TaskStatus;
  readonly message: string | null;
  readonly startTime: number;
  /** The share of the work done, in [0, 1], when the progress says (`n_processed / n_total`, "95%"). */
  readonly done: number | null;
}

export function viewOfListed(task: ListedTask): TaskView {
  const message = task.progress ?? null;
  return { taskId: task.task_id, name: task.name, status: task.status, message, startTime: task.start_time, done: progressShare(message) };
}

export function viewOfTask(task: Task): TaskView {
  const progress = task.details?.progress;
  const message = typeof progress === 'string' ? progress : (progress?.message ?? null);
  return { taskId: task.task_id, name: task.name, status: task.status, message, startTime: task.start_time, done: progressShare(progress) };
}

// ---- errors ----

/** Stable error names of tasks that ended badly (the Fail state's `error`). */
export const CROSSING_MINDS_ERRORS = {
  taskFailed: 'CrossingMindsTaskFailed',
  taskCancelled: 'CrossingMindsTaskCancelled',
  /** Thrown by the trigger on TASK_ALREADY_RUNNING; the state machine catches it to find that task. */
  taskAlreadyRunning: 'CrossingMindsTaskAlreadyRunning',
  taskNotListed: 'CrossingMindsTaskNotListed',
} as const satisfies Record<string, ErrorName>;

/** 409 TASK_ALREADY_RUNNING: a task of this name is unfinished. Caught by the existing-task check. */
export class TaskAlreadyRunningError extends ContinuumError {
  readonly name = CROSSING_MINDS_ERRORS.taskAlreadyRunning;
}

/** The task cannot be found in the recents list (the API dropped it, or answered inconsistently). */
export class TaskNotListedError extends ContinuumError {
  readonly name = CROSSING_MINDS_ERRORS.taskNotListed;
}

/** The vendor's error body: `{error_code, error_name, message, error_data}`. */
export const errorBodySchema = z.object({
  error_code: z.number().optional(),
  error_name: z.string().min(1),
  message: z.string().optional(),
  error_data: z.unknown().optional(),
});
export type ErrorBody = z.output<typeof errorBodySchema>;

/** Vendor error names the handlers act on (the others map by HTTP status). */
export const VENDOR_ERRORS = {
  taskAlreadyRunning: 'TASK_ALREADY_RUNNING',
  jwtExpired: 'JWT_EXPIRED',
  refreshTokenInvalid: 'AUTH_REFRESH_TOKEN_INVALID',
} as const;

export function parseErrorBody(body: string): ErrorBody | undefined {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** `ERROR_NAME: message` from a vendor error body. */
export function errorBodyMessage(error: ErrorBody): string {
  return error.message ? `${error.error_name}: ${error.message}` : error.error_name;
}

// ---- task → job result ----

/**
 * A task's status as a job result. `id` is what the state machine keeps as the job id (the task
 * id, or a locator while a public task is still being followed through the recents list).
 */
export function taskResult(task: TaskView, id: string = task.taskId): JobResult {
  const summary = { taskName: task.name, taskId: task.taskId, progress: task.message === null ? null : cut(task.message, 200) };
  const what = `${task.name} task ${task.taskId}`;
  switch (task.status) {
    case 'COMPLETED':
      return succeeded(task.taskId, task.status, summary);
    case 'FAILED':
      return failed(task.taskId, task.status, CROSSING_MINDS_ERRORS.taskFailed, `${what} FAILED: ${task.message || 'no message'}`, summary);
    case 'CANCELLED':
      return failed(task.taskId, task.status, CROSSING_MINDS_ERRORS.taskCancelled, `${what} was CANCELLED: ${task.message || 'no message'}`, summary);
    default:
      return running(id, task.status, summary);
  }
}

/**
 * The status answer of a check: the task's result with its progress reading in the summary, and
 * when to check again at the pace since the previous reading (null when the progress says nothing
 * or the task is over: the poller's schedule applies).
 */
export function checkedTaskResult(task: TaskView, nextCheck: NextCheckRequest | undefined, id?: string): JobResultWithNextCheck {
  const result = taskResult(task, id);
  if (result.outcome !== 'running') return withNextCheck(result, null);
  const summary = { ...result.summary, ...progressMark(task.done, nextCheck) };
  return withNextCheck({ ...result, summary }, nextCheckFromPace(task.done, nextCheck));
}

// ---- following a public task through the recents list ----

/**
 * Where the next status check of a public task looks: the task's id (null until known, when the
 * trigger answered 204 without one) and the recents page to read. Kept in the job id as
 * `<task_id>` (page 1) or `<task_id>?page=<n>`, so each check stays one call.
 */
export interface TaskLocator {
  readonly taskId: string | null;
  readonly page: number;
}

export function formatLocator({ taskId, page }: TaskLocator): string | null {
  if (taskId === null) return null;
  return page <= 1 ? taskId : `${taskId}?page=${page}`;
}

export function parseLocator(jobId: string | null | undefined): TaskLocator | undefined {
  if (jobId === null || jobId === undefined || jobId === '') return { taskId: null, page: 1 };
  const match = /^([^?]+?)(?:\?page=([1-9]\d{0,5}))?$/.exec(jobId);
  return match ? { taskId: match[1], page: match[2] ? Number(match[2]) : 1 } : undefined;
}

// ---- the private tasks' context_task ----

const table = z.looseObject({ connection: z.string().min(1), name: z.string().min(1) });
const outputTable = z.looseObject({ output_table: table });

/** The `context_task` each private task needs, as the seed's examples show it (extra fields pass). */
export const CONTEXT_TASK_SCHEMAS: Record<PrivateTaskName, z.ZodType> = {
  data_import: z.looseObject({ connection: z.string().min(1), table_name: z.string().min(1) }),
  reco_export: z.looseObject({
    input_table: table,
    reco_params: z.looseObject({ amt: z.number().int().min(1).optional(), filters: z.array(z.string()).optional() }).optional(),
    output_table: table,
  }),
  analytics_report_export: outputTable,
  user_id_whitelist_export: outputTable,
};

// ---- the secret ----

/**
 * The secret: `{"token": "<jwt>"}`, `{"refreshToken": "..."}` or both. Other fields are kept when
 * the handlers store a renewed pair back.
 */
export const secretSchema = z.looseObject({ token: z.string().min(1).optional(), refreshToken: z.string().min(1).optional() });
export type CrossingMindsSecret = z.output<typeof secretSchema>;
