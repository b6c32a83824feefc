/**
 * A local stand-in for the Tamr Cloud Jobs API v1beta1 (`https://{tenant}.tamr.cloud/api/v1beta1`).
 * The simulator's root URL + `/api/v1beta1` plays the tenant's base URL.
 *
 * Job states are never stored: they are derived from the job's timestamps and `this.now()` on every
 * read, so an injected virtual clock moves jobs along without timers, and every part of the
 * simulator (GET, list, stop, the concurrency limit) agrees on what a job is doing right now.
 */
import { randomInt } from 'node:crypto';
import { HttpSimulator, jsonResponse, type HttpSimulatorOptions, type SimRequest, type SimResponse } from './http-simulator';
import { jobDurationMs, simulatedFailure, type SimulatorShape, TAMR_CLOUD_STEPS } from './shape';

/** The lifecycle states of a Tamr Cloud job. DONE covers success, failure and stop alike. */
export type JobState = 'PENDING' | 'RUNNING' | 'STOPPING' | 'DONE';

/** The job types the Jobs API can create (the steps `--fail` and `--never-finish` name). */
export type JobType = (typeof TAMR_CLOUD_STEPS)[number];

/** Why a job failed or was stopped; present on a DONE job only when it did not succeed. */
export interface JobError {
  readonly reason: string;
  readonly message: string;
}

/**
 * A job configuration as the API takes it. Exactly one of `load`, `update`, `publish` is set, and an
 * `update` has exactly one of `dataProductId` or `workflowId`.
 */
export interface JobConfiguration {
  readonly load?: { readonly sourceId: string };
  readonly update?: { readonly dataProductId?: string; readonly workflowId?: string };
  readonly publish?: { readonly destinationId: string; readonly dataProductId?: string };
}

/** One entry of a job's status history. */
export interface JobStatusEntry {
  readonly state: JobState;
  /** ISO-8601 time the state was entered. */
  readonly stateStartTime: string;
}

/** The job resource as the API renders it (camelCase, empty fields omitted). */
export interface TamrCloudJob {
  readonly jobId: string;
  readonly configuration: JobConfiguration;
  readonly status: JobStatusEntry & { readonly error?: JobError };
  readonly statusHistory: JobStatusEntry[];
}

export interface TamrCloudSimulatorOptions extends HttpSimulatorOptions {
  /** The key every request must send as `X-API-KEY` (default `apk_local_demo`). */
  readonly apiKey?: string;
  /** Unfinished (PENDING, RUNNING, STOPPING) jobs a tenant may have before `POST /jobs` answers 429 (default 5). */
  readonly concurrentJobLimit?: number;
  /** How long a job takes from creation to DONE, in ms (default 1500); the first 10% of it is PENDING. */
  readonly jobDurationMs?: number;
  /** Per-type durations in ms, overriding `jobDurationMs` for those types. */
  readonly durationsMs?: Partial<Record<JobType, number>>;
  /** How long a RUNNING job stays STOPPING after a stop request before it is DONE, in ms (default 300). */
  readonly stopDelayMs?: number;
  /** Known source ids; when given, a load job for any other id answers 404. Omitted: any id is accepted. */
  readonly sources?: readonly string[];
  /** Known data product ids; when given, update/publish jobs for any other id answer 404. Omitted: any id is accepted. */
  readonly dataProducts?: readonly string[];
  /** Known workflow ids; when given, update jobs for any other workflow answer 404. Omitted: any id is accepted. */
  readonly workflows?: readonly string[];
  /** Known publish destination ids; when given, publish jobs for any other id answer 404. Omitted: any id is accepted. */
  readonly destinations?: readonly string[];
  /** Job length and failing / never-finishing job types; `jobSeconds` overrides `jobDurationMs`. @default none */
  readonly shape?: SimulatorShape<JobType>;
  /**
   * List every job of the tenant whatever the `sourceId`, `dataProductId`, `workflowId` and
   * `destinationId` query parameters say, as a REST gateway does with parameters its API
   * definition lacks (api-notes: the public proto has only page_size and page_token). Default false.
   */
  readonly ignoreListFilters?: boolean;
}

/** Decides whether a knob applies to a job, from its configuration. */
export type JobMatcher = (configuration: JobConfiguration) => boolean;

/** The resource ids a job configuration refers to; each doubles as a list filter parameter. */
type ResourceKey = 'sourceId' | 'dataProductId' | 'workflowId' | 'destinationId';

const API_PREFIX = '/api/v1beta1';
const MAX_PAGE_SIZE = 30;
const PENDING_FRACTION = 0.1;
const JOB_TYPES: readonly JobType[] = TAMR_CLOUD_STEPS;
const STATES: readonly JobState[] = ['PENDING', 'RUNNING', 'STOPPING', 'DONE'];
const STOPPED: JobError = { reason: 'STOPPED', message: 'Job was stopped by a user' };
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** What the simulator remembers about a job; everything observable is derived from it. */
interface JobRecord {
  readonly jobId: string;
  /** Creation order; the list endpoint's "newest first" and its page cursor use it. */
  readonly seq: number;
  readonly configuration: JobConfiguration;
  /** When the job entered PENDING. */
  readonly createdAt: number;
  readonly durationMs: number;
  readonly neverFinish: boolean;
  readonly failure?: JobError;
  /** When a stop request reached the job while it was still PENDING or RUNNING. */
  stopRequestedAt?: number;
}

/** One timeline step: the state entered, when, and (for DONE) the error it ended with. */
interface Transition {
  readonly state: JobState;
  readonly at: number;
  readonly error?: JobError;
}

/** A validation outcome: either the value or the error response to send. */
type Checked<T> = { ok: true; value: T } | { ok: false; response: SimResponse };

export class TamrCloudSimulator extends HttpSimulator {
  readonly system = 'tamr-cloud';
  /** Ids of every job a stop was requested for, in request order (repeats and no-op stops included). */
  readonly stopRequests: string[] = [];
  /** Number of `POST /jobs` answered 429 because the concurrent job limit was reached. */
  rateLimitedCount = 0;
  private peak = 0;
  private nextSeq = 0;
  private readonly records = new Map<string, JobRecord>();
  private readonly failureRules: Array<{ match: JobMatcher; error: JobError }> = [];
  private readonly neverFinishRules: JobMatcher[] = [];
  private readonly apiKey: string;
  private readonly limit: number;
  private readonly jobDurationMs: number;
  private readonly durationsMs: Partial<Record<JobType, number>>;
  private readonly stopDelayMs: number;
  private readonly known: Record<ResourceKey, Set<string> | undefined>;
  private readonly ignoreListFilters: boolean;

  constructor(options: TamrCloudSimulatorOptions = {}) {
    super(options);
    this.apiKey = options.apiKey ?? 'apk_local_demo';
    this.limit = options.concurrentJobLimit ?? 5;
    this.jobDurationMs = jobDurationMs(options.shape, options.jobDurationMs, 1500);
    this.durationsMs = options.durationsMs ?? {};
    this.stopDelayMs = options.stopDelayMs ?? 300;
    this.ignoreListFilters = options.ignoreListFilters ?? false;
    const toSet = (ids?: readonly string[]) => (ids ? new Set(ids) : undefined);
    this.known = {
      sourceId: toSet(options.sources),
      dataProductId: toSet(options.dataProducts),
      workflowId: toSet(options.workflows),
      destinationId: toSet(options.destinations),
    };
    // The shape's steps are standing rules from the start (neverFinish wins over failJobs, as always).
    for (const type of options.shape?.neverFinish ?? []) this.neverFinish((configuration) => configuration[type] !== undefined);
    for (const type of options.shape?.fail ?? []) {
      this.failJobs((configuration) => configuration[type] !== undefined, { reason: 'INTERNAL', message: simulatedFailure(type) });
    }
  }

  /** Every job as the API would render it now, oldest first. */
  get jobs(): TamrCloudJob[] {
    return [...this.records.values()].map((record) => this.render(record));
  }

  /** The highest number of unfinished jobs seen at once (observed on every request and every creation). */
  get peakConcurrentJobs(): number {
    this.observeConcurrency();
    return this.peak;
  }

  /**
   * Make future jobs whose configuration matches end DONE with this error instead of succeeding.
   * The first matching rule wins.
   */
  failJobs(match: JobMatcher, error: JobError): this {
    this.failureRules.push({ match, error: { reason: error.reason, message: error.message } });
    return this;
  }

  /** Make future jobs whose configuration matches stay RUNNING until stopped (wins over `failJobs`). */
  neverFinish(match: JobMatcher): this {
    this.neverFinishRules.push(match);
    return this;
  }

  /**
   * Create a job as if someone else had started it (e.g. from another pipeline), bypassing the
   * concurrency limit, so tests can exercise "a conflicting job is already running". It follows
   * the normal lifecycle from there (and the `failJobs`/`neverFinish` knobs).
   */
  seedJob(configuration: JobConfiguration, state: 'PENDING' | 'RUNNING'): TamrCloudJob {
    const now = this.now();
    const durationMs = this.durationFor(configuration);
    // A RUNNING seed is back-dated to the moment it left PENDING, so its history reads naturally.
    const createdAt = state === 'RUNNING' ? now - pendingMs(durationMs) : now;
    const record = this.createRecord(structuredClone(configuration), createdAt, durationMs);
    return this.render(record);
  }

  protected snapshot(): object {
    return {
      jobs: this.jobs,
      peakConcurrentJobs: this.peakConcurrentJobs,
      rateLimitedCount: this.rateLimitedCount,
      stopRequests: [...this.stopRequests],
    };
  }

  protected route(request: SimRequest): SimResponse | Promise<SimResponse> {
    if (headerValue(request.headers['x-api-key']) !== this.apiKey) return apiError(401, 'invalid API key');
    // Time may have moved on since the last request; sample the concurrency before acting.
    this.observeConcurrency();

    if (request.path !== `${API_PREFIX}/jobs` && !request.path.startsWith(`${API_PREFIX}/jobs/`)) {
      return apiError(404, `no such endpoint: ${request.path}`);
    }
    const rest = request.path.slice(`${API_PREFIX}/jobs`.length);
    if (rest === '' || rest === '/') {
      if (request.method === 'POST') return this.createJob(request.body);
      if (request.method === 'GET') return this.listJobs(request.query);
      return apiError(405, `method ${request.method} not allowed`);
    }
    // Clients may percent-encode the ':' of the custom method, so decode before splitting.
    const segment = safeDecode(rest.slice(1));
    if (segment === undefined || segment.includes('/')) return apiError(404, `no such endpoint: ${request.path}`);
    if (segment.endsWith(':stop')) {
      if (request.method !== 'POST') return apiError(405, `method ${request.method} not allowed`);
      return this.stopJob(segment.slice(0, -':stop'.length));
    }
    if (request.method !== 'GET') return apiError(405, `method ${request.method} not allowed`);
    return this.getJob(segment);
  }

  // --- endpoints -------------------------------------------------------------------------------

  private createJob(body: string): SimResponse {
    const parsed = parseConfiguration(body);
    if (!parsed.ok) return parsed.response;
    const configuration = parsed.value;
    const unknown = this.findUnknownResource(configuration);
    if (unknown) return apiError(404, unknown);
    if (this.unfinishedCount() >= this.limit) {
      this.rateLimitedCount += 1;
      return apiError(429, `Too Many Requests: tenant has ${this.limit} concurrent jobs`);
    }
    const record = this.createRecord(configuration, this.now(), this.durationFor(configuration));
    return jsonResponse(200, this.render(record));
  }

  private getJob(jobId: string): SimResponse {
    const record = this.records.get(jobId);
    if (!record) return apiError(404, `job ${jobId} not found`);
    return jsonResponse(200, this.render(record));
  }

  private stopJob(jobId: string): SimResponse {
    const record = this.records.get(jobId);
    if (!record) return apiError(404, `job ${jobId} not found`);
    this.stopRequests.push(jobId);
    const { state } = currentTransition(this.timeline(record, this.now()));
    // Only the first stop of a live job matters; stopping a STOPPING or DONE job changes nothing.
    if (state === 'PENDING' || state === 'RUNNING') record.stopRequestedAt = this.now();
    return jsonResponse(200, {});
  }

  private listJobs(query: URLSearchParams): SimResponse {
    const pageSize = parsePageSize(query.get('pageSize'));
    if (!pageSize.ok) return pageSize.response;
    const cursor = decodePageToken(query.get('pageToken'));
    if (!cursor.ok) return cursor.response;
    const stateFilter = parseStateFilter(query.get('filter'));
    if (!stateFilter.ok) return stateFilter.response;

    const resourceFilters = (['dataProductId', 'sourceId', 'destinationId', 'workflowId'] as const)
      .map((key) => ({ key, value: query.get(key) }))
      .filter((f): f is { key: ResourceKey; value: string } => !!f.value && !this.ignoreListFilters);

    const now = this.now();
    // A seq cursor (not an offset) keeps pages stable while new jobs are being created.
    const matching = [...this.records.values()]
      .filter((record) => cursor.value === undefined || record.seq < cursor.value)
      .sort((a, b) => b.seq - a.seq)
      .map((record) => ({ record, job: this.render(record, now) }))
      .filter(({ record }) => resourceFilters.every((f) => resourceIds(record.configuration, f.key).includes(f.value)))
      .filter(({ job }) => stateFilter.value(job.status.state));

    const page = matching.slice(0, pageSize.value);
    const hasMore = matching.length > page.length;
    return jsonResponse(200, {
      jobs: page.map(({ job }) => job),
      ...(hasMore ? { nextPageToken: encodePageToken(page[page.length - 1].record.seq) } : {}),
    });
  }

  // --- jobs --------------------------------------------------------------------------------------

  private createRecord(configuration: JobConfiguration, createdAt: number, durationMs: number): JobRecord {
    const record: JobRecord = {
      jobId: this.newJobId(),
      seq: this.nextSeq++,
      configuration,
      createdAt,
      durationMs,
      neverFinish: this.neverFinishRules.some((match) => match(configuration)),
      failure: this.failureRules.find((rule) => rule.match(configuration))?.error,
    };
    this.records.set(record.jobId, record);
    // Creation is the only moment the unfinished count can go up, so the peak must be taken here.
    this.observeConcurrency();
    return record;
  }

  private durationFor(configuration: JobConfiguration): number {
    const type = JOB_TYPES.find((t) => configuration[t] !== undefined);
    return (type && this.durationsMs[type]) ?? this.jobDurationMs;
  }

  /**
   * Every state the job has entered up to `now`, in order. The whole lifecycle is a function of the
   * record and the clock, so a clock that jumps forward still yields a complete history.
   */
  private timeline(record: JobRecord, now: number): Transition[] {
    const start = record.createdAt;
    const runningAt = start + pendingMs(record.durationMs);
    const transitions: Transition[] = [{ state: 'PENDING', at: start }];
    const stopAt = record.stopRequestedAt;
    if (stopAt !== undefined && stopAt < runningAt) {
      transitions.push({ state: 'DONE', at: stopAt, error: STOPPED });
    } else {
      transitions.push({ state: 'RUNNING', at: runningAt });
      if (stopAt !== undefined) {
        transitions.push({ state: 'STOPPING', at: stopAt }, { state: 'DONE', at: stopAt + this.stopDelayMs, error: STOPPED });
      } else if (!record.neverFinish) {
        transitions.push({ state: 'DONE', at: start + record.durationMs, error: record.failure });
      }
    }
    // PENDING is kept even if the clock reads earlier than creation (a clock set back by a test).
    return transitions.filter((t, index) => index === 0 || t.at <= now);
  }

  private render(record: JobRecord, now = this.now()): TamrCloudJob {
    const history = this.timeline(record, now);
    const current = currentTransition(history);
    return {
      jobId: record.jobId,
      configuration: structuredClone(record.configuration),
      status: {
        state: current.state,
        stateStartTime: iso(current.at),
        ...(current.error ? { error: { ...current.error } } : {}),
      },
      statusHistory: history.map((t) => ({ state: t.state, stateStartTime: iso(t.at) })),
    };
  }

  private unfinishedCount(now = this.now()): number {
    let count = 0;
    for (const record of this.records.values()) {
      if (currentTransition(this.timeline(record, now)).state !== 'DONE') count += 1;
    }
    return count;
  }

  private observeConcurrency(): void {
    this.peak = Math.max(this.peak, this.unfinishedCount());
  }

  /** The 404 message for the first id in the configuration that is not a known resource, if any. */
  private findUnknownResource(configuration: JobConfiguration): string | undefined {
    const checks: Array<[ResourceKey, string | undefined, string]> = [
      ['sourceId', configuration.load?.sourceId, 'source'],
      ['dataProductId', configuration.update?.dataProductId ?? configuration.publish?.dataProductId, 'data product'],
      ['workflowId', configuration.update?.workflowId, 'workflow'],
      ['destinationId', configuration.publish?.destinationId, 'destination'],
    ];
    for (const [key, id, noun] of checks) {
      const known = this.known[key];
      if (id !== undefined && known && !known.has(id)) return `${noun} ${id} not found`;
    }
    return undefined;
  }

  private newJobId(): string {
    for (;;) {
      const id = `job_${Array.from({ length: 20 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('')}`;
      if (!this.records.has(id)) return id;
    }
  }
}

// --- request parsing -----------------------------------------------------------------------------

/** Validate a create body into a normalized configuration (only the fields the API knows). */
function parseConfiguration(body: string): Checked<JobConfiguration> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return invalid('request body is not valid JSON');
  }
  const configuration = isObject(parsed) ? parsed.configuration : undefined;
  if (!isObject(configuration)) return invalid('configuration is required');
  const keys = Object.keys(configuration);
  const unknownKeys = keys.filter((key) => !(JOB_TYPES as readonly string[]).includes(key));
  if (unknownKeys.length > 0) return invalid(`unknown job type: ${unknownKeys.join(', ')}`);
  if (keys.length !== 1) return invalid('configuration must set exactly one of load, update, publish');

  const type = keys[0] as JobType;
  const spec = configuration[type];
  if (!isObject(spec)) return invalid(`configuration.${type} must be an object`);

  if (type === 'load') {
    const sourceId = idField(spec, 'sourceId');
    if (!sourceId) return invalid('configuration.load.sourceId is required');
    return { ok: true, value: { load: { sourceId } } };
  }
  if (type === 'update') {
    const dataProductId = idField(spec, 'dataProductId');
    const workflowId = idField(spec, 'workflowId');
    if (!dataProductId === !workflowId) {
      return invalid('configuration.update must set exactly one of dataProductId, workflowId');
    }
    return { ok: true, value: { update: dataProductId ? { dataProductId } : { workflowId } } };
  }
  const destinationId = idField(spec, 'destinationId');
  if (!destinationId) return invalid('configuration.publish.destinationId is required');
  if (spec.dataProductId !== undefined && typeof spec.dataProductId !== 'string') {
    return invalid('configuration.publish.dataProductId must be a string');
  }
  const dataProductId = idField(spec, 'dataProductId');
  return { ok: true, value: { publish: { destinationId, ...(dataProductId ? { dataProductId } : {}) } } };
}

/** `pageSize`: absent or 0 means the default; larger than the maximum is clamped, as the API does. */
function parsePageSize(raw: string | null): Checked<number> {
  if (raw === null || raw === '') return { ok: true, value: MAX_PAGE_SIZE };
  if (!/^\d+$/.test(raw)) return invalid(`invalid pageSize: ${raw}`);
  const size = Number(raw);
  return { ok: true, value: size === 0 ? MAX_PAGE_SIZE : Math.min(size, MAX_PAGE_SIZE) };
}

/** `filter`: only `status.state = X` and `status.state != X` (spaces optional, X optionally quoted). */
function parseStateFilter(raw: string | null): Checked<(state: JobState) => boolean> {
  if (raw === null || raw.trim() === '') return { ok: true, value: () => true };
  const match = /^\s*status\.state\s*(!=|=)\s*(?:"([A-Za-z]+)"|'([A-Za-z]+)'|([A-Za-z]+))\s*$/.exec(raw);
  const value = (match?.[2] ?? match?.[3] ?? match?.[4])?.toUpperCase();
  if (!match || !value) return invalid(`unsupported filter: ${raw}`);
  if (!(STATES as readonly string[]).includes(value)) return invalid(`unknown job state in filter: ${value}`);
  const negate = match[1] === '!=';
  return { ok: true, value: (state) => (state === value) !== negate };
}

/** Page tokens are opaque to clients: base64url of the seq the next page starts below. */
function encodePageToken(lastSeq: number): string {
  return Buffer.from(JSON.stringify({ before: lastSeq })).toString('base64url');
}

function decodePageToken(raw: string | null): Checked<number | undefined> {
  if (raw === null || raw === '') return { ok: true, value: undefined };
  try {
    const { before } = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { before?: unknown };
    if (typeof before === 'number' && Number.isInteger(before)) return { ok: true, value: before };
  } catch {
    // fall through to the 400 below
  }
  return invalid('invalid pageToken');
}

// --- small helpers -------------------------------------------------------------------------------

/** Tamr Cloud error bodies are `{ code, message }` with the HTTP status as the code. */
function apiError(status: number, message: string): SimResponse {
  return jsonResponse(status, { code: status, message });
}

function invalid(message: string): { ok: false; response: SimResponse } {
  return { ok: false, response: apiError(400, message) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A non-empty string id field; proto3 treats "" as unset, so an empty id counts as missing. */
function idField(spec: Record<string, unknown>, key: string): string | undefined {
  const value = spec[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The ids a list filter parameter can match on a job (dataProductId appears in update and publish). */
function resourceIds(configuration: JobConfiguration, key: ResourceKey): string[] {
  const ids =
    key === 'sourceId' ? [configuration.load?.sourceId]
    : key === 'workflowId' ? [configuration.update?.workflowId]
    : key === 'destinationId' ? [configuration.publish?.destinationId]
    : [configuration.update?.dataProductId, configuration.publish?.dataProductId];
  return ids.filter((id): id is string => id !== undefined);
}

function currentTransition(history: Transition[]): Transition {
  return history[history.length - 1];
}

function pendingMs(durationMs: number): number {
  return durationMs * PENDING_FRACTION;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
