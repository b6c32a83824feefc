/**
 * The operate commands' AWS side against a real AWS API server running locally (moto): the
 * example config's state machines and schedules are created in it from the synthesized app, as
 * `cdk deploy` would, then read and changed through the same SDK calls the CLI makes.
 */
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../lib/config/load';
import { synthesizeForLocalRun } from '../lib/local/synthesized';
import { awsClients, type AwsClients } from '../lib/operate/aws';
import { deployedPipeline, deployedPipelines, type DeployedPipeline } from '../lib/operate/deployed';
import { executionHistory, startExecution, stateMachineArn, toLocalHistory } from '../lib/operate/executions';
import { setScheduleState } from '../lib/operate/schedules';
import { pipelineStatus } from '../lib/operate/status';
import { MOTO_MISSING, startMoto, type MotoServer } from './support/moto';
import { deployToMoto } from './support/moto-deploy';

/** What an App or a synth may leave in the temporary directory. */
const appDirectories = () => readdirSync(tmpdir()).filter((name) => /^(cdk\.out|continuum-)/.test(name));

describe.skipIf(MOTO_MISSING)('operating deployed pipelines, against moto', () => {
  let moto: MotoServer;
  let aws: AwsClients;
  let pipelines: DeployedPipeline[];
  let leftBehind: string[];
  const saved = { ...process.env };

  beforeAll(async () => {
    moto = await startMoto();
    Object.assign(process.env, moto.env);
    aws = awsClients({ region: 'eu-west-1' });
    const config = loadConfig('pipelines.yaml');
    const before = appDirectories();
    pipelines = deployedPipelines(config);
    const synthesized = synthesizeForLocalRun(config);
    leftBehind = appDirectories().filter((name) => !before.includes(name));
    await deployToMoto(aws, pipelines, (pipeline) => synthesized.pipelines.get(pipeline.config.name)!.definition);
  }, 180_000); // two synths and a server start: a minute on a loaded machine (a margin, not a timing assertion)

  afterAll(async () => {
    process.env = saved;
    await moto?.stop();
  });

  it('leaves no app directory behind: finding the pipelines and synthesizing them clean up after themselves', () => {
    // An App given no outdir makes a cdk.out* directory in the temporary directory and keeps it.
    expect(leftBehind).toEqual([]);
  });

  it('finds every pipeline of the config by the stack naming, with its schedule and no runs yet', async () => {
    const statuses = await Promise.all(pipelines.map((p) => pipelineStatus(aws, p)));
    expect(statuses.map((s) => s.pipeline)).toEqual(loadConfig('pipelines.yaml').pipelines.map((p) => p.name));
    for (const [i, status] of statuses.entries()) {
      const schedule = pipelines[i].config.schedule!;
      expect(status.stateMachineArn).toBe(`arn:aws:states:eu-west-1:123456789012:stateMachine:Continuum-${status.pipeline}`);
      expect(status.schedule).toEqual({ name: `Continuum-${status.pipeline}`, expression: schedule.expression, timeZone: schedule.timezone, state: schedule.enabled ? 'ENABLED' : 'DISABLED' });
      expect(status.executions).toEqual([]);
      expect(status.running).toBeUndefined();
    }
  });

  it('pause then resume flip the schedule state and nothing else', async () => {
    const pipeline = deployedPipeline(pipelines, 'tamr-mastering-demo');
    const before = await aws.scheduler.send(new GetScheduleCommand({ Name: pipeline.scheduleName }));
    expect(await setScheduleState(aws, pipeline, 'DISABLED')).toBe('ENABLED');
    const paused = await aws.scheduler.send(new GetScheduleCommand({ Name: pipeline.scheduleName }));
    expect(paused.State).toBe('DISABLED');
    expect(await setScheduleState(aws, pipeline, 'ENABLED')).toBe('DISABLED');
    const resumed = await aws.scheduler.send(new GetScheduleCommand({ Name: pipeline.scheduleName }));
    const unchanging = (s: typeof before) => ({ ...s, State: undefined, LastModificationDate: undefined, $metadata: undefined });
    expect(unchanging(paused)).toEqual(unchanging(before));
    expect(unchanging(resumed)).toEqual(unchanging(before));
    expect(resumed.State).toBe('ENABLED');
  });

  it('a started run is listed with its input, and its history reads as local history events', async () => {
    const pipeline = deployedPipeline(pipelines, 'tamr-cloud-demo');
    const arn = await stateMachineArn(aws, pipeline);
    const executionArn = await startExecution(aws, arn, { trigger: 'manual', fromStep: 'Publish' }, 'by-hand-1');
    expect(executionArn).toBe(`arn:aws:states:eu-west-1:123456789012:execution:Continuum-tamr-cloud-demo:by-hand-1`);
    const status = await pipelineStatus(aws, pipeline);
    expect(status.executions.map((e) => e.name)).toEqual(['by-hand-1']);
    // moto answers GetExecutionHistory with a fixed four-event history whatever the definition.
    const history = toLocalHistory(await executionHistory(aws, executionArn));
    expect(history.map((e) => e.type)).toEqual(['ExecutionStarted', 'StateEntered', 'StateExited', 'ExecutionSucceeded']);
    expect(history[1].state).toMatchObject({ name: 'A State', type: 'Pass' });
  });
});
