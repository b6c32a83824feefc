/**
 * `continuum watch`: the local stand-in for an s3 trigger (lib/local/folder-watch.ts). Each file
 * that lands in the folder starts a local run reading it, named as the deployed run starter names
 * an S3 object, queued behind the run in progress like a triggered run.
 */
import { statSync } from 'node:fs';
import type { Arrival } from '../../lib/local/folder-watch';
import type { LocalSession } from '../../lib/local/session';
import { defineCommand, UsageError } from './declare';
import { activity } from './feedback';
import { checkPipelineName, configOption, loadConfigFile, pipelineOption, readJsonFile } from './shared';

export const watchCommand = defineCommand({
  name: 'watch',
  summary: 'Start a local run for each file that lands in a folder, as an s3 trigger does',
  options: {
    pipeline: pipelineOption,
    dir: { type: 'string', value: 'DIR', help: 'the folder to watch (files already there run first)', required: true },
    suffix: { type: 'string', value: 'TEXT', help: "only file names ending with this (default: the pipeline's s3 trigger's suffix)" },
    config: configOption,
    secrets: { type: 'string', value: 'FILE', help: 'JSON map of secret name → value, standing in for Secrets Manager' },
    'base-url': { type: 'string', value: 'URL', help: "call this API root instead of the pipeline's baseUrl (e.g. a simulator)" },
    'wait-ms': { type: 'integer', value: 'N', help: 'pause N ms in every Wait state instead of the real seconds' },
    'retry-ms': { type: 'integer', value: 'N', help: 'pause N ms before every retry instead of the Retry interval' },
    once: { type: 'boolean', help: 'run the files there now, wait for their runs and exit, without watching' },
  },
  notes: `Write a file under a name starting with '.' (or ending in .tmp, .part, ~) and move it in:
only then is it an arrival. A file seen twice with the same content runs once. Runs queue behind
the one in progress (onOverlap: queue) and fail past maxQueueMinutes. Ctrl-C stops watching and
waits for the runs started. Exit 1 when a run did not succeed.`,
  async run(values) {
    const secrets = values.secrets ? readJsonFile(values.secrets, '--secrets') : {};
    if (!statSync(values.dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--dir: no folder at ${values.dir}`);
    const config = await loadConfigFile(values.config);
    await checkPipelineName(config, values.pipeline);
    const pipeline = config.pipelines.find((p) => p.name === values.pipeline)!;
    const { readsRecordsFromInput } = await import('../../lib/config/records-steps');
    const { overlapPolicy } = await import('../../lib/config/triggers');
    if (!readsRecordsFromInput(pipeline)) throw new UsageError(`--pipeline: '${pipeline.name}' has no single records step (updateRecords, updateGoldenRecords) to read the files`);
    if (overlapPolicy(pipeline) !== 'queue') throw new UsageError(`--pipeline: '${pipeline.name}' has onOverlap: skip, so files landing during a run would be skipped; set onOverlap: queue (the default with triggers)`);
    const s3 = pipeline.triggers.find((t) => 's3' in t);
    const suffix = values.suffix ?? (s3 && 's3' in s3 ? s3.s3.suffix : undefined);

    const synthesizing = activity(`Synthesizing ${values.config} to watch ${values.dir} for '${pipeline.name}'…`);
    let session: LocalSession;
    try {
      const { LocalSession } = await import('../../lib/local/session');
      session = await LocalSession.open(config, secrets);
    } finally {
      await synthesizing.done();
    }
    const { FolderWatch } = await import('../../lib/local/folder-watch');
    const { setLogSink } = await import('../../lambdas/shared/logger');
    setLogSink((line) => process.stderr.write(`${line}\n`));
    let failures = 0;
    const name = (arrival: Arrival) => arrival.file.slice(arrival.file.lastIndexOf('/') + 1);
    const watch = new FolderWatch({
      session,
      pipeline: pipeline.name,
      dir: values.dir,
      suffix,
      run: { baseUrl: values['base-url'], waitMs: values['wait-ms'], retryMs: values['retry-ms'] },
      onError: (error) => console.error(`continuum watch: ${error.message}`),
      onArrival: (arrival) => {
        if (arrival.duplicate || !arrival.run) {
          console.log(`= ${name(arrival)}: already run as ${arrival.executionName}, not run again`);
          return;
        }
        console.log(`→ ${name(arrival)}: run ${arrival.executionName} started`);
        void arrival.run.done.then((report) => {
          if (report.status !== 'SUCCEEDED') failures += 1;
          console.log(`${report.status === 'SUCCEEDED' ? '✔' : '✖'} ${name(arrival)}: ${report.status}${report.error ? `: ${report.error}` : ''}${report.cause ? ` (${report.cause})` : ''}`);
        });
      },
    });
    try {
      if (values.once) {
        await watch.scan();
      } else {
        await watch.start();
        console.log(`Watching ${values.dir}${suffix ? ` for *${suffix}` : ''} (Ctrl-C to stop)`);
        await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
        watch.stop();
        console.log('Stopped watching; waiting for the runs started…');
      }
      await watch.settled();
    } finally {
      watch.stop();
      await session.close();
    }
    return failures > 0 ? 1 : 0;
  },
});
