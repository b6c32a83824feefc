/**
 * The Crossing Minds example pipeline as config, as jobs and as synthesized template: defaults,
 * which tasks poll how, which can be cancelled, and what the functions may do with the secret.
 * (Broken configs are in the bad-config corpus: test/fixtures/bad-config/crossing-minds-*.yaml.)
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../lib/config/load';
import type { CrossingMindsPipeline } from '../lib/providers/crossing-minds/config';
import { jobsOf } from '../lib/providers';
import { synthesizeForLocalRun, type AslState } from '../lib/local/synthesized';

const config = loadConfig(resolve('pipelines.yaml'));
const demo = config.pipelines.find((p) => p.name === 'crossing-minds-demo') as CrossingMindsPipeline;

describe('crossing-minds-demo', () => {
  it('loads with its three tasks and the attach default', () => {
    expect(demo.system).toBe('crossing-minds');
    expect(demo.steps.map((s) => [s.taskName, s.onAlreadyRunning])).toEqual([
      ['ml_new_items', 'attach'],
      ['ml_model_retrain', 'attach'],
      ['reco_export', 'attach'],
    ]);
  });

  it('public tasks follow the recents list and rename the job; the private one is read by id and can be stopped', () => {
    const jobs = jobsOf(demo);
    expect(jobs.map((j) => [j.key, j.title, j.subject])).toEqual([
      ['mlNewItems', 'Trigger ML new items task', 'ML new items task'],
      ['mlModelRetrain', 'Trigger ML model retrain task', 'ML model retrain task'],
      ['recoExport', 'Trigger reco export task', 'reco export task'],
    ]);
    const [items, , reco] = jobs;
    expect(items.status?.handler.id).toBe('crossing-minds/get-recent-task');
    expect(items.statusUpdatesId).toBe(true);
    expect(items.stop).toBeUndefined();
    expect(reco.status?.handler.id).toBe('crossing-minds/get-task');
    expect(reco.statusUpdatesId).toBeUndefined();
    expect(reco.stop).toMatchObject({ handler: { id: 'crossing-minds/cancel-task' }, payload: { taskName: 'reco_export' } });
    expect(reco.submit.payload.context).toMatchObject({ output_table: { connection: 'LOCAL', name: 'output-reco.parquet' } });
    for (const job of jobs) {
      expect(job.existingJob).toMatchObject({ trigger: { submitError: 'CrossingMindsTaskAlreadyRunning' }, policy: 'attach' });
    }
  });

  it('synthesizes: TokenExpired retried, ids tracked for public tasks, cancel on timeout, secret writable', () => {
    const { template, pipelines } = synthesizeForLocalRun({ ...config, pipelines: [demo] });
    const states = pipelines.get('crossing-minds-demo')!.definition.States as Record<string, AslState>;

    const trigger = states['Trigger ML model retrain task'];
    expect(trigger.Retry).toEqual(expect.arrayContaining([expect.objectContaining({ ErrorEquals: ['TokenExpired'], MaxAttempts: 2 })]));
    expect((trigger.Catch as Array<{ ErrorEquals: string[]; Next: string }>)[0]).toEqual(
      expect.objectContaining({ ErrorEquals: ['CrossingMindsTaskAlreadyRunning'], Next: 'Find running ML model retrain task' }),
    );
    expect(states['Get ML model retrain task status'].Next).toBe('Note ML model retrain task id');
    expect(states['Note ML model retrain task id']).toMatchObject({
      Type: 'Pass',
      Parameters: { 'id.$': '$.job.status.id', 'status.$': '$.job.status', 'poll.$': '$.job.poll' },
      ResultPath: '$.job',
    });
    expect(states['Get reco export task status'].Next).toBe('Reco export task status');
    expect(states['Stop reco export task']).toBeDefined();
    expect(states['Stop ML model retrain task']).toBeUndefined();

    // Each function may read and write (PutSecretValue) the pipeline's secret, for the rotated refresh token.
    const policies = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    const writers = policies.filter((p) => JSON.stringify(p.Properties).includes('secretsmanager:PutSecretValue'));
    expect(writers).toHaveLength(5);
  });

  it('accepts every task name with its context, and names for repeated tasks', () => {
    const parsed = parseConfig(
      `pipelines:
  - name: all-tasks
    system: crossing-minds
    baseUrl: https://api.crossingminds.com/
    secretName: cm
    steps:
      - { kind: backgroundTask, taskName: ml_new_users }
      - { kind: backgroundTask, taskName: item_popularity_score_recalibrate, onAlreadyRunning: skip }
      - kind: backgroundTask
        taskName: data_import
        context: { connection: GCS, table_name: myfile.csv.gz }
      - kind: backgroundTask
        taskName: analytics_report_export
        context: { output_table: { connection: LOCAL, name: analytics_report_123xyz } }
      - kind: backgroundTask
        taskName: user_id_whitelist_export
        context: { output_table: { connection: LOCAL, name: output-whitelist.parquet } }
      - { kind: backgroundTask, taskName: ml_model_retrain, onAlreadyRunning: fail }
      - { kind: backgroundTask, taskName: ml_model_retrain, name: Retrain ML models again, subject: second retrain }
`,
      'all-tasks.yaml',
    );
    const jobs = jobsOf(parsed.pipelines[0]);
    expect(jobs.map((j) => j.key)).toEqual([
      'mlNewUsers',
      'itemPopularityScoreRecalibrate',
      'dataImport',
      'analyticsReportExport',
      'userIdWhitelistExport',
      'mlModelRetrain',
      'mlModelRetrain2',
    ]);
    expect(jobs.map((j) => j.existingJob?.policy)).toEqual(['attach', 'skip', 'attach', 'attach', 'attach', 'fail', 'attach']);
    expect(jobs[6]).toMatchObject({ title: 'Retrain ML models again', subject: 'second retrain' });
  });
});
