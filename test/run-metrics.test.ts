/**
 * Job durations per step: computed from history timestamps (pure), published once per successful
 * run by the deployed function (SDK clients mocked), and shown on the dashboard.
 */
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandler } from '../lambdas/metrics/publish-run-metrics';
import { jobDurations } from '../lambdas/metrics/job-durations';
import { buildApp } from '../lib/app';
import { loadConfig } from '../lib/config/load';

const t0 = Date.UTC(2026, 10, 23, 2, 0, 0);
const at = (seconds: number, data: unknown) => ({ timestamp: t0 + seconds * 1000, data });

describe('jobDurations', () => {
  it('measures each job from its submit to its done, and a fanned-out step from first submit to last done', () => {
    const states = [
      at(0, { steps: {} }),
      at(1, { job: { id: 'op-1' }, steps: {} }),
      at(61, { job: { id: 'op-1' }, steps: {} }),
      at(62, { job: { id: 'op-1' }, steps: { refresh: { id: 'op-1' } } }),
      // Two Map items of the load step.
      at(70, { item: 'a', job: { id: 'job_a' }, steps: {} }),
      at(71, { item: 'b', job: { id: 'job_b' }, steps: {} }),
      at(130, { item: 'a', job: { id: 'job_a' }, steps: { load: { id: 'job_a' } } }),
      at(190, { item: 'b', job: { id: 'job_b' }, steps: { load: { id: 'job_b' } } }),
      at(191, { steps: { refresh: { id: 'op-1' }, load: { items: [{ id: 'job_a' }, { id: 'job_b' }] } } }),
    ];
    expect(jobDurations(states)).toEqual({ refresh: 61, load: 120 });
  });

  it('ignores jobs no step recorded (a skipped or failed step) and data without a job', () => {
    expect(jobDurations([at(0, { job: { id: 'x' } }), at(5, { job: { id: 'x' } }), at(6, null), at(7, 'text')])).toEqual({});
  });
});

describe('the run-metrics function', () => {
  const sfn = mockClient(SFNClient);
  const cloudwatch = mockClient(CloudWatchClient);
  afterEach(() => {
    sfn.reset();
    cloudwatch.reset();
  });
  const event = (output: object) => ({ detail: { executionArn: 'arn:e', stateMachineArn: 'arn:sm', status: 'SUCCEEDED', output: JSON.stringify(output) } }) as never;
  const handler = () => createHandler({ sfn: sfn as unknown as SFNClient, cloudwatch: cloudwatch as unknown as CloudWatchClient });

  it('publishes one JobDurationSeconds value per step with the pipeline and step as dimensions', async () => {
    sfn.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 1, type: 'TaskStateExited', timestamp: new Date(t0), stateExitedEventDetails: { name: 'Refresh', output: JSON.stringify({ job: { id: 'op-1' } }) } },
        { id: 2, type: 'PassStateExited', timestamp: new Date(t0 + 42_000), stateExitedEventDetails: { name: 'Done', output: JSON.stringify({ job: { id: 'op-1' }, steps: { refresh: { id: 'op-1' } } }) } },
      ],
    });
    const result = await handler()(event({ status: 'SUCCEEDED', pipeline: 'nightly', steps: {} }));

    expect(result).toEqual({ refresh: 42 });
    const [call] = cloudwatch.commandCalls(PutMetricDataCommand);
    expect(call.args[0].input).toEqual({
      Namespace: 'Continuum',
      MetricData: [{ MetricName: 'JobDurationSeconds', Dimensions: [{ Name: 'Pipeline', Value: 'nightly' }, { Name: 'Step', Value: 'refresh' }], Value: 42, Unit: 'Seconds' }],
    });
  });

  it('publishes nothing for a skipped run', async () => {
    expect(await handler()(event({ status: 'SKIPPED', skipped: true }))).toEqual({});
    expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(0);
    expect(cloudwatch.commandCalls(PutMetricDataCommand)).toHaveLength(0);
  });
});

describe('the dashboard', () => {
  it('shows executions, skips and job durations for every pipeline, fed by a rule on SUCCEEDED', () => {
    const config = loadConfig('pipelines.yaml');
    const template = Template.fromStack(buildApp({ config, bundle: false }).stack);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const pipeline of config.pipelines) {
      expect(body).toContain(`${pipeline.name}: executions`);
      expect(body).toContain(`${pipeline.name}: job duration per step (s)`);
    }
    for (const metric of ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'RunsSkipped', 'JobDurationSeconds']) {
      expect(body).toContain(metric);
    }
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: { status: ['SUCCEEDED'], stateMachineArn: Match.anyValue() } }),
    });
  });
});
