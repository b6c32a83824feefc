/**
 * definitions.test.ts's synth, as a child process: `node --import tsx
 * test/support/definitions-child.ts <config file>` prints the config's definitions snapshot
 * (test/support/definitions-snapshot.ts). A synth is seconds of synchronous CPU, minutes on a
 * loaded machine: in a child, the vitest worker that awaits it keeps answering its runner.
 */
import { loadConfig } from '../../lib/config/load';
import { synthesizeForLocalRun } from '../../lib/local/synthesized';
import { snapshotText } from './definitions-snapshot';

process.stdout.write(snapshotText(synthesizeForLocalRun(loadConfig(process.argv[2])).pipelines, false));
