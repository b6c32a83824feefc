#!/usr/bin/env -S npx tsx
/**
 * CDK entry point (`cdk synth`, `cdk deploy`). Config file: `-c config=path.yaml`, default
 * `pipelines.yaml`. An invalid config prints `file: path: reason` lines and exits 1. Writes the
 * pipelines' placement next to the config (`<config>.placement.json`) when it changed.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../lib/config/load';
import { buildApp, DEFAULT_CONFIG_FILE, DEFAULT_STACK_NAME, movedWarning } from '../lib/app';
import { placementFileFor, writePlacement } from '../lib/placement';

// Only reads context: autoSynth off, or its empty assembly would overwrite the real one at exit.
const probe = new App({ autoSynth: false });
const configFile = (probe.node.tryGetContext('config') as string | undefined) ?? DEFAULT_CONFIG_FILE;
const stackName = (probe.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME;

try {
  const { app, config, placement, moved } = buildApp({ config: configFile, stackName });
  const warning = movedWarning(moved);
  if (warning) console.error(warning);
  // The placement is recorded for the next synth (commit it with the config): see lib/placement.ts.
  const placementFile = placementFileFor(config.file);
  if (writePlacement(placementFile, placement)) console.error(`Continuum: wrote ${placementFile} (commit it with ${config.file})`);
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
