/**
 * A local stand-in for Boomi DataHub's repository API: Update Golden Records
 * (`POST /mdm/universes/<universeID>/records`) and Get Batch Update Status
 * (`GET /mdm/universes/<universeID>/records/updates/<batchID>`), with Basic or JWT auth.
 *
 * Batch lifecycles are driven by the injected clock: CREATED → PARSING → PARSED → ENRICHING →
 * ENRICHED → PROCESSING, evenly spaced over `batchDurationMs`, then the final state.
 *
 * Quarantines come from the entities sent: those breaking the universe `model`, and the last ones
 * a knob or the shape's `quarantineRatio` picks (boomi-hub-model.ts words their messages).
 */
import { randomUUID } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  HttpSimulator,
  textResponse,
  xmlResponse,
  type HttpSimulatorOptions,
  type SimRequest,
  type SimResponse,
} from './http-simulator';
import { approvalDetail, modelViolation, type BoomiModel, type PostedEntity, type QuarantineDetail } from './boomi-hub-model';
import { BOOMI_HUB_STEPS, jobDurationMs, type SimulatorShape } from './shape';

export { SEED_QUARANTINE_DETAIL, type BoomiFieldRule, type BoomiFieldType, type BoomiModel, type QuarantineDetail } from './boomi-hub-model';

/** The one step of a Boomi Hub pipeline that makes a job: the batch (for `--fail` and `--never-finish`). */
export type BoomiHubStep = (typeof BOOMI_HUB_STEPS)[number];

export const DEFAULT_UNIVERSE_ID = 'ac11cc59-c77a-4afe-8c92-ed86a7daabec';

/** The processing states a batch passes through, in order, before its final state. */
export const BATCH_PHASES = ['CREATED', 'PARSING', 'PARSED', 'ENRICHING', 'ENRICHED', 'PROCESSING'] as const;
export type BatchFinalState = 'COMPLETED' | 'COMPLETED_ERRORS' | 'ERRORED';
export type BatchState = (typeof BATCH_PHASES)[number] | BatchFinalState;
export type EntityState = 'PARSED' | 'ENRICHED' | 'PROCESSING' | 'ERRORED' | 'QUARANTINED' | 'COMPLETED';

/** How a batch ends: decided when it is created, from the pending knob, the shape and its entities. */
export type BatchOutcome = { kind: 'COMPLETED' } | { kind: 'COMPLETED_ERRORS' } | { kind: 'ERRORED' } | { kind: 'NEVER' };

/** A knob for the next batch: quarantine its last `count` entities, error it, or never finish it. */
type BatchKnob = { kind: 'QUARANTINE'; count: number; details?: readonly QuarantineDetail[] } | { kind: 'ERRORED' } | { kind: 'NEVER' };

/** One entity of a batch (a child element of `<batch>`). */
export interface SimEntity {
  /** System-assigned batch entity id (`<entity id="…">`). */
  readonly id: string;
  /** The entity element's name, e.g. 'contact'. */
  readonly type: string;
  /** The entity's `<id>` child, or a generated UUID when it has none. */
  readonly sourceEntityId: string;
  readonly transactionId: string;
  /** The golden record it creates if it completes. */
  readonly recordId: string;
  /** Set when the batch outcome quarantines this entity. */
  readonly quarantine?: QuarantineDetail;
}

/** A batch as the simulator stores it; its state is derived from the clock on every read. */
export interface SimBatch {
  readonly batchId: string;
  readonly universeId: string;
  readonly source: string;
  /** Simulator clock (ms) when the batch was accepted. */
  readonly createdAt: number;
  readonly entities: readonly SimEntity[];
  readonly outcome: BatchOutcome;
  /** The XML body as posted. */
  readonly body: string;
}

export interface BoomiHubSimulatorOptions extends HttpSimulatorOptions {
  /** Basic auth user name (default 'boomi-user'). */
  readonly username?: string;
  /** Basic auth password / API token (default 'boomi-token'). */
  readonly password?: string;
  /** The bearer JWT accepted (default 'boomi-jwt'). */
  readonly jwt?: string;
  /** The repository id JWT requests must name in `repositoryId` (default 'repo-1'). */
  readonly repositoryId?: string;
  /** The universe ids that exist (e.g. the config's `universeId`s); any other answers 404. @default [DEFAULT_UNIVERSE_ID] */
  readonly universes?: readonly string[];
  /** The universe model: declared field types and required fields, checked on every entity received. @default no rules */
  readonly model?: BoomiModel;
  /** Batch length, failing / never-finishing batches and the share of entities quarantined. @default none */
  readonly shape?: SimulatorShape<BoomiHubStep>;
  /** Answer 403 to every authenticated request (the seed documents it for JWT; here it applies to Basic too). */
  readonly forbidden?: boolean;
  /** Time from CREATED to the final state (default 1500 ms). */
  readonly batchDurationMs?: number;
}

/** The count elements of a `<batch>`, in the seed's order. */
export interface BatchCounts {
  readonly entityCount: number;
  readonly quarantinedCount: number;
  readonly createdCount: number;
  readonly deletedCount: number;
  readonly updatedCount: number;
}

/** Batch ids are increasing integers, starting where the seed's example does. */
const FIRST_BATCH_ID = 42;
/** Entity ids likewise start at the seed's first example entity. */
const FIRST_ENTITY_ID = 9533;

/** The seed's 401 page (Jetty's), verbatim: it names /mdm/universes whatever the path. */
const UNAUTHORIZED_PAGE =
  '<body><h2>HTTP ERROR 401</h2><p>Problem accessing /mdm/universes. Reason:\n<pre>Invalid credentials.</pre>\n</p>\n</body>';
const FORBIDDEN_BODY = '<error><message>You do not have permissions to access this resource.</message></error>';

const RECORDS_PATH = /^\/mdm\/universes\/([^/]*)\/records$/;
const BATCH_PATH = /^\/mdm\/universes\/([^/]*)\/records\/updates\/([^/]+)$/;

const xmlParser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false });

export class BoomiHubSimulator extends HttpSimulator {
  readonly system = 'boomi-hub';
  /** Every batch, oldest first. */
  readonly batches: SimBatch[] = [];

  private readonly basicCredentials: string;
  private readonly jwt: string;
  private readonly repositoryId: string;
  private readonly universes: ReadonlySet<string>;
  private readonly forbidden: boolean;
  private readonly batchDurationMs: number;
  private nextBatchId = FIRST_BATCH_ID;
  private nextEntityId = FIRST_ENTITY_ID;
  private pendingKnob: BatchKnob | undefined;
  private readonly model: BoomiModel;
  private readonly shape: SimulatorShape<BoomiHubStep>;

  constructor(options: BoomiHubSimulatorOptions = {}) {
    super(options);
    this.basicCredentials = Buffer.from(`${options.username ?? 'boomi-user'}:${options.password ?? 'boomi-token'}`).toString('base64');
    this.jwt = options.jwt ?? 'boomi-jwt';
    this.repositoryId = options.repositoryId ?? 'repo-1';
    this.universes = new Set(options.universes?.length ? options.universes : [DEFAULT_UNIVERSE_ID]);
    this.forbidden = options.forbidden ?? false;
    this.batchDurationMs = jobDurationMs(options.shape, options.batchDurationMs, 1500);
    this.model = options.model ?? {};
    this.shape = options.shape ?? {};
  }

  /** The universe ids requests may name. */
  get acceptedUniverses(): readonly string[] {
    return [...this.universes];
  }

  override bannerLines(): string[] {
    return [`universe ids:  ${this.acceptedUniverses.join(', ')} (any other answers 404)`];
  }

  /**
   * The next batch ends COMPLETED_ERRORS with its last `count` entities QUARANTINED (clamped to the
   * batch size), besides any the model rejects. Quarantined entity i gets `details[i % details.length]`;
   * without details each is REQUIRES_APPROVAL with a message naming that entity.
   */
  quarantineNext(count: number, details?: readonly QuarantineDetail[]): void {
    this.pendingKnob = { kind: 'QUARANTINE', count, details: details?.length ? details : undefined };
  }

  /** The next batch ends ERRORED, every entity ERRORED. */
  errorNext(): void {
    this.pendingKnob = { kind: 'ERRORED' };
  }

  /** The next batch stays PROCESSING forever. */
  neverFinishNext(): void {
    this.pendingKnob = { kind: 'NEVER' };
  }

  /** The state a batch is in right now. */
  stateOf(batch: SimBatch): BatchState {
    return this.lifecycle(batch).state;
  }

  /** Every batch with its current state and counts. */
  override snapshot(): object {
    return {
      batches: this.batches.map((batch) => ({
        batchId: batch.batchId,
        universeId: batch.universeId,
        source: batch.source,
        state: this.stateOf(batch),
        ...this.counts(batch),
      })),
    };
  }

  protected route(request: SimRequest): SimResponse {
    const denied = this.authorize(request);
    if (denied) return denied;

    const records = RECORDS_PATH.exec(request.path);
    if (records) {
      if (request.method !== 'POST') return methodNotAllowed(request);
      return this.withUniverse(records[1], (universeId) => this.updateGoldenRecords(request, universeId));
    }
    const status = BATCH_PATH.exec(request.path);
    if (status) {
      if (request.method !== 'GET') return methodNotAllowed(request);
      return this.withUniverse(status[1], (universeId) => this.batchStatus(request, universeId, decodeURIComponent(status[2])));
    }
    return errorXml(404, [`No resource at ${request.path}.`]);
  }

  // ---- auth ----

  /** Undefined when the request may proceed, else the 401/400/403 to answer. */
  private authorize(request: SimRequest): SimResponse | undefined {
    const authorization = request.headers.authorization ?? '';
    const basic = /^Basic (.+)$/i.exec(authorization)?.[1];
    const bearer = /^Bearer (.+)$/i.exec(authorization)?.[1];
    const authenticated = basic === this.basicCredentials || bearer === this.jwt;
    if (!authenticated) return textResponse(401, UNAUTHORIZED_PAGE, 'text/html');
    // Only JWT requests carry the repository in the query; Basic credentials already imply it.
    if (bearer !== undefined) {
      const repositoryId = request.query.get('repositoryId');
      if (!repositoryId) return errorXml(400, ['The repositoryId query parameter is required with JWT authentication.']);
      if (repositoryId !== this.repositoryId) return errorXml(400, [`A repository with id '${repositoryId}' does not exist.`]);
    }
    if (this.forbidden) return xmlResponse(403, FORBIDDEN_BODY);
    return undefined;
  }

  /** Run `handler` for a known universe, else answer the seed's 400 (blank id) or 404. */
  private withUniverse(rawId: string, handler: (universeId: string) => SimResponse): SimResponse {
    const universeId = decodeURIComponent(rawId);
    if (universeId.trim() === '') return errorXml(400, ['The given universe id is blank.']);
    if (!this.universes.has(universeId)) {
      return errorXml(404, [
        `A universe with id '${universeId}' does not exist.`,
        `Universe definition with id '${universeId}' could not be loaded from plugin component directory 'plugins/mdm/bundles/${universeId}'.`,
      ]);
    }
    return handler(universeId);
  }

  // ---- endpoints ----

  /** `POST …/records`: accept a `<batch src="…">` and answer 202 with the batch resource URL. */
  private updateGoldenRecords(request: SimRequest, universeId: string): SimResponse {
    const parsed = parseBatch(request.body);
    if ('error' in parsed) return errorXml(400, [parsed.error]);
    const knob = this.pendingKnob;
    this.pendingKnob = undefined;
    const total = parsed.entities.length;
    const picked =
      knob?.kind === 'QUARANTINE' ? Math.max(0, Math.min(knob.count, total)) : Math.round((this.shape.quarantineRatio ?? 0) * total);
    // The picked entities are the last ones, as in the seed's example (entity 9732 at the end).
    const firstPicked = total - picked;
    const entities = parsed.entities.map((entity, index): SimEntity => {
      const sourceEntityId = entity.sourceEntityId ?? randomUUID();
      const details = knob?.kind === 'QUARANTINE' ? knob.details : undefined;
      const pickedDetail = () =>
        details ? details[(index - firstPicked) % details.length] : approvalDetail(entity, sourceEntityId, parsed.source);
      return {
        id: String(this.nextEntityId++),
        type: entity.type,
        sourceEntityId,
        transactionId: randomUUID(),
        recordId: randomUUID(),
        quarantine: modelViolation(this.model, entity) ?? (index >= firstPicked ? pickedDetail() : undefined),
      };
    });
    const outcome = this.outcomeOf(knob, entities);
    const batch: SimBatch = {
      batchId: String(this.nextBatchId++),
      universeId,
      source: parsed.source,
      createdAt: this.now(),
      entities,
      outcome,
      body: request.body,
    };
    this.batches.push(batch);
    return textResponse(202, `${this.url}/mdm/universes/${encodeURIComponent(universeId)}/records/updates/${batch.batchId}`);
  }

  /** `GET …/records/updates/<batchID>?includeEntities=`. */
  private batchStatus(request: SimRequest, universeId: string, batchId: string): SimResponse {
    const batch = this.batches.find((candidate) => candidate.batchId === batchId && candidate.universeId === universeId);
    if (!batch) return errorXml(404, [`A batch with id '${batchId}' does not exist.`]);
    const includeEntities = request.query.get('includeEntities')?.toLowerCase() === 'true';
    return xmlResponse(200, this.renderBatch(batch, includeEntities));
  }

  // ---- lifecycle ----

  /** A knob decides first, then the shape; otherwise any quarantined entity makes COMPLETED_ERRORS. */
  private outcomeOf(knob: BatchKnob | undefined, entities: readonly SimEntity[]): BatchOutcome {
    if (knob?.kind === 'ERRORED' || knob?.kind === 'NEVER') return { kind: knob.kind };
    if (!knob && this.shape.neverFinish?.includes('batch')) return { kind: 'NEVER' };
    if (!knob && this.shape.fail?.includes('batch')) return { kind: 'ERRORED' };
    return { kind: entities.some((entity) => entity.quarantine) ? 'COMPLETED_ERRORS' : 'COMPLETED' };
  }

  /**
   * Where a batch is in its lifecycle: its state, the start times of the phases it has reached
   * (index = position in BATCH_PHASES) and, once final, when it ended.
   */
  private lifecycle(batch: SimBatch): { state: BatchState; phaseStarts: number[]; endedAt?: number } {
    const phaseLength = this.batchDurationMs / BATCH_PHASES.length;
    const phaseStarts = BATCH_PHASES.map((_, index) => batch.createdAt + Math.round(index * phaseLength));
    const endedAt = batch.createdAt + this.batchDurationMs;
    const now = this.now();
    if (now >= endedAt && batch.outcome.kind !== 'NEVER') return { state: batch.outcome.kind, phaseStarts, endedAt };
    const phase = phaseStarts.filter((start) => now >= start).length - 1;
    return { state: BATCH_PHASES[Math.max(0, phase)], phaseStarts: phaseStarts.slice(0, Math.max(1, phase + 1)) };
  }

  /** The counts elements; everything but entityCount stays 0 until the batch is final. */
  private counts(batch: SimBatch): BatchCounts {
    const { state } = this.lifecycle(batch);
    // The entities are counted once parsing is over.
    const entityCount = isParsed(state) ? batch.entities.length : 0;
    const quarantined = batch.entities.filter((entity) => entity.quarantine).length;
    const completed = state === 'COMPLETED' || state === 'COMPLETED_ERRORS';
    return {
      entityCount,
      quarantinedCount: completed ? quarantined : 0,
      createdCount: completed ? batch.entities.length - quarantined : 0,
      deletedCount: 0,
      updatedCount: 0,
    };
  }

  // ---- rendering ----

  /** The seed's `<batch>` document; timestamps only for the phases reached so far. */
  private renderBatch(batch: SimBatch, includeEntities: boolean): string {
    const { state, phaseStarts, endedAt } = this.lifecycle(batch);
    // Phase i starts at phaseStarts[i]: PARSING=1, PARSED=2, ENRICHING=3, ENRICHED=4, PROCESSING=5.
    const at = (index: number): number | undefined => phaseStarts[index];
    const updatedAt = endedAt ?? phaseStarts[phaseStarts.length - 1];
    const lines = [
      '<batch>',
      element('batchId', batch.batchId),
      element('source', batch.source),
      element('createdByType', 'API'),
      element('state', state),
      element('createdAt', isoSeconds(batch.createdAt)),
      element('updatedAt', isoSeconds(updatedAt)),
      optionalTime('parseStart', at(1)),
      optionalTime('parseEnd', at(2)),
      optionalTime('enrichStart', at(3)),
      optionalTime('enrichEnd', at(4)),
      optionalTime('incorporateStart', at(5)),
      // An ERRORED batch never finishes incorporating; it only ends.
      optionalTime('incorporateEnd', state === 'ERRORED' ? undefined : endedAt),
      optionalTime('endedAt', endedAt),
      ...Object.entries(this.counts(batch)).map(([name, value]) => element(name, String(value))),
      ...(includeEntities ? this.renderEntities(batch, state, phaseStarts, updatedAt) : []),
      '</batch>',
    ];
    return lines.filter((line) => line !== '').join('\n');
  }

  /** The `<entities>` list; entities exist in the batch only once it has been parsed. */
  private renderEntities(batch: SimBatch, batchState: BatchState, phaseStarts: number[], updatedAt: number): string[] {
    if (!isParsed(batchState)) return ['  <entities/>'];
    const parsedAt = phaseStarts[BATCH_PHASES.indexOf('PARSED')];
    const entities = batch.entities.map((entity) => {
      const { state, stateDetail, message, recordId } = entityStatus(entity, batchState);
      return [
        `    <entity id="${escapeXml(entity.id)}">`,
        element('createdAt', isoSeconds(parsedAt), 6),
        element('updatedAt', isoSeconds(updatedAt), 6),
        element('state', state, 6),
        stateDetail ? element('stateDetail', stateDetail, 6) : '',
        message ? element('message', message, 6) : '',
        element('sourceEntityId', entity.sourceEntityId, 6),
        recordId ? element('recordId', recordId, 6) : '',
        element('transactionId', entity.transactionId, 6),
        '    </entity>',
      ].filter((line) => line !== '');
    });
    return ['  <entities>', ...entities.flat(), '  </entities>'];
  }
}

function isParsed(state: BatchState): boolean {
  return state !== 'CREATED' && state !== 'PARSING';
}

/** An entity's state for a batch state; `stateDetail`, `message` and `recordId` only once resolved. */
function entityStatus(
  entity: SimEntity,
  batchState: BatchState,
): { state: EntityState; stateDetail?: string; message?: string; recordId?: string } {
  switch (batchState) {
    case 'CREATED':
    case 'PARSING':
    case 'PARSED':
    case 'ENRICHING':
      return { state: 'PARSED' };
    case 'ENRICHED':
      return { state: 'ENRICHED' };
    case 'PROCESSING':
      return { state: 'PROCESSING' };
    case 'ERRORED':
      return { state: 'ERRORED' };
    case 'COMPLETED':
    case 'COMPLETED_ERRORS':
      return entity.quarantine
        ? { state: 'QUARANTINED', stateDetail: entity.quarantine.stateDetail, message: entity.quarantine.message }
        : { state: 'COMPLETED', stateDetail: 'CREATED', recordId: entity.recordId };
  }
}

/** fast-xml-parser's `preserveOrder` node: `{ tag: children, ':@': attributes }` or `{ '#text': … }`. */
type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/** Parse a `<batch src="…">` body into its source and entities, or say what is wrong with it. */
function parseBatch(body: string): { source: string; entities: PostedEntity[] } | { error: string } {
  if (body.trim() === '') return { error: 'The request body is empty; expected a <batch> element.' };
  const valid = XMLValidator.validate(body);
  if (valid !== true) return { error: `Unable to parse the batch: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col}).` };
  const root = elements(xmlParser.parse(body) as OrderedNode[])[0];
  if (!root || root.name !== 'batch') return { error: `The root element must be <batch>, not <${root?.name ?? ''}>.` };
  const source = root.attributes.src?.trim();
  if (!source) return { error: 'The batch does not specify a source: the src attribute of <batch> is missing.' };
  const entities = elements(root.children).map((entity): PostedEntity => {
    const children = elements(entity.children);
    const idElement = children.find((child) => child.name === 'id');
    // Simple fields only: an element holding text (collections and nested records are not checked).
    const simple = children.filter((child) => elements(child.children).length === 0);
    const fields = Object.fromEntries(simple.map((child) => [child.name, textOf(child.children)]));
    return { type: entity.name, sourceEntityId: idElement ? textOf(idElement.children) : undefined, fields };
  });
  return { source, entities };
}

/** The element nodes among `nodes` (skipping text, comments and the XML declaration). */
function elements(nodes: OrderedNode[]): Array<{ name: string; attributes: Record<string, string>; children: OrderedNode[] }> {
  return nodes.flatMap((node) => {
    const name = Object.keys(node).find((key) => key !== ':@' && !key.startsWith('#') && !key.startsWith('?'));
    return name ? [{ name, attributes: node[':@'] ?? {}, children: node[name] as OrderedNode[] }] : [];
  });
}

function textOf(nodes: OrderedNode[]): string {
  return nodes.map((node) => (typeof node['#text'] === 'string' ? node['#text'] : '')).join('');
}

function methodNotAllowed(request: SimRequest): SimResponse {
  return errorXml(405, [`Method ${request.method} is not allowed on ${request.path}.`]);
}

/** The seed's `<error>` body with one `<message>` per line. */
function errorXml(status: number, messages: readonly string[]): SimResponse {
  return xmlResponse(status, ['<error>', ...messages.map((message) => element('message', message)), '</error>'].join('\n'));
}

function element(name: string, text: string, indent = 2): string {
  return `${' '.repeat(indent)}<${name}>${escapeXml(text)}</${name}>`;
}

function optionalTime(name: string, at: number | undefined): string {
  return at === undefined ? '' : element(name, isoSeconds(at));
}

/** ISO 8601 in UTC without milliseconds, like the seed's `2016-10-31T15:12:21Z`. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Escape text and attribute content; apostrophes stay literal, as in the seed's messages. */
function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
