/**
 * Everything Continuum knows about the Boomi Hub repository API: paths, batch states, the
 * `<batch>` document, Basic/JWT auth, the `<error>` bodies, and how a batch becomes a job outcome
 * (including the quarantine policy). (Seed: boomi-hub-batch-update-status.txt.)
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import * as z from 'zod';
import { BadSecretError, MalformedResponseError } from '../../../lambdas/shared/errors';
import { cut, defaultErrorMessage, enc, schemaProblems } from '../../../lambdas/shared/http';
import { failed, running, succeeded, type JobResult } from '../../../lambdas/shared/job-result';
import type { SecretValue } from '../../../lambdas/shared/secret';
import type { ErrorName } from '../../contract/errors';

/** Where requests go: the universe, and the repository when authenticating with a JWT. */
export interface HubTarget {
  readonly universeId: string;
  /** Present → JWT auth, and every request carries `repositoryId=`; absent → Basic auth. */
  readonly repositoryId?: string;
}

/** Update Golden Records: `POST /mdm/universes/<universeID>/records`. */
export const recordsPath = (target: HubTarget) => `/mdm/universes/${enc(target.universeId)}/records${query({ repositoryId: target.repositoryId })}`;

/** Get Batch Update Status: `GET /mdm/universes/<universeID>/records/updates/<batchID>?[includeEntities=true]&[repositoryId=]`. */
export const batchStatusPath = (target: HubTarget, batchId: string, includeEntities = false) =>
  `/mdm/universes/${enc(target.universeId)}/records/updates/${enc(batchId)}${query({
    includeEntities: includeEntities ? 'true' : undefined,
    repositoryId: target.repositoryId,
  })}`;

/** Batch states, in processing order, then the three final ones. */
export const BoomiBatchState = {
  CREATED: 'CREATED',
  PARSING: 'PARSING',
  PARSED: 'PARSED',
  ENRICHING: 'ENRICHING',
  ENRICHED: 'ENRICHED',
  PROCESSING: 'PROCESSING',
  /** Every entity incorporated (the seed's own sample still shows quarantined entities). */
  COMPLETED: 'COMPLETED',
  /** One or more entities could not be incorporated because of an unexpected error. */
  COMPLETED_ERRORS: 'COMPLETED_ERRORS',
  /** Processing failed for every entity with an unexpected error. */
  ERRORED: 'ERRORED',
} as const;
export type BoomiBatchState = (typeof BoomiBatchState)[keyof typeof BoomiBatchState];

/** Stable error names of unsuccessful batches (the Fail state's `error`). */
export const BOOMI_ERRORS = {
  batchErrored: 'BoomiBatchErrored',
  quarantineThresholdExceeded: 'BoomiQuarantineThresholdExceeded',
} as const satisfies Record<string, ErrorName>;

/** Sample messages kept per quarantine reason, and their length. */
export const SAMPLES_PER_GROUP = 3;
const SAMPLE_LENGTH = 200;

/** Every element's text stays a string (ids like `007` must not become numbers). */
const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  // One entity or one message must look like many.
  isArray: (_name, jpath) => jpath === 'batch.entities.entity' || jpath === 'error.message',
});

const count = z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number);

const entitySchema = z.looseObject({
  '@id': z.string().optional(),
  state: z.string().trim().min(1),
  stateDetail: z.string().trim().optional(),
  message: z.string().optional(),
  sourceEntityId: z.string().optional(),
});
export type BoomiEntity = z.output<typeof entitySchema>;

const batchSchema = z.object({
  batch: z.looseObject({
    batchId: z.string().trim().min(1).optional(),
    source: z.string().optional(),
    state: z.enum(Object.values(BoomiBatchState) as [BoomiBatchState, ...BoomiBatchState[]]),
    createdAt: z.string().optional(),
    endedAt: z.string().optional(),
    entityCount: count,
    quarantinedCount: count,
    createdCount: count,
    updatedCount: count,
    deletedCount: count,
    // `<entities/>` (nothing parsed yet) reads as ''.
    entities: z.union([z.literal(''), z.object({ entity: z.array(entitySchema).default([]) })]).optional(),
  }),
});
export type BoomiBatch = z.output<typeof batchSchema>['batch'];

/** A `<batch>` answer, or MalformedResponse naming the call and what is wrong with it. */
export function parseBatch(where: string, body: string): BoomiBatch {
  const parsed = batchSchema.safeParse(parseXml(where, body));
  if (!parsed.success) {
    throw new MalformedResponseError(`${where}: not a batch status: ${schemaProblems(parsed.error)}: ${cut(body.trim(), 200)}`);
  }
  return parsed.data.batch;
}

/** The batch entities of an answer requested with includeEntities=true. */
export function entitiesOf(batch: BoomiBatch): BoomiEntity[] {
  return batch.entities ? batch.entities.entity : [];
}

/**
 * The batch id from Update Golden Records' answer: "the last segment of the URL of the batch
 * update resource" (the body; the Location header when the body is empty).
 */
export function batchIdFromAnswer(where: string, body: string, location: string | null): string {
  const text = body.trim() || location?.trim() || '';
  const match = /^(?:https?:\/\/[^\s/]+)?\/[^\s<>]*\/records\/updates\/([A-Za-z0-9._~%-]+)\/?(?:[?#]\S*)?$/.exec(text);
  if (!match) throw new MalformedResponseError(`${where}: expected the batch update URL (…/records/updates/<batchID>), got: ${cut(text, 200) || 'an empty answer'}`);
  return decodeURIComponent(match[1]);
}

/** The counts of a final batch, in the seed's words: what a step's output keeps. */
export function batchCounts(batch: BoomiBatch) {
  return {
    entityCount: batch.entityCount,
    createdCount: batch.createdCount,
    updatedCount: batch.updatedCount,
    deletedCount: batch.deletedCount,
    quarantinedCount: batch.quarantinedCount,
  };
}

/** Why entities were not incorporated, grouped by `<stateDetail>` (ERRORED entities as `ERRORED`). */
export interface QuarantineGroup {
  readonly stateDetail: string;
  readonly count: number;
  /** At most SAMPLES_PER_GROUP `entity <sourceEntityId>: <message>` lines, each cut. */
  readonly samples: string[];
}

/** Group the quarantined and errored entities of a batch, largest group first. */
export function quarantineReport(entities: readonly BoomiEntity[]): QuarantineGroup[] {
  const groups = new Map<string, { stateDetail: string; count: number; samples: string[] }>();
  for (const entity of entities) {
    if (entity.state !== 'QUARANTINED' && entity.state !== 'ERRORED') continue;
    const key = entity.state === 'ERRORED' ? 'ERRORED' : entity.stateDetail || 'UNKNOWN';
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { stateDetail: key, count: 0, samples: [] }));
    group.count += 1;
    const message = entity.message?.replace(/\s+/g, ' ').trim();
    if (message && group.samples.length < SAMPLES_PER_GROUP) {
      group.samples.push(cut(`entity ${entity.sourceEntityId ?? entity['@id'] ?? '?'}: ${message}`, SAMPLE_LENGTH));
    }
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.stateDetail.localeCompare(b.stateDetail));
}

/** `FIELD_FORMAT_ERROR: 3 (entity 9: …; entity 12: …); REQUIRED_FIELD: 1` */
export function reportText(groups: readonly QuarantineGroup[]): string {
  return groups.map((g) => `${g.stateDetail}: ${g.count}${g.samples.length ? ` (${g.samples.join('; ')})` : ''}`).join('; ');
}

/**
 * A batch's state as a job result. Processing states keep the loop waiting; ERRORED fails;
 * COMPLETED without quarantined entities succeeds. A final batch with quarantined entities, or
 * COMPLETED_ERRORS, goes to the quarantine policy and asks for the entity report (`reportNeeded`).
 */
export function batchResult(batchId: string, batch: BoomiBatch, quarantineThreshold: number): JobResult {
  switch (batch.state) {
    case 'ERRORED':
      return failed(
        batchId,
        batch.state,
        BOOMI_ERRORS.batchErrored,
        `batch ${batchId}${batch.source ? ` (source ${batch.source})` : ''} ERRORED: processing failed for ` +
          `${batch.entityCount > 0 ? `all ${batch.entityCount} entities` : 'the batch'} with an unexpected error` +
          `${batch.endedAt ? ` (ended ${batch.endedAt})` : ''}; created ${batch.createdCount}, ` +
          `updated ${batch.updatedCount}, deleted ${batch.deletedCount}, quarantined ${batch.quarantinedCount}`,
        batchCounts(batch),
      );
    case 'COMPLETED':
    case 'COMPLETED_ERRORS':
      if (batch.state === 'COMPLETED' && batch.quarantinedCount === 0) return succeeded(batchId, batch.state, batchCounts(batch));
      return quarantineVerdict(batchId, batch, quarantineThreshold);
    default:
      return running(batchId, batch.state, { entityCount: batch.entityCount });
  }
}

/**
 * The quarantine policy: entities not incorporated (quarantined, plus ERRORED entities seen in the
 * report) as a fraction of the batch, against `quarantineThreshold`. Within it the step succeeds
 * with `warnings`; above it, it fails with BoomiQuarantineThresholdExceeded. Without `groups` (the
 * status call, which has no entities) the verdict is provisional and asks for the report.
 */
export function quarantineVerdict(batchId: string, batch: BoomiBatch, quarantineThreshold: number, groups?: readonly QuarantineGroup[]): JobResult {
  const errored = groups?.find((g) => g.stateDetail === 'ERRORED')?.count ?? 0;
  const rejected = batch.quarantinedCount + errored;
  const fraction = batch.entityCount > 0 ? rejected / batch.entityCount : rejected > 0 ? 1 : 0;
  const what = `${rejected} of ${batch.entityCount} entities ${errored ? 'quarantined or errored' : 'quarantined'} (${percent(fraction)})`;
  const policy = `quarantineThreshold ${quarantineThreshold} (${percent(quarantineThreshold)})`;
  const report = groups ? reportText(groups) : '';
  const summary = {
    ...batchCounts(batch),
    quarantinedFraction: round(fraction),
    quarantineThreshold,
    ...(groups ? { quarantineReport: groups.map((g) => ({ ...g, samples: [...g.samples] })) } : { reportNeeded: true }),
  };
  const ended = `batch ${batchId} ended ${batch.state}`;
  if (fraction > quarantineThreshold) {
    const cause = `${ended}: ${what}, more than ${policy} allows; created ${batch.createdCount}, updated ${batch.updatedCount}, deleted ${batch.deletedCount}${
      groups ? `. ${report ? `Not incorporated: ${report}` : 'The entity report lists no quarantined entities'}` : ''
    }`;
    return failed(batchId, batch.state, BOOMI_ERRORS.quarantineThresholdExceeded, cause, summary);
  }
  const warning = `${ended}: ${what}, within ${policy}${report ? `; ${report}` : ''}`;
  return succeeded(batchId, batch.state, { ...summary, warnings: [cut(warning, 2000)] });
}

/**
 * `Authorization` from the secret. The pipeline decides the scheme (repositoryId set → JWT):
 * Basic takes `{"username","password"}` (the Hub's user name, e.g. the account ID, and its
 * authentication token; `token` is accepted for `password`), JWT takes `{"token"}`.
 */
export function authorizationHeader(secret: SecretValue, secretName: string, target: HubTarget): string {
  const value = secret.reveal();
  if (target.repositoryId !== undefined) {
    const jwt = z.object({ token: z.string().min(1) }).safeParse(value);
    if (jwt.success) return `Bearer ${jwt.data.token}`;
    throw new BadSecretError(`secret '${secretName}' must be JSON with "token" (a JWT): the pipeline sets repositoryId, which means JWT auth`);
  }
  const basic = z.object({ username: z.string().min(1), password: z.string().min(1) }).safeParse(value);
  const basicToken = z.object({ username: z.string().min(1), token: z.string().min(1) }).safeParse(value);
  const creds = basic.success ? basic.data : basicToken.success ? { username: basicToken.data.username, password: basicToken.data.token } : undefined;
  if (creds) return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  throw new BadSecretError(
    `secret '${secretName}' must be JSON with "username" and "password" (the Hub user name and authentication token) for Basic auth; set repositoryId in the pipeline to use a JWT`,
  );
}

/**
 * Boomi error bodies: `<error><message>…</message>…</error>` (400, 403, 404; several messages are
 * joined) and, for 401, Jetty's HTML page (`HTTP ERROR 401` … `<pre>Invalid credentials.</pre>`).
 */
export function boomiErrorMessage(body: string): string | undefined {
  const trimmed = body.trim();
  if (trimmed.startsWith('<') && XMLValidator.validate(trimmed) === true) {
    const doc = xmlParser.parse(trimmed) as { error?: { message?: unknown[] } };
    const messages = (doc.error?.message ?? []).map(textOf).filter(Boolean);
    if (messages.length > 0) return messages.join(' ');
    if (/^<(!doctype|html|body)/i.test(trimmed)) {
      const text = trimmed.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
      if (text) return text;
    }
  }
  return defaultErrorMessage(body);
}

/** Added to a 403: which privileges the seed says these calls need. */
export const FORBIDDEN_HINT = 'the Hub user needs the MDM - Batch Management or MDM - Activity Reporting privilege';

function parseXml(where: string, body: string): unknown {
  const text = body.trim();
  const valid = text === '' ? 'empty answer' : XMLValidator.validate(text);
  if (valid !== true) {
    const reason = typeof valid === 'string' ? valid : `${valid.err.msg} (line ${valid.err.line})`;
    throw new MalformedResponseError(`${where}: answer is not valid XML: ${reason}${text ? `: ${cut(text, 200)}` : ''}`);
  }
  return xmlParser.parse(text);
}

function textOf(node: unknown): string {
  if (typeof node === 'string') return node.trim();
  if (node && typeof node === 'object' && typeof (node as { '#text'?: unknown })['#text'] === 'string') return (node as { '#text': string })['#text'].trim();
  return '';
}

function percent(fraction: number): string {
  return `${round(fraction * 100, 2)}%`;
}

function round(value: number, digits = 4): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function query(params: Record<string, string | undefined>): string {
  const entries = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return entries.length ? `?${new URLSearchParams(entries).toString()}` : '';
}
