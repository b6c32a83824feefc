/**
 * A local simulator of the Tamr Mastering (on-prem, v1) API, enough to run a mastering project in
 * continuous operation: update dataset records, refresh the unified dataset, record pairs, record
 * clusters and exports, populate recipes, and poll the operations those calls submit.
 *
 * Operations move PENDING → RUNNING → SUCCEEDED on the simulator clock, so a test with an injected
 * virtual clock can walk a long job through its states without waiting. Knobs make the next
 * matching operation fail, cancel, never finish or answer as an already-up-to-date no-op; a
 * `shape` does so for every operation of the steps it names.
 *
 * It also serves what Tamr's own clients' standard flow calls (see tamr-mastering-catalog.ts):
 * login with an `authToken` cookie, project and dataset lookups, the operation list.
 */
import {
  emptyResponse,
  HttpSimulator,
  jsonResponse,
  textResponse,
  type HttpSimulatorOptions,
  type SimRequest,
  type SimResponse,
} from './http-simulator';
import { parseJsonSequence } from './json-sequence';
import { jobDurationMs, simulatedFailure, type SimulatorShape, TAMR_MASTERING_STEPS } from './shape';
import { TamrCatalog } from './tamr-mastering-catalog';

/** A step that submits an operation, named as the config's step kind (for `--fail` and `--never-finish`). */
export type TamrMasteringStep = (typeof TAMR_MASTERING_STEPS)[number];

export interface TamrMasteringSimulatorOptions extends HttpSimulatorOptions {
  /** User accepted in `Authorization: BasicCreds <base64(user:pass)>` (default 'admin'). */
  readonly username?: string;
  /** Password accepted in `Authorization: BasicCreds <base64(user:pass)>` (default 'dt'). */
  readonly password?: string;
  /** When set, `Authorization: Bearer <token>` is accepted too (newer servers take JWTs). */
  readonly token?: string;
  /** How long an operation takes from submission to its end state (default 1500 ms). */
  readonly operationDurationMs?: number;
  /** Known project ids; when given, other ids answer 404. When omitted, any id is accepted. */
  readonly projects?: readonly string[];
  /** Known dataset ids; when given, other ids answer 404. When omitted, any id is accepted. */
  readonly datasets?: readonly string[];
  /** Known recipe ids; when given, other ids answer 404. When omitted, any id is accepted. */
  readonly recipes?: readonly string[];
  /** Every operation stays RUNNING forever (a per-operation knob still takes precedence). */
  readonly neverFinish?: boolean;
  /** Job length and failing / never-finishing steps; `jobSeconds` overrides `operationDurationMs`. @default none */
  readonly shape?: SimulatorShape<TamrMasteringStep>;
}

export type TamrOperationState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELING' | 'CANCELED';

/** Who changed an operation, when (ISO-8601) and at which version. */
export interface TamrAuditStamp {
  readonly username: string;
  readonly time: string;
  readonly version: string;
}

/** An operation as `GET /api/versioned/v1/operations/{id}` returns it. */
export interface TamrOperation {
  readonly id: string;
  readonly type: 'SPARK';
  readonly description: string;
  readonly status: {
    readonly state: TamrOperationState;
    /** ISO-8601, or "" while the operation has not started. */
    readonly startTime: string;
    /** ISO-8601, or "" while the operation has not ended. */
    readonly endTime: string;
    /** "" except on failure and cancellation. */
    readonly message: string;
  };
  readonly created: TamrAuditStamp;
  readonly lastModified: TamrAuditStamp;
  readonly relativeId: string;
}

/** An operation the simulator created, with the path of the request that submitted it. */
export interface SubmittedOperation {
  readonly path: string;
  readonly operation: TamrOperation;
}

/** The body of a `:updateRecords` answer. */
export interface UpdateRecordsResult {
  readonly numCommandsProcessed: number;
  readonly allCommandsSucceeded: boolean;
  readonly validationErrors: string[];
}

const NOT_FOUND_CLASS = 'com.tamr.procurify.models.exceptions.NotFoundException';
const BAD_REQUEST_CLASS = 'com.fasterxml.jackson.core.JsonParseException';
const CANCELING_MESSAGE = 'Job has been marked for cancellation';
const CANCELED_MESSAGE = 'Job has been canceled';
/** Share of an operation's duration spent PENDING before it starts RUNNING. */
const PENDING_SHARE = 0.2;

/** How a submitted operation ends. */
type Outcome = { kind: 'succeed' } | { kind: 'fail'; message: string } | { kind: 'cancel' } | { kind: 'never' };

/** A queued knob: what happens to the next submission whose path contains `pathContains`. */
type Directive = (Exclude<Outcome, { kind: 'succeed' }> | { kind: 'noop' }) & { readonly pathContains?: string };

type Resource = 'project' | 'dataset' | 'recipe';

/** An endpoint that submits an operation. */
interface SubmitRoute {
  readonly step: TamrMasteringStep;
  readonly pattern: RegExp;
  readonly resource: Resource;
  /** Project refreshes answer 200; dataset (export) refreshes answer 202. */
  readonly status: 200 | 202;
  readonly describe: (id: string) => string;
}

const SUBMIT_ROUTES: readonly SubmitRoute[] = [
  {
    step: 'refreshUnifiedDataset',
    pattern: /^\/api\/versioned\/v1\/projects\/([^/:]+)\/unifiedDataset:refresh$/,
    resource: 'project',
    status: 200,
    describe: (id) => `Materializing unified dataset for project ${id}`,
  },
  {
    step: 'refreshRecordPairs',
    pattern: /^\/api\/versioned\/v1\/projects\/([^/:]+)\/recordPairs:refresh$/,
    resource: 'project',
    status: 200,
    describe: (id) => `Generating record pairs for project ${id}`,
  },
  {
    step: 'refreshRecordClusters',
    pattern: /^\/api\/versioned\/v1\/projects\/([^/:]+)\/recordClusters:refresh$/,
    resource: 'project',
    status: 200,
    describe: (id) => `Generating record clusters for project ${id}`,
  },
  {
    step: 'refreshDataset',
    pattern: /^\/api\/versioned\/v1\/datasets\/([^/:]+):refresh$/,
    resource: 'dataset',
    status: 202,
    describe: (id) => `Materializing dataset ${id}`,
  },
  {
    step: 'populateRecipe',
    pattern: /^\/api\/recipe\/recipes\/([^/:]+)\/populate$/,
    resource: 'recipe',
    status: 200,
    describe: (id) => `Populating recipe ${id}`,
  },
];

const UPDATE_RECORDS = /^\/api\/versioned\/v1\/datasets\/([^/:]+):updateRecords$/;
const GET_OPERATION = /^\/api\/versioned\/v1\/operations\/([^/:]+)$/;
const LOGIN = '/api/versioned/v1/instance:login';
const GET_PROJECT = /^\/api\/versioned\/v1\/projects\/([^/:]+)$/;
const GET_UNIFIED_DATASET = /^\/api\/versioned\/v1\/projects\/([^/:]+)\/unifiedDataset$/;
const GET_DATASET = /^\/api\/versioned\/v1\/datasets\/([^/:]+)$/;
const DATASETS = '/api/versioned/v1/datasets';
const OPERATIONS = '/api/versioned/v1/operations';

interface OperationRecord {
  readonly id: string;
  readonly path: string;
  readonly description: string;
  readonly username: string;
  readonly submittedAt: number;
  readonly outcome: Outcome;
  /** Cancel only: the poll that first saw CANCELING, and the later poll that saw CANCELED. */
  cancelingSeenAt?: number;
  canceledAt?: number;
}

/** An operation's status at one instant, plus when it last changed (for `lastModified`). */
interface Phase {
  readonly state: TamrOperationState;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly message: string;
  readonly changedAt: number;
  readonly version: number;
}

export class TamrMasteringSimulator extends HttpSimulator {
  readonly system = 'tamr-mastering';
  private readonly username: string;
  private readonly password: string;
  private readonly durationMs: number;
  private readonly records: OperationRecord[] = [];
  private readonly directives: Directive[] = [];
  private readonly datasetRecords = new Map<string, Map<string, object>>();
  private rejection?: string[];
  private readonly catalog: TamrCatalog;

  constructor(private readonly options: TamrMasteringSimulatorOptions = {}) {
    super(options);
    this.username = options.username ?? 'admin';
    this.password = options.password ?? 'dt';
    this.durationMs = jobDurationMs(options.shape, options.operationDurationMs, 1500);
    this.catalog = new TamrCatalog({ projects: options.projects, datasets: options.datasets, username: this.username, now: this.now });
  }

  /**
   * The next operation submitted to a path containing `pathContains` (any path when omitted)
   * ends FAILED with this message, e.g. a long Spark stack trace.
   */
  failNext(message: string, pathContains?: string): this {
    this.directives.push({ kind: 'fail', message, pathContains });
    return this;
  }

  /**
   * The next matching operation is canceled: after RUNNING, the first poll sees CANCELING
   * ("Job has been marked for cancellation") and later polls see CANCELED, so a client always
   * has to poll through the transitional state once.
   */
  cancelNext(pathContains?: string): this {
    this.directives.push({ kind: 'cancel', pathContains });
    return this;
  }

  /** The next matching submission answers 204 with no body (already up to date) and creates no operation. */
  noOpNext(pathContains?: string): this {
    this.directives.push({ kind: 'noop', pathContains });
    return this;
  }

  /** The next matching operation stays RUNNING forever (for client poll-timeout tests). */
  neverFinishNext(pathContains?: string): this {
    this.directives.push({ kind: 'never', pathContains });
    return this;
  }

  /**
   * The next `:updateRecords` call answers `allCommandsSucceeded: false` with these validation
   * errors and applies none of its commands.
   */
  rejectUpdateRecords(errors: string[]): this {
    this.rejection = [...errors];
    return this;
  }

  /** Every operation submitted so far, in order, with its current JSON (polling state is not advanced). */
  get operations(): readonly SubmittedOperation[] {
    const at = this.now();
    return this.records.map((record) => ({ path: record.path, operation: this.render(record, at, false) }));
  }

  /** How many records a dataset holds after the `:updateRecords` calls so far. */
  recordCount(datasetId: string): number {
    return this.datasetRecords.get(datasetId)?.size ?? 0;
  }

  protected snapshot(): object {
    const recordCounts = Object.fromEntries([...this.datasetRecords].map(([id, records]) => [id, records.size]));
    return { operations: this.operations, recordCounts };
  }

  protected route(request: SimRequest): SimResponse {
    if (request.method === 'POST' && decodePath(request.path) === LOGIN) return this.login(request.body);
    const username = this.authenticate(request.headers.authorization, request.headers.cookie);
    if (username === undefined) {
      const message = request.headers.authorization
        ? 'The supplied credentials are not valid.'
        : 'Credentials are required to access this resource.';
      return textResponse(401, message);
    }
    const path = decodePath(request.path);

    if (request.method === 'POST') {
      for (const route of SUBMIT_ROUTES) {
        const match = route.pattern.exec(path);
        if (match) return this.submit(route, match[1], request.path, username);
      }
      const update = UPDATE_RECORDS.exec(path);
      if (update) return this.updateRecords(update[1], request.body);
    }
    if (request.method === 'GET') {
      const operation = GET_OPERATION.exec(path);
      if (operation) return this.getOperation(operation[1]);
      const lookup = this.lookup(path, request.query);
      if (lookup) return lookup;
    }
    return notFound(`No resource at ${request.method} ${request.path}`);
  }

  /** The official clients' lookups: project, unified dataset, dataset by id or name, operation list. */
  private lookup(path: string, query: URLSearchParams): SimResponse | undefined {
    const found = (resource: object | undefined, what: string) => (resource ? jsonResponse(200, resource) : notFound(`${what} not found`));
    const project = GET_PROJECT.exec(path)?.[1];
    if (project !== undefined) return found(this.catalog.project(project), `Project ${project}`);
    const unified = GET_UNIFIED_DATASET.exec(path)?.[1];
    if (unified !== undefined) return found(this.catalog.unifiedDataset(unified), `Project ${unified}`);
    const dataset = GET_DATASET.exec(path)?.[1];
    if (dataset !== undefined) return found(this.catalog.dataset(dataset), `Dataset ${dataset}`);
    if (path === DATASETS) {
      // Only the `name==X` filter the clients' by_name sends; an unfiltered list is not simulated.
      const name = /^name==(.*)$/.exec(query.get('filter') ?? '')?.[1];
      if (name === undefined) return jsonResponse(400, { status: 400, class: BAD_REQUEST_CLASS, message: 'Only filter=name==<name> is simulated' });
      return jsonResponse(200, this.catalog.datasetsNamed(name));
    }
    if (path === OPERATIONS) return jsonResponse(200, this.operations.map(({ operation }) => operation));
    return undefined;
  }

  /** `POST instance:login` `{username, password}` → `{token, username}`; the token then works as the `authToken` cookie. */
  private login(body: string): SimResponse {
    let credentials: unknown;
    try {
      credentials = JSON.parse(body);
    } catch {
      return jsonResponse(400, { status: 400, class: BAD_REQUEST_CLASS, message: 'The login body must be JSON {"username", "password"}' });
    }
    const { username, password } = isObject(credentials) ? credentials : {};
    if (username !== this.username || password !== this.password) return textResponse(401, 'The supplied credentials are not valid.');
    return jsonResponse(200, { token: this.catalog.login(), username: this.username });
  }

  /** The user the request authenticates as, or undefined when the credentials are missing or wrong. */
  private authenticate(header: string | undefined, cookie: string | undefined): string | undefined {
    if (!header) return this.catalog.hasSessionCookie(cookie) ? this.username : undefined;
    const [scheme, value = ''] = header.trim().split(/\s+/, 2);
    if (scheme.toLowerCase() === 'basiccreds') {
      const expected = `${this.username}:${this.password}`;
      return Buffer.from(value, 'base64').toString('utf8') === expected ? this.username : undefined;
    }
    if (scheme.toLowerCase() === 'bearer' && this.options.token !== undefined && value === this.options.token) {
      return this.username;
    }
    return undefined;
  }

  private submit(route: SubmitRoute, id: string, requestPath: string, username: string): SimResponse {
    if (!this.isKnown(route.resource, id)) return notFound(`${capitalize(route.resource)} ${id} not found`);
    const directive = this.takeDirective(requestPath);
    if (directive?.kind === 'noop') return emptyResponse(204);

    const record: OperationRecord = {
      id: String(this.records.length + 1),
      path: requestPath,
      description: route.describe(id),
      username,
      submittedAt: this.now(),
      outcome: directive ?? this.shapedOutcome(route.step),
    };
    this.records.push(record);
    return jsonResponse(route.status, this.render(record, record.submittedAt, false));
  }

  private getOperation(id: string): SimResponse {
    const record = this.records.find((candidate) => candidate.id === id);
    if (!record) return notFound(`Operation with id ${id} not found`);
    return jsonResponse(200, this.render(record, this.now(), true));
  }

  private updateRecords(datasetId: string, body: string): SimResponse {
    if (!this.isKnown('dataset', datasetId)) return notFound(`Dataset ${datasetId} not found`);
    let commands: unknown[];
    try {
      commands = parseJsonSequence(body);
    } catch (error) {
      return jsonResponse(400, { status: 400, class: BAD_REQUEST_CLASS, message: (error as Error).message });
    }

    if (this.rejection) {
      const validationErrors = this.rejection;
      this.rejection = undefined;
      return jsonResponse(202, result(commands.length, validationErrors));
    }

    const records = this.datasetRecords.get(datasetId) ?? new Map<string, object>();
    this.datasetRecords.set(datasetId, records);
    const validationErrors: string[] = [];
    commands.forEach((command, index) => {
      const error = applyCommand(records, command);
      if (error) validationErrors.push(`Command ${index + 1}${describeRecordId(command)}: ${error}`);
    });
    return jsonResponse(202, result(commands.length, validationErrors));
  }

  /** How a submission ends without a per-call knob: the shape's steps first, then the `neverFinish` option. */
  private shapedOutcome(step: TamrMasteringStep): Outcome {
    if (this.options.shape?.neverFinish?.includes(step)) return { kind: 'never' };
    if (this.options.shape?.fail?.includes(step)) return { kind: 'fail', message: simulatedFailure(step) };
    return this.options.neverFinish ? { kind: 'never' } : { kind: 'succeed' };
  }

  private isKnown(resource: Resource, id: string): boolean {
    if (resource === 'project') return this.catalog.isProject(id);
    if (resource === 'dataset') return this.catalog.isDataset(id);
    return this.options.recipes === undefined || this.options.recipes.includes(id);
  }

  /** Removes and returns the first queued knob that applies to this submission path. */
  private takeDirective(path: string): Directive | undefined {
    const index = this.directives.findIndex((directive) => !directive.pathContains || path.includes(directive.pathContains));
    return index < 0 ? undefined : this.directives.splice(index, 1)[0];
  }

  private render(record: OperationRecord, at: number, observe: boolean): TamrOperation {
    const phase = this.phase(record, at, observe);
    return {
      id: record.id,
      type: 'SPARK',
      description: record.description,
      status: {
        state: phase.state,
        startTime: isoOrEmpty(phase.startedAt),
        endTime: isoOrEmpty(phase.endedAt),
        message: phase.message,
      },
      created: { username: record.username, time: iso(record.submittedAt), version: '1' },
      lastModified: { username: record.username, time: iso(phase.changedAt), version: String(phase.version) },
      relativeId: `operations/${record.id}`,
    };
  }

  /**
   * The operation's status at `at`. Everything is derived from the clock except cancellation,
   * which also depends on polls (`observe`) so that a client reliably sees CANCELING once.
   */
  private phase(record: OperationRecord, at: number, observe: boolean): Phase {
    const startedAt = record.submittedAt + this.durationMs * PENDING_SHARE;
    const doneAt = record.submittedAt + this.durationMs;
    const { outcome } = record;
    if (at < startedAt) return { state: 'PENDING', message: '', changedAt: record.submittedAt, version: 1 };
    if (outcome.kind === 'never' || at < doneAt) return { state: 'RUNNING', startedAt, message: '', changedAt: startedAt, version: 2 };

    const ended = { startedAt, endedAt: doneAt, changedAt: doneAt, version: 3 };
    switch (outcome.kind) {
      case 'succeed':
        return { state: 'SUCCEEDED', message: '', ...ended };
      case 'fail':
        return { state: 'FAILED', message: outcome.message, ...ended };
      case 'cancel':
        return this.cancelPhase(record, at, observe, startedAt, doneAt);
    }
  }

  private cancelPhase(record: OperationRecord, at: number, observe: boolean, startedAt: number, doneAt: number): Phase {
    if (observe && record.canceledAt === undefined) {
      if (record.cancelingSeenAt === undefined) record.cancelingSeenAt = at;
      else record.canceledAt = at;
    }
    if (record.canceledAt === undefined) {
      return { state: 'CANCELING', startedAt, message: CANCELING_MESSAGE, changedAt: doneAt, version: 3 };
    }
    const canceledAt = record.canceledAt;
    return { state: 'CANCELED', startedAt, endedAt: canceledAt, message: CANCELED_MESSAGE, changedAt: canceledAt, version: 4 };
  }
}

/** Applies one update command; returns why it is invalid, or undefined when it was applied. */
function applyCommand(records: Map<string, object>, command: unknown): string | undefined {
  if (!isObject(command)) return 'a command must be a JSON object';
  const { action, recordId, record } = command;
  if ((typeof recordId !== 'string' && typeof recordId !== 'number') || recordId === '') return 'missing recordId';
  if (action === 'CREATE') {
    if (!isObject(record)) return 'CREATE requires an object "record"';
    records.set(String(recordId), record);
    return undefined;
  }
  if (action === 'DELETE') {
    records.delete(String(recordId));
    return undefined;
  }
  return `unknown action ${JSON.stringify(action)}; expected CREATE or DELETE`;
}

function describeRecordId(command: unknown): string {
  const recordId = isObject(command) ? command.recordId : undefined;
  return typeof recordId === 'string' || typeof recordId === 'number' ? ` (recordId "${recordId}")` : '';
}

function result(numCommandsProcessed: number, validationErrors: string[]): UpdateRecordsResult {
  return { numCommandsProcessed, allCommandsSucceeded: validationErrors.length === 0, validationErrors };
}

function notFound(message: string): SimResponse {
  return jsonResponse(404, { status: 404, class: NOT_FOUND_CLASS, message, stackTrace: [] });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Ids may arrive percent-encoded (`%3Arefresh`); match on the decoded path. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrEmpty = (ms: number | undefined): string => (ms === undefined ? '' : iso(ms));
const capitalize = (word: string): string => word[0].toUpperCase() + word.slice(1);
