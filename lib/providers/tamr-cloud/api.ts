/**
 * Everything Continuum knows about the Tamr Cloud Jobs API v1beta1: paths, job states, the job's
 * shape, the X-API-KEY header and how a remote job becomes a job outcome.
 * (Seeds: tamr-cloud-jobs-api.txt, tamr-cloud-pipeline-end-to-end.txt; facts: shared/api-notes.md.)
 */
import * as z from 'zod';
import { BadSecretError } from '../../../lambdas/shared/errors';
import { enc } from '../../../lambdas/shared/http';
import { failed, running, succeeded, type JobResult } from '../../../lambdas/shared/job-result';
import { REMOTE_DURATION_KEY } from '../../../lambdas/shared/learned-polling';
import type { SecretValue } from '../../../lambdas/shared/secret';
import type { ErrorName } from '../../contract/errors';

/** The tenant's API root; every path below is relative to it. */
export const tenantBaseUrl = (tenant: string): string => `https://${tenant}.tamr.cloud/api/v1beta1`;

export const JOBS_PATH = '/jobs';
export const jobPath = (jobId: string): string => `${JOBS_PATH}/${enc(jobId)}`;
/** A custom method (AIP-136): the colon is literal, only the id is encoded. */
export const stopJobPath = (jobId: string): string => `${JOBS_PATH}/${enc(jobId)}:stop`;

/** The list endpoint answers at most 30 jobs per page. */
export const MAX_PAGE_SIZE = 30;
/**
 * Pages of the job list read by one look (3 × 30 = the tenant's 90 newest jobs). The server may
 * ignore our filters and list every job of the tenant (api-notes), so the bound is on the tenant's
 * whole list: newest first, and a tenant runs at most 5 jobs at once, so an unfinished job sits
 * behind 85 newer jobs only after a burst of short ones; the look after a lost answer stops
 * earlier, at the first job created before its window. Each page is one call bounded by the HTTP
 * timeout, and the Lambda runs for that timeout + 10 s: more pages would risk the handler's time.
 */
export const MAX_LIST_PAGES = 3;

/** A list filter: the resource ids a job refers to (each is a `GET /jobs` query parameter). */
export type JobListFilter = Partial<Record<'sourceId' | 'dataProductId' | 'workflowId' | 'destinationId', string>>;

export const listJobsPath = (filter: JobListFilter, pageToken?: string): string => {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value) query.set(key, value);
  query.set('pageSize', String(MAX_PAGE_SIZE));
  if (pageToken) query.set('pageToken', pageToken);
  return `${JOBS_PATH}?${query}`;
};

/** Job states. DONE means finished: succeeded, failed or stopped (failure = a present `status.error`). */
export const TamrCloudJobState = {
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  STOPPING: 'STOPPING',
  DONE: 'DONE',
} as const;
export type TamrCloudJobState = (typeof TamrCloudJobState)[keyof typeof TamrCloudJobState];
const STATES = Object.values(TamrCloudJobState) as [TamrCloudJobState, ...TamrCloudJobState[]];

/** What a submit task asks for, one variant per step kind (the Map item arrives as `sourceId`). */
export const submitJobEvent = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('load'), sourceId: z.string().min(1) }),
  z.object({ kind: z.literal('updateDataProduct'), dataProductId: z.string().min(1) }),
  z.object({ kind: z.literal('updateWorkflow'), workflowId: z.string().min(1) }),
  z.object({ kind: z.literal('publish'), destinationId: z.string().min(1), dataProductId: z.string().min(1).optional() }),
]);
export type SubmitJobEvent = z.output<typeof submitJobEvent>;

/** The `configuration` of `POST /jobs`: exactly one of load, update, publish. */
export interface JobConfiguration {
  readonly load?: { readonly sourceId: string };
  readonly update?: { readonly dataProductId?: string; readonly workflowId?: string };
  readonly publish?: { readonly destinationId: string; readonly dataProductId?: string };
}

export function jobConfiguration(event: SubmitJobEvent): JobConfiguration {
  switch (event.kind) {
    case 'load':
      return { load: { sourceId: event.sourceId } };
    case 'updateDataProduct':
      return { update: { dataProductId: event.dataProductId } };
    case 'updateWorkflow':
      return { update: { workflowId: event.workflowId } };
    case 'publish':
      return { publish: { destinationId: event.destinationId, ...(event.dataProductId ? { dataProductId: event.dataProductId } : {}) } };
  }
}

/** The list filter that finds jobs of this configuration (a data product filter also lists its publishes). */
export function listFilterOf(event: SubmitJobEvent): JobListFilter {
  switch (event.kind) {
    case 'load':
      return { sourceId: event.sourceId };
    case 'updateDataProduct':
      return { dataProductId: event.dataProductId };
    case 'updateWorkflow':
      return { workflowId: event.workflowId };
    case 'publish':
      return { destinationId: event.destinationId, ...(event.dataProductId ? { dataProductId: event.dataProductId } : {}) };
  }
}

/** Whether a listed job has exactly the configuration a submit sends (a job listed without one does not). */
export function sameConfiguration(listed: z.output<typeof configurationSchema> | undefined, event: SubmitJobEvent): boolean {
  const wanted: Record<string, Record<string, string> | undefined> = { ...jobConfiguration(event) };
  const found: Record<string, Record<string, string | undefined> | undefined> = { ...listed };
  return ['load', 'update', 'publish'].every((key) => {
    const a = found[key] ?? {};
    const b = wanted[key] ?? {};
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].every((field) => a[field] === b[field]);
  });
}

/**
 * Whether a listed job works on a data product: its update or its publish (what the server's
 * `dataProductId` filter means). Checked on our side, because the server may ignore the filter.
 */
export function refersToDataProduct(listed: z.output<typeof configurationSchema> | undefined, dataProductId: string): boolean {
  return listed?.update?.dataProductId === dataProductId || listed?.publish?.dataProductId === dataProductId;
}

/**
 * When a job was created, in ms since epoch: the time it entered PENDING in `statusHistory`,
 * else the first history entry's time, else the status time of a job still PENDING. Undefined
 * when the answer says none of these (old servers omit empty fields): the caller decides.
 */
export function jobCreatedAt(job: { status: { state: string; stateStartTime?: string }; statusHistory?: ReadonlyArray<{ state: string; stateStartTime?: string }> }): number | undefined {
  const history = job.statusHistory ?? [];
  const candidates = [
    history.find((entry) => entry.state === TamrCloudJobState.PENDING)?.stateStartTime,
    history[0]?.stateStartTime,
    job.status.state === TamrCloudJobState.PENDING ? job.status.stateStartTime : undefined,
  ];
  for (const text of candidates) {
    const at = text ? Date.parse(text) : NaN;
    if (Number.isFinite(at)) return at;
  }
  return undefined;
}

const configurationSchema = z.object({
  load: z.object({ sourceId: z.string() }).partial().optional(),
  update: z.object({ dataProductId: z.string(), workflowId: z.string() }).partial().optional(),
  publish: z.object({ destinationId: z.string(), dataProductId: z.string() }).partial().optional(),
});

/** proto3 JSON omits empty fields: `error` is absent on success, and may be `{}` on old servers. */
const jobErrorSchema = z.object({ reason: z.string().optional(), message: z.string().optional() });

const statusSchema = z.object({
  state: z.enum(STATES),
  stateStartTime: z.string().optional(),
  error: jobErrorSchema.nullish(),
});

export const jobSchema = z.object({
  jobId: z.string().min(1),
  configuration: configurationSchema.optional(),
  status: statusSchema,
  statusHistory: z.array(z.object({ state: z.string(), stateStartTime: z.string().optional() })).optional(),
});
export type TamrCloudJob = z.output<typeof jobSchema>;

/**
 * `POST /jobs` answers the job (api-notes); the seed only reads its `jobId`. An answer without a
 * status is a job that was just accepted: PENDING.
 */
export const createdJobSchema = jobSchema.extend({
  status: statusSchema.default({ state: TamrCloudJobState.PENDING }),
});

/**
 * A page of `GET /jobs`. Listed jobs are read leniently (any state string, no configuration or
 * times needed): one odd job must not break the whole check, it just never matches.
 */
export const jobListSchema = z.object({
  jobs: z
    .array(
      z.object({
        jobId: z.string().min(1),
        configuration: configurationSchema.optional(),
        status: z.object({ state: z.string().min(1), stateStartTime: z.string().optional(), error: jobErrorSchema.nullish() }),
        statusHistory: z.array(z.object({ state: z.string(), stateStartTime: z.string().optional() })).optional(),
      }),
    )
    .default([]),
  nextPageToken: z.string().optional(),
});
export type TamrCloudJobList = z.output<typeof jobListSchema>;

/** Stable error names of jobs that ended DONE unsuccessfully (the Fail state's `error`). */
export const TAMR_CLOUD_ERRORS = {
  jobFailed: 'TamrCloudJobFailed',
  jobStopped: 'TamrCloudJobStopped',
} as const satisfies Record<string, ErrorName>;

/** "update of data product dp_1": what a job does, from its configuration. */
export function describeJob(configuration: z.output<typeof configurationSchema> | undefined): string {
  if (configuration?.load) return `load of source ${configuration.load.sourceId}`;
  if (configuration?.update?.dataProductId) return `update of data product ${configuration.update.dataProductId}`;
  if (configuration?.update?.workflowId) return `update of workflow ${configuration.update.workflowId}`;
  if (configuration?.publish) {
    const product = configuration.publish.dataProductId ? ` of data product ${configuration.publish.dataProductId}` : '';
    return `publish${product} to destination '${configuration.publish.destinationId}'`;
  }
  return 'job';
}

/** The ids a job works on, kept as the step's summary. */
function jobSummary(job: Pick<TamrCloudJob, 'configuration' | 'status'>): Record<string, unknown> {
  const c = job.configuration;
  const type = c?.load ? 'load' : c?.update ? 'update' : c?.publish ? 'publish' : undefined;
  return {
    ...(type ? { type } : {}),
    ...(c?.load ?? {}),
    ...(c?.update ?? {}),
    ...(c?.publish ?? {}),
    ...(job.status.stateStartTime ? { stateStartTime: job.status.stateStartTime } : {}),
  };
}

/**
 * A job's state as a job result, as the seed's `poll_job` reads it: PENDING, RUNNING and STOPPING
 * wait; DONE with a (non-empty) `status.error` failed; DONE without one succeeded. A job that went
 * through STOPPING, or whose error reason says so, was stopped: reported apart from failures.
 */
export function jobResult(job: TamrCloudJob): JobResult {
  const { state } = job.status;
  const summary = jobSummary(job);
  if (state !== TamrCloudJobState.DONE) return running(job.jobId, state, summary);

  const error = job.status.error;
  const hasError = !!(error && (error.reason || error.message));
  const wentThroughStopping = job.statusHistory?.some((entry) => entry.state === TamrCloudJobState.STOPPING) ?? false;
  const what = `job ${job.jobId} (${describeJob(job.configuration)})`;
  const details = `reason: ${error?.reason || 'none given'}; message: ${error?.message || 'none given'}`;
  if (wentThroughStopping || (hasError && /^STOP/i.test(error?.reason ?? ''))) {
    return failed(job.jobId, state, TAMR_CLOUD_ERRORS.jobStopped, `${what} was stopped before it finished (${details})`, summary);
  }
  if (hasError) return failed(job.jobId, state, TAMR_CLOUD_ERRORS.jobFailed, `${what} failed with ${details}`, summary);
  // The tenant's clock, from creation to DONE: the duration learned polling keeps.
  const ran = (Date.parse(job.status.stateStartTime ?? '') - (jobCreatedAt(job) ?? NaN)) / 1000;
  return succeeded(job.jobId, state, Number.isFinite(ran) && ran > 0 ? { ...summary, [REMOTE_DURATION_KEY]: ran } : summary);
}

/** The API key, as the secret holds it: the key itself, or JSON `{"apiKey": "..."}`. */
const apiKeySecret = z.union([z.string(), z.object({ apiKey: z.string() }).transform((value) => value.apiKey)]);

/**
 * The `X-API-KEY` header value. Surrounding whitespace (a key pasted with its newline) is dropped;
 * a key with other characters could not be sent as a header, so it is a BadSecret, not a network error.
 */
export function apiKeyHeader(secret: SecretValue, secretName: string): string {
  const parsed = apiKeySecret.safeParse(secret.reveal());
  const key = parsed.success ? parsed.data.trim() : '';
  if (!/^[\x21-\x7e]+$/.test(key)) {
    throw new BadSecretError(`secret '${secretName}' must be the Tamr Cloud API key, as plain text or as JSON {"apiKey": "..."}`);
  }
  return key;
}
