#!/usr/bin/env -S npx tsx
/**
 * CDK entry point (`cdk synth`, `cdk deploy`). Config file: `-c config=path.yaml`, default
 * `pipelines.yaml`. An invalid config prints `file: path: reason` lines and exits 1.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../lib/config/load';
import { buildApp, DEFAULT_CONFIG_FILE, DEFAULT_STACK_NAME } from '../lib/app';

// Only reads context: autoSynth off, or its empty assembly would overwrite the real one at exit.
const probe = new App({ autoSynth: false });
const configFile = (probe.node.tryGetContext('config') as string | undefined) ?? DEFAULT_CONFIG_FILE;
const stackName = (probe.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME;

try {
  const { app } = buildApp({ config: configFile, stackName });
  // AWS Solutions checks run on every synth: an unacknowledged finding fails it.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Invalid Continuum config:\n${error.message}`);
    process.exit(1);
  }
  throw error;
}
