#!/usr/bin/env -S npx tsx
/**
 * CDK entry point (`cdk synth`, `cdk deploy`). Config file: `-c config=path.yaml`, default
 * `pipelines.yaml`. An invalid config prints `file: path: reason` lines and exits 1.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError } from '../lib/config/load';
import { buildApp, DEFAULT_CONFIG_FILE, DEFAULT_STACK_NAME } from '../lib/app';

// Only reads context: autoSynth off, or its empty assembly would overwrite the real one at exit.
const probe = new App({ autoSynth: false });
const configFile = (probe.node.tryGetContext('config') as string | undefined) ?? DEFAULT_CONFIG_FILE;
const stackName = (probe.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME;

try {
  const { app } = buildApp({ config: configFile, stackName });
  app.synth();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Invalid Continuum config:\n${error.message}`);
    process.exit(1);
  }
  throw error;
}
