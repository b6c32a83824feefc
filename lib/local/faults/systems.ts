/**
 * What the reliability suites (secret leaks, fault matrix, overlap guard) need to know about each
 * system to run its pipelines locally: a simulator that accepts exactly the credential in the
 * secret, the secret's shape and every form the credential takes on the wire, which calls to
 * disturb, and the simulator knobs for "the job fails" and "the job never finishes".
 *
 * Typed as a record over every SystemName: a new system does not compile until it has its entry,
 * so the suites cover it from the start.
 */
import type { PipelineConfig, SystemName } from '../../config/schema';
import { BoomiHubSimulator } from '../simulators/boomi-hub';
import { CrossingMindsSimulator } from '../simulators/crossing-minds';
import { type HttpSimulator, type RecordedRequest } from '../simulators/http-simulator';
import { TamrCloudSimulator } from '../simulators/tamr-cloud';
import { TamrMasteringSimulator } from '../simulators/tamr-mastering';

/** Calls of one kind, as a fault rule selects them. */
export interface CallTarget {
  readonly method: string;
  readonly path: string | RegExp;
  /** How the call reads in a cause, e.g. `GET /api/versioned/v1/operations/` (method + path prefix). */
  readonly inCause: string;
}

/** A vendor answer to inject: status and body as the real server would send them. */
export interface VendorAnswer {
  readonly body: string;
  readonly contentType: string;
}

/** A job that the simulator makes end badly, and what the run must then say. */
export interface RemoteFailure {
  /** The stable error name of the step's Fail state. */
  readonly error: string;
  /** Text the cause must contain: the remote system's own message or state. */
  readonly causeContains: string;
}

export interface SystemHarness {
  readonly system: SystemName;
  /**
   * A simulator that accepts only `credential` (in this system's scheme), whose jobs take about
   * `jobMs` of real time. `pipeline` gives ids the simulator must know (e.g. the Hub universe).
   */
  simulator(options: { readonly credential: string; readonly pipeline: PipelineConfig; readonly jobMs: number }): HttpSimulator;
  /** The base URL handlers use, from the simulator's root URL. */
  baseUrl(root: string): string;
  /** The secret value a pipeline of this system reads, holding `credential`. */
  secret(pipeline: PipelineConfig, credential: string): unknown;
  /** Every form the credential may take on the wire or in a log: raw, `base64(user:pass)`, … */
  credentialForms(pipeline: PipelineConfig, credential: string): string[];
  /** The part of a request that carries the credential (its header, or a body for token exchanges). */
  sentCredential(request: RecordedRequest): string;
  /** Execution input that runs every step (e.g. Tamr Mastering's optional recipe). */
  readonly input: Record<string, unknown>;

  /** The first submit of a polled job (faults that a retry of the submit must get past). */
  readonly submit: CallTarget;
  /** The status check of a polled job. */
  readonly status: CallTarget;
  /** The status check that answers 404 when its job has gone, with the vendor's 404 body. */
  readonly disappears: CallTarget & { readonly answer: VendorAnswer; readonly causeContains: string };
  /** A status answer cut off in the middle, and a well-formed one of the wrong shape. */
  readonly truncated: VendorAnswer;
  readonly wrongShape: VendorAnswer;

  /** Make one job of the pipeline end failed on the remote side. */
  failJob(sim: HttpSimulator): RemoteFailure;
  /** Make the first polled job of the pipeline never finish. */
  neverFinish(sim: HttpSimulator): void;
  /** The never-finishing job has been submitted and checked at least once. */
  isPolling(sim: HttpSimulator): boolean;
  /** Ids of jobs the simulator was asked to stop; undefined when the system has no stop call. */
  stopRequests(sim: HttpSimulator): string[] | undefined;
}

const json = (body: object | string): VendorAnswer => ({ body: typeof body === 'string' ? body : JSON.stringify(body), contentType: 'application/json' });
const xml = (body: string): VendorAnswer => ({ body, contentType: 'application/xml' });
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

const TAMR_USER = 'continuum-svc';
const V1 = '/api/versioned/v1';

const tamrMastering: SystemHarness = {
  system: 'tamr-mastering',
  simulator: ({ credential, jobMs }) => new TamrMasteringSimulator({ username: TAMR_USER, password: credential, operationDurationMs: jobMs }),
  baseUrl: (root) => root,
  secret: (_pipeline, credential) => ({ username: TAMR_USER, password: credential }),
  credentialForms: (_pipeline, credential) => [credential, basic(TAMR_USER, credential)],
  sentCredential: (request) => String(request.headers.authorization ?? ''),
  input: { mlConfigurationChanged: true },
  submit: { method: 'POST', path: 'unifiedDataset:refresh', inCause: `POST ${V1}/projects/1/unifiedDataset:refresh` },
  status: { method: 'GET', path: `${V1}/operations/`, inCause: `GET ${V1}/operations/` },
  disappears: {
    method: 'GET',
    path: `${V1}/operations/`,
    inCause: `GET ${V1}/operations/`,
    answer: json({ status: 404, class: 'com.tamr.procurify.models.exceptions.NotFoundException', message: 'Operation with id 1 not found', stackTrace: [] }),
    causeContains: 'Operation with id 1 not found',
  },
  truncated: json('{"id":"1","type":"SPARK","description":"Materializing unified dataset for project 1","status":{"state":"RUNN'),
  wrongShape: json({ id: '1', type: 'SPARK', status: 'RUNNING' }),
  failJob: (sim) => {
    const message = 'org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 7.0 failed 4 times';
    (sim as TamrMasteringSimulator).failNext(message, 'recordClusters');
    return { error: 'TamrOperationFailed', causeContains: message };
  },
  neverFinish: (sim) => void (sim as TamrMasteringSimulator).neverFinishNext('unifiedDataset'),
  isPolling: (sim) => sim.requestsTo('GET', `${V1}/operations/`).length > 0,
  stopRequests: () => undefined,
};

const CLOUD = '/api/v1beta1';

const tamrCloud: SystemHarness = {
  system: 'tamr-cloud',
  simulator: ({ credential, jobMs }) => new TamrCloudSimulator({ apiKey: credential, jobDurationMs: jobMs, stopDelayMs: 50 }),
  // The simulator's root + /api/v1beta1 plays https://{tenant}.tamr.cloud/api/v1beta1.
  baseUrl: (root) => `${root}${CLOUD}`,
  secret: (_pipeline, credential) => ({ apiKey: credential }),
  credentialForms: (_pipeline, credential) => [credential],
  sentCredential: (request) => String(request.headers['x-api-key'] ?? ''),
  input: {},
  submit: { method: 'POST', path: /\/jobs$/, inCause: `POST ${CLOUD}/jobs` },
  status: { method: 'GET', path: /\/jobs\/[^/]+$/, inCause: `GET ${CLOUD}/jobs/job_` },
  disappears: {
    method: 'GET',
    path: /\/jobs\/[^/]+$/,
    inCause: `GET ${CLOUD}/jobs/job_`,
    answer: json({ code: 404, message: 'job not found' }),
    causeContains: 'job not found',
  },
  truncated: json('{"jobId":"job_1","configuration":{"load":{"sourceId":"src_crm_accounts"}},"status":{"state":"RUNN'),
  wrongShape: json({ job: { id: 'job_1', state: 'RUNNING' } }),
  failJob: (sim) => {
    const message = 'data product dp_customer_mastering: mastering model is not trained';
    (sim as TamrCloudSimulator).failJobs((c) => c.update?.dataProductId !== undefined, { reason: 'INTERNAL', message });
    return { error: 'TamrCloudJobFailed', causeContains: message };
  },
  neverFinish: (sim) => void (sim as TamrCloudSimulator).neverFinish(() => true),
  isPolling: (sim) => sim.requestsTo('GET', /\/jobs\/job_[^/]+$/).length > 0,
  stopRequests: (sim) => [...(sim as TamrCloudSimulator).stopRequests],
};

const crossingMinds: SystemHarness = {
  system: 'crossing-minds',
  // The JWT and the refresh token both carry the credential, so a search for it finds either.
  simulator: ({ credential, jobMs }) =>
    new CrossingMindsSimulator({ token: `${credential}-jwt`, refreshToken: `${credential}-refresh`, taskDurationMs: jobMs, cancelDelayMs: 50 }),
  baseUrl: (root) => root,
  secret: (_pipeline, credential) => ({ token: `${credential}-jwt`, refreshToken: `${credential}-refresh` }),
  credentialForms: (_pipeline, credential) => [credential],
  sentCredential: (request) => `${request.headers.authorization ?? ''} ${request.body}`,
  input: {},
  submit: { method: 'POST', path: '/tasks/ml_new_items/', inCause: 'POST /tasks/ml_new_items/' },
  status: { method: 'GET', path: '/tasks/ml_new_items/recents/', inCause: 'GET /tasks/ml_new_items/recents/' },
  // Public tasks are followed through their recents list; the private export is read by id.
  disappears: {
    method: 'GET',
    path: /^\/tasks\/private\/reco_export\/(?!recents\/)[^/]+\/$/,
    inCause: 'GET /tasks/private/reco_export/',
    answer: json({ error_code: 30, error_name: 'TASK_NOT_FOUND', message: 'no task reco_export with this id', error_data: {} }),
    causeContains: 'TASK_NOT_FOUND',
  },
  truncated: json('{"has_next": false, "next_page": 2, "tasks": [{"task_id": "t1", "name": "ml_new_items", "sta'),
  wrongShape: json({ has_next: false, tasks: [{ task_id: 1 }] }),
  failJob: (sim) => {
    const message = 'retrain aborted: not enough interactions to train the model';
    (sim as CrossingMindsSimulator).failNext('ml_model_retrain', message);
    return { error: 'CrossingMindsTaskFailed', causeContains: message };
  },
  // The private export, so that aborting the run has a task to cancel.
  neverFinish: (sim) => (sim as CrossingMindsSimulator).neverFinishNext('reco_export'),
  isPolling: (sim) => sim.requestsTo('GET', /^\/tasks\/private\/reco_export\/(?!recents\/)[^/]+\/$/).length > 0,
  stopRequests: (sim) => (sim as CrossingMindsSimulator).cancelRequests.map((c) => c.task_id),
};

type BoomiPipeline = Extract<PipelineConfig, { system: 'boomi-hub' }>;
const BOOMI_USER = 'continuum-hub-user';

const boomiHub: SystemHarness = {
  system: 'boomi-hub',
  simulator: ({ credential, pipeline, jobMs }) => {
    const { universeId, repositoryId } = pipeline as BoomiPipeline;
    // JWT auth when the pipeline names a repository, Basic auth otherwise: the credential is the
    // JWT or the password, and the other scheme gets a value nobody sends.
    return new BoomiHubSimulator({
      username: BOOMI_USER,
      password: repositoryId ? 'unused-password' : credential,
      jwt: repositoryId ? credential : 'unused-jwt',
      repositoryId: repositoryId ?? 'repo-1',
      universes: [universeId],
      batchDurationMs: jobMs,
    });
  },
  baseUrl: (root) => root,
  secret: (pipeline, credential) => ((pipeline as BoomiPipeline).repositoryId ? { token: credential } : { username: BOOMI_USER, password: credential }),
  credentialForms: (pipeline, credential) => ((pipeline as BoomiPipeline).repositoryId ? [credential] : [credential, basic(BOOMI_USER, credential)]),
  sentCredential: (request) => String(request.headers.authorization ?? ''),
  input: {},
  submit: { method: 'POST', path: /\/records$/, inCause: 'POST /mdm/universes/' },
  status: { method: 'GET', path: '/records/updates/', inCause: 'GET /mdm/universes/' },
  disappears: {
    method: 'GET',
    path: '/records/updates/',
    inCause: 'GET /mdm/universes/',
    answer: xml("<error>\n  <message>A batch with id '42' does not exist.</message>\n</error>"),
    causeContains: "A batch with id '42' does not exist.",
  },
  truncated: xml('<batch id="42" src="SF">\n  <state>PROCESS'),
  wrongShape: xml('<?xml version="1.0" encoding="UTF-8"?>\n<batches><batch42>PROCESSING</batch42></batches>'),
  failJob: (sim) => {
    (sim as BoomiHubSimulator).errorNext();
    return { error: 'BoomiBatchErrored', causeContains: 'batch 42' };
  },
  neverFinish: (sim) => (sim as BoomiHubSimulator).neverFinishNext(),
  isPolling: (sim) => sim.requestsTo('GET', '/records/updates/').length > 0,
  stopRequests: () => undefined,
};

export const HARNESSES: Record<SystemName, SystemHarness> = {
  'tamr-mastering': tamrMastering,
  'tamr-cloud': tamrCloud,
  'crossing-minds': crossingMinds,
  'boomi-hub': boomiHub,
};
