/**
 * Releases the tenant job slots an ended execution still holds (see lib/constructs/job-slots.ts).
 *
 * Each job releases its slot before its terminal state, but no state runs after an abort, at the
 * execution timeout, or in the Map iterations Step Functions stops when a sibling fails the run:
 * their slots stay held until this runs. A pool item keeps one top-level attribute per holder,
 * named `<execution ARN>#<job key>[#<item>]`; this reads each pool item and removes every holder
 * of the execution with the same conditional update the state machine's release uses, so a
 * holder released meanwhile (by the run itself, or a previous delivery of the event) is skipped
 * and the count never drops twice for one holder.
 *
 * Shared by the deployed cleaner (lambdas/cleanup/stop-unfinished-jobs.ts) and the local runner.
 */
import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SLOT_COUNT, SLOT_LIMIT, SLOT_TABLE_KEY } from '../shared/slot-table';

const BOOKKEEPING = new Set([SLOT_TABLE_KEY, SLOT_COUNT, SLOT_LIMIT]);

export interface SlotRelease {
  readonly released: string[];
  readonly failed: Array<{ holder: string; error: string }>;
}

/** A pool as stored: how many slots are held, by whom (holder → acquired at). */
export interface SlotPoolState {
  readonly pool: string;
  readonly count: number;
  readonly limit?: number;
  readonly holders: Record<string, string>;
}

export async function readSlotPool(client: DynamoDBClient, tableName: string, pool: string): Promise<SlotPoolState> {
  const { Item: item } = await client.send(new GetItemCommand({ TableName: tableName, Key: { [SLOT_TABLE_KEY]: { S: pool } }, ConsistentRead: true }));
  const holders: Record<string, string> = {};
  for (const [name, value] of Object.entries(item ?? {})) {
    if (!BOOKKEEPING.has(name)) holders[name] = value.S ?? JSON.stringify(value);
  }
  const limit = item?.[SLOT_LIMIT]?.N;
  return { pool, count: Number(item?.[SLOT_COUNT]?.N ?? 0), ...(limit ? { limit: Number(limit) } : {}), holders };
}

/** Release every slot of `pools` held by the execution `executionArn`. */
export async function releaseExecutionSlots(client: DynamoDBClient, tableName: string, pools: readonly string[], executionArn: string): Promise<SlotRelease> {
  const result: SlotRelease = { released: [], failed: [] };
  // The job key follows the ARN after '#'; an execution ARN never contains '#'.
  const prefix = `${executionArn}#`;
  for (const pool of pools) {
    let holders: string[];
    try {
      holders = Object.keys((await readSlotPool(client, tableName, pool)).holders).filter((holder) => holder.startsWith(prefix));
    } catch (error) {
      result.failed.push({ holder: `${pool}/${prefix}*`, error: describe(error) });
      continue;
    }
    for (const holder of holders) {
      try {
        await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { [SLOT_TABLE_KEY]: { S: pool } },
            UpdateExpression: 'SET #count = #count - :one REMOVE #holder',
            ConditionExpression: 'attribute_exists(#holder)',
            ExpressionAttributeNames: { '#count': SLOT_COUNT, '#holder': holder },
            ExpressionAttributeValues: { ':one': { N: '1' } },
          }),
        );
        result.released.push(holder);
      } catch (error) {
        // Released since it was read: nothing left to do.
        if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') continue;
        result.failed.push({ holder, error: describe(error) });
      }
    }
  }
  return result;
}

const describe = (error: unknown): string => `${(error as Error).name}: ${(error as Error).message}`;
