/**
 * The trigger start function against a real Step Functions API (moto's server): executions are
 * named from the event, so a duplicate delivery is dropped as a duplicate, not run twice.
 */
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../lambdas/shared/logger';
import { rerunName, s3RunName } from '../lambdas/triggers/run-name';
import { createHandler, runOf, type TriggerEvent } from '../lambdas/triggers/start-run';
import { MOTO_MISSING, startMoto, type MotoServer } from './support/moto';

const s3Event = (key: string, etag: string, id = 'evt-1'): TriggerEvent['event'] => ({
  id,
  source: 'aws.s3',
  'detail-type': 'Object Created',
  detail: { version: '0', bucket: { name: 'acme-landing' }, object: { key, size: 120, etag }, reason: 'PutObject' },
});

describe('run names', () => {
  it('are deterministic, valid Step Functions names, and differ by bucket, key and etag', () => {
    const name = s3RunName({ bucket: 'acme-landing', key: 'tamr/records/2026-12-01T02:00:00.jsonl', etag: 'abc' });
    expect(name).toMatch(/^s3-2026-12-01T02-00-00-jsonl-[0-9a-f]{20}$/);
    expect(s3RunName({ bucket: 'acme-landing', key: 'tamr/records/2026-12-01T02:00:00.jsonl', etag: 'abc' })).toBe(name);
    expect(s3RunName({ bucket: 'acme-landing', key: 'tamr/records/2026-12-01T02:00:00.jsonl', etag: 'abd' })).not.toBe(name);
    expect(s3RunName({ bucket: 'other', key: 'tamr/records/2026-12-01T02:00:00.jsonl', etag: 'abc' })).not.toBe(name);
    const long = s3RunName({ bucket: 'b', key: `${'x'.repeat(300)}.jsonl`, etag: 'e' });
    expect(long.length).toBeLessThanOrEqual(80);
    expect(rerunName(long, 'again 2').length).toBeLessThanOrEqual(80);
    expect(rerunName(name, 'again 2')).toMatch(/-again-2$/);
  });

  it('an S3 object becomes the run input that names the records; another event passes its detail', () => {
    expect(runOf(s3Event('tamr/records/a.jsonl', '"e1"')).input).toEqual({ trigger: 's3', records: 's3://acme-landing/tamr/records/a.jsonl', etag: '"e1"' });
    const other = runOf({ id: 'x1', source: 'acme.crm-export', 'detail-type': 'Export Finished', detail: { exportId: 7 } });
    expect(other.input).toEqual({ trigger: 'event', event: { source: 'acme.crm-export', detailType: 'Export Finished', id: 'x1' }, detail: { exportId: 7 } });
    expect(other.name).toMatch(/^event-Export-Finished-[0-9a-f]{20}$/);
  });
});

describe.skipIf(MOTO_MISSING)('the start function, against moto', () => {
  let moto: MotoServer;
  let sfn: SFNClient;
  let stateMachineArn: string;
  const logs: string[] = [];
  let previousSink: ReturnType<typeof setLogSink>;

  beforeAll(async () => {
    moto = await startMoto();
    sfn = new SFNClient({ endpoint: moto.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const definition = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };
    const created = await sfn.send(
      new CreateStateMachineCommand({ name: 'Continuum-tamr-upserts', definition: JSON.stringify(definition), roleArn: 'arn:aws:iam::123456789012:role/x' }),
    );
    stateMachineArn = created.stateMachineArn!;
    previousSink = setLogSink((line) => logs.push(line));
  }, 60_000);

  afterAll(async () => {
    setLogSink(previousSink);
    await moto?.stop();
  });

  it('starts one run per object; a duplicate delivery starts none, and one after the run ended is counted', async () => {
    const start = createHandler({ sfn });
    const event = s3Event('tamr/records/2026-12-01.jsonl', '"9f1c"');
    const first = await start({ stateMachineArn, pipeline: 'tamr-upserts', event });
    // While the run is going, StartExecution with the same name and input answers that run.
    const whileRunning = await start({ stateMachineArn, pipeline: 'tamr-upserts', event });
    const other = await start({ stateMachineArn, pipeline: 'tamr-upserts', event: s3Event('tamr/records/2026-12-02.jsonl', '"77aa"', 'evt-2') });
    await sfn.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    const afterEnd = await start({ stateMachineArn, pipeline: 'tamr-upserts', event });
    expect(first.duplicate).toBe(false);
    expect(whileRunning).toEqual({ executionName: first.executionName, executionArn: first.executionArn, duplicate: false });
    expect(afterEnd).toEqual({ executionName: first.executionName, duplicate: true });
    expect(other.duplicate).toBe(false);
    const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(executions.map((e) => e.name).sort()).toEqual([first.executionName, other.executionName].sort());
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    expect(JSON.parse(described.input!)).toEqual({ trigger: 's3', records: 's3://acme-landing/tamr/records/2026-12-01.jsonl', etag: '"9f1c"' });
    const duplicate = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.message?.toString().startsWith('duplicate trigger'));
    expect(duplicate).toMatchObject({ DuplicateTriggers: 1, Pipeline: 'tamr-upserts', executionName: first.executionName });
  });

  it('any other failure is thrown, so the event is retried and then dead-lettered', async () => {
    const start = createHandler({ sfn });
    await expect(start({ stateMachineArn: `${stateMachineArn}-missing`, pipeline: 'x', event: s3Event('k.jsonl', 'e') })).rejects.toThrow(/does not exist|StateMachineDoesNotExist/i);
  });
});
