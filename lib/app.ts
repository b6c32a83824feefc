/**
 * Builds the CDK app for a config file. Shared by `bin/app.ts` (cdk synth/deploy), the local
 * runner (in-process synth) and the tests.
 */
import { App, type AppProps } from 'aws-cdk-lib';
import { loadConfig, type LoadedConfig } from './config/load';
import { ContinuumStack } from './continuum-stack';

export const DEFAULT_CONFIG_FILE = 'pipelines.yaml';
export const DEFAULT_STACK_NAME = 'Continuum';

export interface BuildAppOptions {
  readonly config: LoadedConfig | string;
  readonly stackName?: string;
  /** Skip esbuild bundling (local runs and most tests do not need the bundles). */
  readonly bundle?: boolean;
  readonly appProps?: AppProps;
}

export function buildApp(options: BuildAppOptions): { app: App; stack: ContinuumStack; config: LoadedConfig } {
  const config = typeof options.config === 'string' ? loadConfig(options.config) : options.config;
  const app = new App({
    ...options.appProps,
    context: {
      ...options.appProps?.context,
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
    },
  });
  const stack = new ContinuumStack(app, options.stackName ?? DEFAULT_STACK_NAME, {
    config,
    description: `Continuum data-mastering pipelines from ${config.file}`,
  });
  return { app, stack, config };
}
