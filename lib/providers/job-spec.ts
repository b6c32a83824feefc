/**
 * What a provider tells the generic constructs about one remote job: which handler submits it,
 * which handler reads its status, and the names people see in the Step Functions console.
 */
import { fileURLToPath } from 'node:url';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A Lambda handler module in `lambdas/`. One function is deployed per pipeline and handler. */
export interface HandlerRef {
  /** Stable id, e.g. `tamr-mastering/get-operation`; also the file under `lambdas/` without `.ts`. */
  readonly id: string;
  /** Absolute path of the handler's entry file (for esbuild and the local runner). */
  readonly entry: string;
  /** Streams large bodies: gets the 15-minute Lambda timeout and a matching HTTP timeout. */
  readonly longRunning?: boolean;
  /**
   * Writes the pipeline's secret back (e.g. a rotated refresh token the next cold start needs):
   * the function is also granted secretsmanager:PutSecretValue on it.
   */
  readonly writesSecret?: boolean;
  /**
   * As a status handler: reads the job's progress or ETA, gets `nextCheck` in its payload and
   * answers `nextCheckSeconds` (lambdas/shared/next-check.ts), which replaces the scheduled wait.
   */
  readonly reportsNextCheck?: boolean;
}

/** One invocation of a handler with the step's static parameters. */
export interface HandlerCall {
  readonly handler: HandlerRef;
  /** Sent as the Lambda payload (the status task adds `jobId`). Never holds secrets. */
  readonly payload: Record<string, JsonValue>;
  /** `s3://bucket/key` objects the handler reads: the function is granted s3:GetObject on them. */
  readonly readsS3?: readonly string[];
}

/**
 * A remote job: a synchronous call whose answer is final, or a submit polled until terminal.
 * Options that only make sense while polling (stop, statusUpdatesId) exist only on PolledJob;
 * the JobPoller rejects the combinations the types cannot express (see validateJobSpec).
 */
export type JobSpec = SynchronousJob | PolledJob;

/** What every job has, polled or not. */
interface JobBase {
  /** Unique in the pipeline, camelCase; the job's summary lands at `$.steps.<key>`. */
  readonly key: string;
  /** The submit state's name, read like the seed's steps: "Refresh record clusters". */
  readonly title: string;
  /** What the job produces: "record clusters" → "Wait for record clusters". */
  readonly subject: string;
  readonly submit: HandlerCall;
  /**
   * A follow-up call made once after the job ends, when the final result's summary says
   * `reportNeeded: true` (e.g. to fetch details of what went wrong, which the status call omits).
   * Its result replaces the job's status before the succeeded/failed routing, so it decides the
   * step's outcome; it must return `succeeded` or `failed`. Receives `jobId` like the status call.
   * @default no report call
   */
  readonly report?: ReportCall;
  /**
   * Run the job only when this boolean execution-input field is true; skip it otherwise.
   * @default always runs
   */
  readonly runIf?: { readonly inputFlag: string };
  /**
   * Run the job once per item, in parallel (a Map state), e.g. one load job per source.
   * @default runs once
   */
  readonly forEach?: ForEach;
  /**
   * What to do about an unfinished remote job that conflicts with this one.
   * @default submits without looking
   */
  readonly existingJob?: ExistingJob;
  /**
   * How to find the job a submit may have started when the submit failed without a usable answer
   * (TransientApiError: no answer in time, connection reset, 5xx). The API may have created the
   * job anyway; submitting again blindly would start a second one. With this, the JobPoller looks
   * first: it attaches to the job found, and submits again only when there is none. Polled jobs only.
   * @default TransientApiError is retried like any call
   */
  readonly lostSubmit?: LostSubmit;
  /**
   * A submit payload field the run's input may set: the object a records step reads
   * (lib/config/records-steps.ts). A Choice looks for the input field; without it a Pass puts
   * `configured` there, or, with nothing configured, the run fails with `RecordsNotNamed`.
   * @default the submit's payload is static
   */
  readonly fromInput?: FromInput;
}

/** Where the submit's `payloadField` comes from (see JobBase.fromInput). */
export interface FromInput {
  /** The execution input field, e.g. `records`; the submit reads it at `$.<inputField>`. */
  readonly inputField: string;
  /** The submit payload field it fills. */
  readonly payloadField: string;
  /** What runs whose input lacks the field use. @default none: such a run fails */
  readonly configured?: string;
}

/** A synchronous API: the submit answer is final, anything but `succeeded` fails the step. */
export interface SynchronousJob extends JobBase {
  readonly status?: undefined;
  readonly stop?: undefined;
  readonly statusUpdatesId?: undefined;
}

/** A job polled until terminal: submit, then the status call after each wait. */
export interface PolledJob extends JobBase {
  /** Reads the job's state. */
  readonly status: HandlerCall;
  /**
   * Stops the remote job when it exceeds its timeout (best effort), and when an execution ends
   * early (the execution cleanup reads the stop descriptor from the history).
   * @default the job is left running
   */
  readonly stop?: HandlerCall;
  /**
   * The status handler may answer another `id` than the one it was asked about: a job the submit
   * could not name yet (an API that answers 204), or a locator that moves on through a paged list.
   * Each answer's id then replaces `$.job.id`, so the next check, the stop call and the step's
   * recorded id use the latest one.
   * @default false: the submit's id is the job's id
   */
  readonly statusUpdatesId?: boolean;
}

/** The job is polled (has a status call). */
export const isPolled = (job: JobSpec): job is PolledJob => job.status !== undefined;

/**
 * Combinations a JobSpec's types cannot rule out (a plain object, a cast): each problem names the
 * field, as `<key>.<field>: reason`. Empty when the spec is usable.
 */
export function jobSpecProblems(job: JobSpec): string[] {
  const problems: string[] = [];
  const at = (field: string, reason: string) => problems.push(`${job.key}.${field}: ${reason}`);
  const loose = job as { readonly stop?: unknown; readonly statusUpdatesId?: unknown };
  if (!isPolled(job)) {
    if (loose.stop !== undefined) at('stop', 'needs status: a synchronous job has no timeout to stop it on');
    if (loose.statusUpdatesId !== undefined) at('statusUpdatesId', 'needs status: a synchronous job has no status answers');
    if (job.lostSubmit) at('lostSubmit', 'needs status: the job found would have to be polled');
    if (job.existingJob?.policy === 'attach') at('existingJob.policy', "'attach' needs status: the running job would have to be polled");
  }
  if (job.forEach) {
    const { items, maxConcurrency, payloadField } = job.forEach;
    if (items.length === 0) at('forEach.items', 'must list at least one item');
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) at('forEach.maxConcurrency', `must be a whole number of at least 1, not ${maxConcurrency}`);
    if (payloadField === '') at('forEach.payloadField', 'must name a payload field');
  }
  if (job.fromInput) {
    if (job.forEach) at('fromInput', 'cannot combine with forEach: a fan-out item sees only its item, not the run\'s input');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(job.fromInput.inputField)) at('fromInput.inputField', `'${job.fromInput.inputField}' is not a field name`);
    if (Object.hasOwn(job.submit.payload, job.fromInput.payloadField)) at('fromInput.payloadField', `'${job.fromInput.payloadField}' is also in the static payload`);
  }
  if (job.runIf && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(job.runIf.inputFlag)) at('runIf.inputFlag', `'${job.runIf.inputFlag}' is not a field name`);
  if (typeof job.existingJob?.trigger === 'object' && job.existingJob.trigger.submitError === '') at('existingJob.trigger.submitError', 'must name an error');
  return problems;
}

/** See JobSpec.lostSubmit. */
export interface LostSubmit {
  /**
   * Answers the job this submit's failed attempt created as a JobResult (its id and state, in
   * whatever state it is by now, DONE included), or id null when there is none. Gets the submit's
   * payload (and the Map item) and `createdAfter: { time, allowanceSeconds }`: when the first
   * submit was seen failing (`$$.State.EnteredTime`, recorded by the state machine, not the
   * handler's clock) and how long before that the attempt may have begun (its task timeout).
   */
  readonly find: HandlerCall;
}

/** A report call and the name of its state. */
export interface ReportCall extends HandlerCall {
  /** The report state's name, e.g. "Fetch error report"; default "Get <subject> report". */
  readonly title?: string;
}

export interface ForEach {
  /** The Map state's name, e.g. "Load sources". */
  readonly title: string;
  readonly items: readonly JsonValue[];
  /** Payload field of the submit, status and stop calls that receives the item. */
  readonly payloadField: string;
  /** At most this many items at once (e.g. the tenant's concurrent job limit). */
  readonly maxConcurrency: number;
}

/**
 * A conflicting unfinished job: found before submitting (Tamr Cloud: another job of the same
 * data product) or after the submit fails with a named error (Crossing Minds: TASK_ALREADY_RUNNING).
 */
export interface ExistingJob {
  /** Returns the conflicting job as a JobResult (outcome running, its id), or id null when none. */
  readonly find: HandlerCall;
  /** `beforeSubmit`, or the submit error name that means "already running". */
  readonly trigger: 'beforeSubmit' | { readonly submitError: string };
  /**
   * attach: poll the existing job as this step's job; wait: wait for it to finish, then submit;
   * skip: skip this step; fail: fail the run with `JobConflict`.
   */
  readonly policy: 'attach' | 'wait' | 'skip' | 'fail';
}

/** Resolve a handler entry under `lambdas/` from its id. */
export function handlerRef(id: string, options: { longRunning?: boolean; writesSecret?: boolean; reportsNextCheck?: boolean } = {}): HandlerRef {
  return { id, entry: fileURLToPath(new URL(`../../lambdas/${id}.ts`, import.meta.url)), ...options };
}

/**
 * A step's state names: its own `name` and `subject` when the config gives them, else the
 * provider's defaults. A renamed step without a subject uses its name as the subject.
 */
export function stepDisplay(step: { readonly name?: string; readonly subject?: string }, defaults: { readonly title: string; readonly subject: string }): { title: string; subject: string } {
  return { title: step.name ?? defaults.title, subject: step.subject ?? step.name?.toLowerCase() ?? defaults.subject };
}

/** `refreshDataset`, `refreshDataset2`, ...: unique keys for repeated step kinds. */
export function uniqueKeys(kinds: readonly string[]): string[] {
  const counts = new Map<string, number>();
  return kinds.map((kind) => {
    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    return n === 1 ? kind : `${kind}${n}`;
  });
}
