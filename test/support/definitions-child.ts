/**
 * definitions.test.ts's synth, as a child process: `node --import tsx
 * test/support/definitions-child.ts <config>` prints the config's definitions snapshot
 * (test/support/definitions-snapshot.ts). A synth is seconds of synchronous CPU, minutes on a
 * loaded machine: in a child, the vitest worker that awaits it keeps answering its runner.
 */
import { loadConfig, type LoadedConfig } from '../../lib/config/load';
import { synthesizeForLocalRun } from '../../lib/local/synthesized';
import { snapshotText } from './definitions-snapshot';

export const SNAPSHOT_CONFIGS: Record<string, () => LoadedConfig> = {
  'pipelines.yaml': () => loadConfig('pipelines.yaml'),
  'options.yaml': () => loadConfig('test/fixtures/snapshot-configs/options.yaml'),
};

if (process.argv[1]?.endsWith('definitions-child.ts')) process.stdout.write(snapshotText(synthesizeForLocalRun(SNAPSHOT_CONFIGS[process.argv[2]]()).pipelines, false));
