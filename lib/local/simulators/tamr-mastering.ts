/**
 * A local simulator of the Tamr Mastering (on-prem, v1) API, enough to run a mastering project in
 * continuous operation: update dataset records, refresh the unified dataset, record pairs, record
 * clusters and exports, populate recipes, and poll the operations those calls submit.
 *
 * Operations move PENDING → RUNNING → SUCCEEDED on the simulator clock, so a test with an injected
 * virtual clock can walk a long job through its states without waiting. Knobs make the next
 * matching operation fail, cancel, never finish or answer as an already-up-to-date no-op.
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
  readonly pattern: RegExp;
  readonly resource: Resource;
  /** Project refreshes answer 200; dataset (export) refreshes answer 202. */
  readonly status: 200 | 202;
  readonly describe: (id: string) => string;
}

const SUBMIT_ROUTES: readonly SubmitRoute[] = [
  {
    pattern: /^\/api\/versioned\/v1\/projects\/([^/:]+)\/unifiedDataset:refresh$/,
    resource: 'project',
    status: 200,
    describe: (id) => `Materializing unified dataset for project ${id}`,
  },
  {
    pattern: /^\/api\/versioned\/v1\/projects\/([^/:]+)\/recordPairs:refresh$/,
    resource: 'project',
    status: 200,
    describe: (id) => `Generating record pairs for project ${id}`,
  },
  {
    pattern: /^\/api\/versioned\/v1\/projects\/([^/:]+)\/recordClusters:refresh$/,
    resource: 'project',
    status: 200,
    describe: (id) => `Generating record clusters for project ${id}`,
  },
  {
    pattern: /^\/api\/versioned\/v1\/datasets\/([^/:]+):refresh$/,
    resource: 'dataset',
    status: 202,
    describe: (id) => `Materializing dataset ${id}`,
  },
  {
    pattern: /^\/api\/recipe\/recipes\/([^/:]+)\/populate$/,
    resource: 'recipe',
    status: 200,
    describe: (id) => `Populating recipe ${id}`,
  },
];

const UPDATE_RECORDS = /^\/api\/versioned\/v1\/datasets\/([^/:]+):updateRecords$/;
const GET_OPERATION = /^\/api\/versioned\/v1\/operations\/([^/:]+)$/;

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

  constructor(private readonly options: TamrMasteringSimulatorOptions = {}) {
    super(options);
    this.username = options.username ?? 'admin';
    this.password = options.password ?? 'dt';
    this.durationMs = options.operationDurationMs ?? 1500;
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
    const username = this.authenticate(request.headers.authorization);
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
    }
    return notFound(`No resource at ${request.method} ${request.path}`);
  }

  /** The user the request authenticates as, or undefined when the credentials are missing or wrong. */
  private authenticate(header: string | undefined): string | undefined {
    if (!header) return undefined;
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
      outcome: directive ?? (this.options.neverFinish ? { kind: 'never' } : { kind: 'succeed' }),
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

  private isKnown(resource: Resource, id: string): boolean {
    const known = { project: this.options.projects, dataset: this.options.datasets, recipe: this.options.recipes }[resource];
    return known === undefined || known.includes(id);
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

/**
 * Parses a stream of JSON values that are newline-separated by convention but may also be
 * concatenated (`{...}{...}`), as the real server accepts both. Throws on the first bad value.
 */
function parseJsonSequence(text: string): unknown[] {
  const values: unknown[] = [];
  let position = skipWhitespace(text, 0);
  while (position < text.length) {
    const end = endOfValue(text, position);
    const slice = text.slice(position, end);
    try {
      values.push(JSON.parse(slice));
    } catch (error) {
      throw new Error(`Unparseable JSON command ${values.length + 1} at offset ${position}: ${(error as Error).message}`);
    }
    position = skipWhitespace(text, end);
  }
  return values;
}

function skipWhitespace(text: string, from: number): number {
  let position = from;
  while (position < text.length && /\s/.test(text[position])) position += 1;
  return position;
}

/**
 * Where the JSON value starting at `start` ends. Objects and arrays end at their matching bracket
 * (brackets inside strings ignored); scalars end at whitespace or the next value's bracket. An
 * unterminated value runs to the end of the text, so JSON.parse reports the error.
 */
function endOfValue(text: string, start: number): number {
  const opener = text[start];
  if (opener !== '{' && opener !== '[') {
    if (opener === '"') return endOfString(text, start);
    let position = start;
    while (position < text.length && !/[\s{[]/.test(text[position])) position += 1;
    return position;
  }
  let depth = 0;
  for (let position = start; position < text.length; position += 1) {
    const char = text[position];
    if (char === '"') position = endOfString(text, position) - 1;
    else if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') {
      depth -= 1;
      if (depth === 0) return position + 1;
    }
  }
  return text.length;
}

/** The index just past the string literal that opens at `start`. */
function endOfString(text: string, start: number): number {
  for (let position = start + 1; position < text.length; position += 1) {
    if (text[position] === '\\') position += 1;
    else if (text[position] === '"') return position + 1;
  }
  return text.length;
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
