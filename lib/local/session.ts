/**
 * A local environment for running pipelines: the app synthesized once, a stand-in Secrets
 * Manager holding the given secrets, and a registry of running executions (overlap guard).
 */
import { forgetSecretsFrom } from '../../lambdas/shared/secret';
import type { LoadedConfig } from '../config/load';
import { LocalSecretsManager } from './secrets-server';
import { ExecutionRegistry, startLocalExecution, type LocalRunOptions, type RunningExecution, type RunReport } from './runner';
import { synthesizeForLocalRun, type SynthesizedApp, type SynthesizedPipeline } from './synthesized';

export type SessionRunOptions = Omit<LocalRunOptions, 'pipeline' | 'secretsEndpoint' | 'registry'>;

export class LocalSession {
  readonly registry = new ExecutionRegistry();

  private constructor(
    readonly app: SynthesizedApp,
    readonly secrets: LocalSecretsManager,
    private readonly secretsEndpoint: string,
  ) {}

  /** Synthesize `config` and start the secrets stand-in with `secrets` (name → value). */
  static async open(config: LoadedConfig, secrets: Record<string, unknown>): Promise<LocalSession> {
    const app = synthesizeForLocalRun(config);
    const server = new LocalSecretsManager(secrets);
    const endpoint = await server.start();
    return new LocalSession(app, server, endpoint);
  }

  pipeline(name: string): SynthesizedPipeline {
    const pipeline = this.app.pipelines.get(name);
    if (!pipeline) throw new UnknownPipelineError(name, [...this.app.pipelines.keys()]);
    return pipeline;
  }

  start(name: string, options: SessionRunOptions = {}): RunningExecution {
    return startLocalExecution({ ...options, pipeline: this.pipeline(name), secretsEndpoint: this.secretsEndpoint, registry: this.registry });
  }

  run(name: string, options: SessionRunOptions = {}): Promise<RunReport> {
    return this.start(name, options).done;
  }

  async close(): Promise<void> {
    // Handlers cached the secrets with a timer that re-reads them from this endpoint later.
    forgetSecretsFrom(this.secretsEndpoint);
    await this.secrets.stop();
  }
}

export class UnknownPipelineError extends Error {
  readonly name = 'UnknownPipelineError';
  constructor(name: string, known: string[]) {
    super(`no pipeline named '${name}' (known: ${known.join(', ') || 'none'})`);
  }
}
