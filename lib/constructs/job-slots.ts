/**
 * Tenant-wide job slots: a counting semaphore in DynamoDB, shared by every pipeline (and every
 * run of it) that joins a slot pool. A Map's MaxConcurrency limits one execution; a tenant that
 * allows N concurrent jobs is shared by several pipelines, so the count must live outside them.
 *
 * One item per pool: `{ pool, count, limit, <holder>: <acquiredAt>, ... }`. A holder is
 * `<execution ARN>#<job key>` (`#<Map index>` added for per-item jobs), and each holder is a
 * TOP-LEVEL attribute of the pool item rather than an entry of a `holders` map: an update can
 * create top-level attributes on an item that does not exist yet, whereas `SET holders.#h` fails
 * until the map exists and DynamoDB cannot create a map and one of its entries in the same update.
 * So acquiring is always ONE conditional UpdateItem that also creates the pool item on first
 * use: no set-up step, no custom resource, no transaction, identical on AWS and in dynalite.
 *
 *   acquire  SET #count = if_not_exists(#count, 0) + 1, #limit = :limit, #h = :now
 *            IF attribute_not_exists(#h) AND (attribute_not_exists(#count) OR #count < :limit)
 *   check    SET #h = #h IF attribute_exists(#h)   (after a failed acquire: do we hold it already?)
 *   release  SET #count = #count - 1 REMOVE #h IF attribute_exists(#h)
 *
 * All three are Step Functions' direct DynamoDB integration (no Lambda). The state machine:
 *
 *   Acquire ─ ok ─────────────────────────────────────────────────► submit
 *     │ other error (no answer: did it write?)                        ▲
 *     ▼                                                               │
 *   Check (retried) ─ ok: the lost acquire took it ───────────────────┘
 *     │ ConditionalCheckFailed (from the acquire or the check): the pool is full
 *     ▼
 *   Keep waiting? ─ waited maxWaitMinutes ─► Fail SlotWaitTimedOut
 *     ▼
 *   Count wait ─► "Waiting for a tenant job slot" (waitSeconds, jittered) ─► Acquire
 *
 * The acquire is not retried, so its failed condition is an answer (the slot is not this job's:
 * no path reaches the acquire holding it) and a wait cycle is four states, 11 history events
 * (Acquire 5, Keep waiting 2, Count 2, Wait 2); with the check on every cycle it was 16.
 *
 * and a release before every terminal state of the job (done, failed, request failed, timed out,
 * conflict, skip). A release that finds its holder gone is a success. What no state can release
 * (abort, execution timeout, a sibling Map iteration failing the run) the execution cleanup
 * releases: it removes every holder whose id starts with the execution's ARN.
 */
import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { SLOT_COUNT, SLOT_LIMIT, SLOT_TABLE_KEY } from '../contract/slot-table';
import type { SlotPool } from '../config/slot-pools';
import { errorName } from '../contract/errors';
import { stateTable } from './state-table';

/** Template metadata on the table: the pool names (read by the local runner). */
export const JOB_SLOTS_METADATA = 'continuum:job-slots';

/** Where a job keeps its slot bookkeeping in the state data. */
const SLOT_PATH = '$.slot';

/** Field of a Map iteration's input holding the item's index (part of a per-item holder id). */
export const ITEM_INDEX_FIELD = 'itemIndex';

/** Error of a job that waited `maxWaitMinutes` without getting a slot. */
export const SLOT_WAIT_TIMED_OUT = errorName('SlotWaitTimedOut');
/** Error of a run whose job succeeded but whose slot could not be released (the cleanup releases it). */
const SLOT_RELEASE_FAILED = errorName('SlotReleaseFailed');

const CONDITION_FAILED = 'DynamoDB.ConditionalCheckFailedException';
/** Step Functions' limit on state names. */
const MAX_STATE_NAME = 80;

/** The stack's slot table and its pools. */
export class JobSlotTable extends Construct {
  readonly table: dynamodb.Table;
  private readonly pools: ReadonlyMap<string, SlotPool>;

  constructor(scope: Construct, id: string, props: { readonly pools: readonly SlotPool[] }) {
    super(scope, id);
    this.pools = new Map(props.pools.map((pool) => [pool.name, pool]));
    this.table = stateTable(this, { key: SLOT_TABLE_KEY, metadata: { name: JOB_SLOTS_METADATA, value: { pools: [...this.pools.keys()] } } });
  }

  pool(name: string): SlotPool {
    const pool = this.pools.get(name);
    if (!pool) throw new Error(`no slot pool named '${name}' (known: ${[...this.pools.keys()].join(', ') || 'none'})`);
    return pool;
  }

  get poolNames(): string[] {
    return [...this.pools.keys()];
  }
}

/** A pipeline's pool, as its JobPollers need it. */
export interface SlotPoolRef {
  readonly table: dynamodb.ITable;
  readonly pool: SlotPool;
}

export interface JobSlotProps extends SlotPoolRef {
  readonly job: { readonly key: string; readonly subject: string; readonly title: string };
  /** The job runs once per Map item: the holder id carries the item's index. */
  readonly perItem: boolean;
}

/** Tries while waiting, and the longest a job waits for a slot (for the execution timeout). */
export function slotWaitBudget(pool: SlotPool): { attempts: number; maxSeconds: number } {
  const attempts = Math.ceil((pool.maxWaitMinutes * 60) / pool.waitSeconds);
  return { attempts, maxSeconds: attempts * (pool.waitSeconds + jitterOf(pool)) };
}

/** Waits are `waitSeconds` plus up to half as much again, so waiters that woke together spread out. */
const jitterOf = (pool: SlotPool): number => Math.max(1, Math.ceil(pool.waitSeconds / 2));

/**
 * Builds one job's slot states inside its JobPoller (the states belong to the caller's scope so
 * their names sit with the job's). Names carry the job's subject: state names are unique per
 * state machine and a pipeline has several jobs.
 */
export class JobSlot {
  /** The acquire, the wait and the give-up states (set by `acquireThen`), for the job's metadata. */
  names: { readonly acquireSlot?: string; readonly slotWait?: string; readonly slotWaitTimedOut?: string } = {};
  private readonly releases = new Map<sfn.State, sfn.State>();
  private releaseFailed?: sfn.Fail;

  constructor(
    private readonly scope: Construct,
    private readonly props: JobSlotProps,
  ) {}

  /** `arn:…:execution:<machine>:<run>#<job key>[#<item index>]`, computed in the state machine. */
  private holder(): string {
    const { job, perItem } = this.props;
    const execution = sfn.JsonPath.stringAt('$$.Execution.Id');
    return perItem
      ? sfn.JsonPath.format(`{}#${job.key}#{}`, execution, sfn.JsonPath.stringAt(`$.${ITEM_INDEX_FIELD}`))
      : sfn.JsonPath.format(`{}#${job.key}`, execution);
  }

  /**
   * The states that take a slot, then go to `next`. A DynamoDB error other than a failed
   * condition (after retries) goes to `onError` with the error at `$.failure`; it may have
   * written, so `onError` should release.
   */
  acquireThen(next: sfn.IChainable, onError: sfn.IChainable): sfn.State {
    const { pool, job } = this.props;
    const { attempts } = slotWaitBudget(pool);
    const acquire = this.update('AcquireSlot', fit(`Acquire tenant job slot for `, job.subject), {
      comment: `Takes one of the ${pool.limit} slots of pool '${pool.name}' unless all are held (conditional update).`,
      updateExpression: 'SET #count = if_not_exists(#count, :zero) + :one, #limit = :limit, #holder = :now',
      conditionExpression: 'attribute_not_exists(#holder) AND (attribute_not_exists(#count) OR #count < :limit)',
      names: { '#count': SLOT_COUNT, '#limit': SLOT_LIMIT },
      values: {
        ':zero': tasks.DynamoAttributeValue.fromNumber(0),
        ':one': tasks.DynamoAttributeValue.fromNumber(1),
        ':limit': tasks.DynamoAttributeValue.fromNumber(pool.limit),
        ':now': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime')),
      },
      resultSelector: { pool: pool.name, 'acquiredAt.$': '$$.State.EnteredTime' },
      retried: false,
    });
    const check = this.update('CheckSlot', fit(`Check tenant job slot for `, job.subject), {
      comment: 'The acquire failed without an answer (a timeout, a 5xx, throttling): did it write? Then this job holds the slot; otherwise it waits and tries again.',
      updateExpression: 'SET #holder = #holder',
      conditionExpression: 'attribute_exists(#holder)',
      names: {},
      values: {},
      resultSelector: { pool: pool.name, 'acquiredAt.$': '$$.State.EnteredTime' },
    });
    const wait = new sfn.Wait(this.scope, 'SlotWait', {
      stateName: fit('Waiting for a tenant job slot for ', job.subject),
      comment: `Pool '${pool.name}' has all ${pool.limit} slots held: waits ${pool.waitSeconds}-${pool.waitSeconds + jitterOf(pool)} s, then tries again.`,
      time: sfn.WaitTime.secondsPath(`${SLOT_PATH}.wait`),
    });
    const nextWait = `States.MathAdd(${pool.waitSeconds}, States.MathRandom(0, ${jitterOf(pool)}))`;
    const firstWait = new sfn.Pass(this.scope, 'FirstSlotWait', {
      stateName: fit('Start waiting for a slot for ', job.subject),
      parameters: { pool: pool.name, attempts: 1, 'wait.$': nextWait },
      resultPath: SLOT_PATH,
    });
    const countWait = new sfn.Pass(this.scope, 'CountSlotWait', {
      stateName: fit('Count waits for a slot for ', job.subject),
      parameters: { pool: pool.name, 'attempts.$': `States.MathAdd(${SLOT_PATH}.attempts, 1)`, 'wait.$': nextWait },
      resultPath: SLOT_PATH,
    });
    const gaveUp = new sfn.Fail(this.scope, 'SlotWaitTimedOut', {
      stateName: fit('No tenant job slot for ', job.subject),
      comment: `Waited ${attempts} times (at least ${pool.maxWaitMinutes} minutes) for a slot of pool '${pool.name}'.`,
      error: SLOT_WAIT_TIMED_OUT,
      cause: `${job.title}: no slot of pool '${pool.name}' (limit ${pool.limit}) became free within ${pool.maxWaitMinutes} minutes.`,
    });
    const attemptsPath = `${SLOT_PATH}.attempts`;
    const keepWaiting = new sfn.Choice(this.scope, 'KeepWaitingForSlot', {
      stateName: fit('Keep waiting for a slot for ', job.subject),
      comment: `Gives up after ${attempts} waits.`,
    })
      .when(sfn.Condition.and(sfn.Condition.isPresent(attemptsPath), sfn.Condition.numberGreaterThanEquals(attemptsPath, attempts)), gaveUp)
      .when(sfn.Condition.isPresent(attemptsPath), countWait)
      .otherwise(firstWait);

    // The acquire is not retried: a failed condition then means the slot is not ours (the pool is
    // full), so the wait loop goes straight to waiting again. Only an error that may hide a write
    // (a timeout, a 5xx, throttling) needs the check; it retries, being idempotent.
    acquire.addCatch(keepWaiting, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
    acquire.addCatch(check, { errors: ['States.ALL'], resultPath: sfn.JsonPath.DISCARD });
    acquire.next(next);
    check.addCatch(keepWaiting, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
    check.addCatch(onError, { errors: ['States.ALL'], resultPath: '$.failure' });
    check.next(next);
    firstWait.next(wait);
    countWait.next(wait);
    wait.next(acquire);
    this.names = { acquireSlot: acquire.stateId, slotWait: wait.stateId, slotWaitTimedOut: gaveUp.stateId };
    return acquire;
  }

  /**
   * The release to run before `terminal`: one per terminal state (made on first use), since a
   * state has one `Next`. After a failure the run fails anyway, so a release error continues to
   * the terminal (the cleanup releases the slot); after a success it fails the run with
   * SlotReleaseFailed, which triggers the same cleanup, instead of leaking the slot silently.
   */
  releaseBefore(terminal: sfn.State, outcome: 'success' | 'failure'): sfn.State {
    const existing = this.releases.get(terminal);
    if (existing) return existing;
    const { pool } = this.props;
    const release = this.update(`ReleaseSlot${this.releases.size + 1}`, fit('Release tenant job slot (', terminal.stateId, ')'), {
      comment: `Gives the slot of pool '${pool.name}' back; a holder that is already gone counts as released.`,
      updateExpression: 'SET #count = #count - :one REMOVE #holder',
      conditionExpression: 'attribute_exists(#holder)',
      names: { '#count': SLOT_COUNT },
      values: { ':one': tasks.DynamoAttributeValue.fromNumber(1) },
      resultSelector: { pool: pool.name, 'releasedAt.$': '$$.State.EnteredTime' },
    });
    release.addCatch(terminal, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
    release.addCatch(outcome === 'success' ? this.releaseFailedState() : terminal, { errors: ['States.ALL'], resultPath: '$.slotFailure' });
    release.next(terminal);
    this.releases.set(terminal, release);
    return release;
  }

  private releaseFailedState(): sfn.Fail {
    this.releaseFailed ??= new sfn.Fail(this.scope, 'SlotReleaseFailed', {
      stateName: fit('Tenant job slot not released for ', this.props.job.subject),
      comment: 'The job succeeded but its slot could not be given back: failing the run makes the execution cleanup release it.',
      error: SLOT_RELEASE_FAILED,
      causePath: '$.slotFailure.Cause',
    });
    return this.releaseFailed;
  }

  private update(
    id: string,
    stateName: string,
    options: {
      comment: string;
      updateExpression: string;
      conditionExpression: string;
      names: Record<string, string>;
      values: Record<string, tasks.DynamoAttributeValue>;
      resultSelector: Record<string, unknown>;
      /** Retry errors other than a failed condition (default); off for the acquire, whose errors the check resolves. */
      retried?: boolean;
    },
  ): tasks.DynamoUpdateItem {
    const task = new tasks.DynamoUpdateItem(this.scope, id, {
      stateName,
      comment: options.comment,
      table: this.props.table,
      key: { [SLOT_TABLE_KEY]: tasks.DynamoAttributeValue.fromString(this.props.pool.name) },
      updateExpression: options.updateExpression,
      conditionExpression: options.conditionExpression,
      expressionAttributeNames: { ...options.names, '#holder': this.holder() },
      ...(Object.keys(options.values).length > 0 ? { expressionAttributeValues: options.values } : {}),
      resultSelector: options.resultSelector,
      resultPath: SLOT_PATH,
      taskTimeout: sfn.Timeout.duration(Duration.seconds(30)),
    });
    // A failed condition is an answer, not a fault: never retried (MaxAttempts 0 ends the match),
    // so it reaches the Catch at once. Anything else (throttling, 5xx, a timeout) is retried.
    if (options.retried === false) return task;
    task.addRetry({ errors: [CONDITION_FAILED], maxAttempts: 0 });
    task.addRetry({ errors: ['States.ALL'], interval: Duration.seconds(1), maxAttempts: 4, backoffRate: 2, maxDelay: Duration.seconds(20), jitterStrategy: sfn.JitterType.FULL });
    return task;
  }
}

/** `prefix + text + suffix` within the 80-character state name limit (the text is shortened). */
function fit(prefix: string, text: string, suffix = ''): string {
  const room = MAX_STATE_NAME - prefix.length - suffix.length;
  return `${prefix}${text.length > room ? text.slice(0, room).trimEnd() : text}${suffix}`;
}
