/**
 * A local environment for running pipelines: the app synthesized once, a stand-in Secrets
 * Manager holding the given secrets, a registry of running executions (overlap guard) and, when
 * the config has slot pools or its pipelines learn from their step durations, a local DynamoDB
 * (dynalite) holding the template's slot table and step-durations tables.
 */
import { forgetSecretsFrom } from '../../lambdas/shared/secret';
import type { SlotPoolState } from '../../lambdas/cleanup/job-slots';
import type { LoadedConfig } from '../config/load';
import { createLocalTable, LocalDynamoDb, readLocalSlotPool } from './dynamodb';
import { LocalSecretsManager } from './secrets-server';
import { ExecutionRegistry, startLocalExecution, type LocalRunOptions, type RunningExecution, type RunReport } from './runner';
import { synthesizeForLocalRun, type SynthesizedApp, type SynthesizedPipeline } from './synthesized';

export type SessionRunOptions = Omit<LocalRunOptions, 'pipeline' | 'secretsEndpoint' | 'registry' | 'dynamoDbEndpoint'>;

export interface SessionOptions {
  /**
   * A DynamoDB endpoint to use for the slot and step-durations tables instead of starting
   * dynalite (the tables are created there when missing): runs of several sessions then share
   * their step durations.
   */
  readonly dynamoDbEndpoint?: string;
}

export class LocalSession {
  readonly registry = new ExecutionRegistry();

  private constructor(
    readonly app: SynthesizedApp,
    readonly secrets: LocalSecretsManager,
    private readonly secretsEndpoint: string,
    /** Where the slot and step-durations tables live, when the app has any. */
    readonly dynamoDbEndpoint?: string,
    private readonly dynamoDb?: LocalDynamoDb,
  ) {}

  /**
   * Synthesize `config` and start the secrets stand-in with `secrets` (name → value); with slot
   * pools or step durations, start dynalite (or use `options.dynamoDbEndpoint`) and create the tables.
   */
  static async open(config: LoadedConfig, secrets: Record<string, unknown>, options: SessionOptions = {}): Promise<LocalSession> {
    const app = synthesizeForLocalRun(config);
    const server = new LocalSecretsManager(secrets);
    const endpoint = await server.start();
    const tables = [...(app.slotTable ? [app.slotTable] : []), ...app.durationTables];
    if (tables.length === 0) return new LocalSession(app, server, endpoint);
    let dynamoDb: LocalDynamoDb | undefined;
    try {
      dynamoDb = options.dynamoDbEndpoint ? undefined : await LocalDynamoDb.start();
      const dynamoDbEndpoint = options.dynamoDbEndpoint ?? dynamoDb!.endpoint;
      for (const table of tables) await createLocalTable(dynamoDbEndpoint, table);
      return new LocalSession(app, server, endpoint, dynamoDbEndpoint, dynamoDb);
    } catch (error) {
      await Promise.all([server.stop(), dynamoDb?.stop()]);
      throw error;
    }
  }

  pipeline(name: string): SynthesizedPipeline {
    const pipeline = this.app.pipelines.get(name);
    if (!pipeline) throw new UnknownPipelineError(name, [...this.app.pipelines.keys()]);
    return pipeline;
  }

  start(name: string, options: SessionRunOptions = {}): RunningExecution {
    return startLocalExecution({
      ...options,
      pipeline: this.pipeline(name),
      secretsEndpoint: this.secretsEndpoint,
      registry: this.registry,
      ...(this.dynamoDbEndpoint ? { dynamoDbEndpoint: this.dynamoDbEndpoint } : {}),
    });
  }

  run(name: string, options: SessionRunOptions = {}): Promise<RunReport> {
    return this.start(name, options).done;
  }

  /** A slot pool as the table holds it now: count, limit and holders. */
  async slotPool(pool: string): Promise<SlotPoolState> {
    if (!this.app.slotTable || !this.dynamoDbEndpoint) throw new Error('this session has no slot pools (no pipeline names a slotPool)');
    return readLocalSlotPool(this.dynamoDbEndpoint, this.app.slotTable.tableName, pool);
  }

  async close(): Promise<void> {
    // Handlers cached the secrets with a timer that re-reads them from this endpoint later.
    forgetSecretsFrom(this.secretsEndpoint);
    await Promise.all([this.secrets.stop(), this.dynamoDb?.stop()]);
  }
}

export class UnknownPipelineError extends Error {
  readonly name = 'UnknownPipelineError';
  constructor(name: string, known: string[]) {
    super(`no pipeline named '${name}' (known: ${known.join(', ') || 'none'})`);
  }
}
