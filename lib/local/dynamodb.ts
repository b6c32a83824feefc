/**
 * DynamoDB for local runs: a dynalite server (an in-memory DynamoDB implementation on npm), the
 * template's slot table created in it, and the state machine's direct DynamoDB integrations
 * (`arn:aws:states:::dynamodb:*`) bound to @aws-sdk/client-dynamodb pointed at it. The requests
 * are the real ones from the ASL; errors come back with the names Step Functions gives them
 * (`DynamoDB.ConditionalCheckFailedException`, ...), so Retry and Catch behave as on AWS.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceInUseException,
  UpdateItemCommand,
  type AttributeDefinition,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { readSlotPool, type SlotPoolState } from '../../lambdas/cleanup/job-slots';

/** A table of a template, as the local runner creates it. */
export interface LocalTable {
  /** The name tasks use (`Ref` of the table flattens to its logical id). */
  readonly tableName: string;
  readonly keySchema: KeySchemaElement[];
  readonly attributeDefinitions: AttributeDefinition[];
}

/** The slot table of a template, as the local runner needs it. */
export interface LocalSlotTable extends LocalTable {
  readonly pools: readonly string[];
}

/** A dynalite server on 127.0.0.1 (in memory; gone when stopped). */
export class LocalDynamoDb {
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(): Promise<LocalDynamoDb> {
    // dynalite is a development dependency: loaded only when a local run needs DynamoDB.
    const { default: dynalite } = await import('dynalite');
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    // Node closes idle keep-alive sockets after 5 s while the SDK's agent keeps them with no idle
    // limit: a request sent as the server closes its socket fails with a reset. A slot task idle for
    // ~5 s (a job polling) would then hit it; DynamoDB's own endpoints keep connections far longer.
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new LocalDynamoDb(server, `http://127.0.0.1:${port}`);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const clients = new Map<string, DynamoDBClient>();

/**
 * One client per endpoint and retry mode, with dummy credentials. State machine tasks get no SDK
 * retries (their Retry decides, as on AWS); `sdkRetries` is the SDK's default (3 attempts), what the
 * deployed cleaner Lambda uses, so a dropped keep-alive socket does not leave a slot held.
 */
export function localDynamoDbClient(endpoint: string, options: { sdkRetries?: boolean } = {}): DynamoDBClient {
  const key = `${options.sdkRetries ? 'retrying' : 'single'} ${endpoint}`;
  let client = clients.get(key);
  if (!client) {
    client = new DynamoDBClient({ endpoint, region: 'us-east-1', ...(options.sdkRetries ? {} : { maxAttempts: 1 }), credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    clients.set(key, client);
  }
  return client;
}

/** Create a table (the slot table, a step-durations table) in the local DynamoDB; kept when it exists: an external endpoint may be reused. */
export async function createLocalTable(endpoint: string, table: LocalTable): Promise<void> {
  try {
    await localDynamoDbClient(endpoint).send(
      new CreateTableCommand({
        TableName: table.tableName,
        KeySchema: table.keySchema,
        AttributeDefinitions: table.attributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

export function readLocalSlotPool(endpoint: string, tableName: string, pool: string): Promise<SlotPoolState> {
  return readSlotPool(localDynamoDbClient(endpoint), tableName, pool);
}

const COMMANDS = {
  getItem: GetItemCommand,
  putItem: PutItemCommand,
  updateItem: UpdateItemCommand,
  deleteItem: DeleteItemCommand,
} as const;

/** The DynamoDB action of a direct-integration resource (`arn:aws:states:::dynamodb:updateItem` → updateItem). */
export function dynamoDbAction(resource: string): keyof typeof COMMANDS | undefined {
  const match = /:states:::dynamodb:(\w+)$/.exec(resource);
  return match && match[1] in COMMANDS ? (match[1] as keyof typeof COMMANDS) : undefined;
}

/** A task binding: the state's parameters are the API request, its result the API answer. */
export function dynamoDbTask(endpoint: string | undefined, action: keyof typeof COMMANDS, stateName: string): (input: unknown) => Promise<unknown> {
  return async (input) => {
    if (!endpoint) {
      throw Object.assign(new Error(`state '${stateName}' calls DynamoDB but the local run has no DynamoDB endpoint (LocalSession starts one when the config has slot pools)`), {
        name: 'States.TaskFailed',
      });
    }
    const Command = COMMANDS[action] as new (input: never) => UpdateItemCommand;
    try {
      const { $metadata: _metadata, ...answer } = await localDynamoDbClient(endpoint).send(new Command(input as never));
      return answer;
    } catch (error) {
      throw asStepFunctionsError(error);
    }
  };
}

/**
 * Step Functions names a DynamoDB integration error `DynamoDB.<exception>` and puts the message
 * with the service and status code in the cause; errors without an answer are task failures.
 */
function asStepFunctionsError(error: unknown): Error {
  const err = error as Error & { $metadata?: { httpStatusCode?: number }; $fault?: string };
  const status = err.$metadata?.httpStatusCode;
  if (status === undefined) return Object.assign(new Error(`${err.name}: ${err.message}`), { name: 'States.TaskFailed' });
  return Object.assign(new Error(`${err.message} (Service: DynamoDb, Status Code: ${status})`), { name: `DynamoDB.${err.name}` });
}
