/**
 * The operate commands as a user runs them (`node bin/continuum.mjs …`, child processes) against
 * a real AWS API server running locally (moto): the config's state machines and schedules are
 * created in it through the SDK, as `cdk deploy` would, and each command is pointed at it with
 * AWS_ENDPOINT_URL. moto executes state machines (its `execute_state_machine` mode) but cannot
 * invoke our Lambda handlers (no Lambda runtime here), so the pipeline whose failure is read,
 * rerun and logged is deployed as a stand-in made of Pass/Choice/Fail states carrying the real
 * state names (from the job metadata): its record clusters job fails unless the run starts at
 * that step. No call is mocked: moto serves every one these commands make.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../lib/config/load';
import { synthesizeForLocalRun } from '../lib/local/synthesized';
import { awsClients, type AwsClients } from '../lib/operate/aws';
import { deployedPipeline, deployedPipelines, type DeployedPipeline } from '../lib/operate/deployed';
import { describeExecution, startExecution } from '../lib/operate/executions';
import { followExecution } from '../lib/operate/follow';
import { MOTO_MISSING, startMoto, type MotoServer } from './support/moto';
import { deployToMoto } from './support/moto-deploy';

const CLUSTERS = 'Refresh record clusters';

// Two Tamr Mastering pipelines: one scheduled in Europe/Paris (deployed as synthesized), one
// whose record clusters job fails (deployed as the stand-in).
const CONFIG = (records: string) => `
pipelines:
  - name: mastering-paris
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr-mastering
    schedule: { expression: "cron(0 6 * * ? *)", timezone: Europe/Paris, enabled: true }
    steps: &steps
      - { kind: updateRecords, datasetId: "1", records: ${records} }
      - { kind: refreshUnifiedDataset, project: "1" }
      - { kind: populateRecipe, recipeId: "2" }
      - { kind: refreshRecordPairs, project: "1" }
      - { kind: refreshRecordClusters, project: "1" }
      - { kind: refreshDataset, datasetId: "5" }
  - name: mastering-nightly
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr-mastering
    steps: *steps
`;

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Pass states named like the real ones, job after job; the record clusters status is a Choice
 * that fails the job (TamrOperationFailed) unless the run was started at that step.
 */
function standIn(pipeline: DeployedPipeline): object {
  const states: Record<string, Record<string, unknown>> = {};
  const jobs = pipeline.jobs;
  const entry = (i: number) => (i < jobs.length ? jobs[i].states.submit! : 'Pipeline finished');
  states['Start at the step'] = { Type: 'Choice', Choices: [{ Variable: '$.fromStep', StringEquals: CLUSTERS, Next: CLUSTERS }], Default: entry(0) };
  jobs.forEach((job, i) => {
    const { submit, status, done, failed } = job.states;
    const chain = [submit!, ...(status ? [status] : [])];
    chain.forEach((name, k) => (states[name] = { Type: 'Pass', Next: chain[k + 1] ?? (job.title === CLUSTERS ? 'Record clusters status' : done!) }));
    states[done!] = { Type: 'Pass', Next: entry(i + 1) };
    if (job.title === CLUSTERS) {
      states['Record clusters status'] = { Type: 'Choice', Choices: [{ Variable: '$.fromStep', IsPresent: true, Next: done! }], Default: failed! };
      states[failed!] = { Type: 'Fail', Error: 'TamrOperationFailed', Cause: 'Record clusters failed: Spark job ran out of memory' };
    }
  });
  states['Pipeline finished'] = { Type: 'Pass', End: true };
  return { StartAt: 'Start at the step', States: states };
}

describe.skipIf(MOTO_MISSING)('continuum operate commands against moto', { timeout: 240_000 }, () => {
  let moto: MotoServer;
  let aws: AwsClients;
  let dir: string;
  let configFile: string;
  let pipelines: DeployedPipeline[];
  let failedArn: string;
  const saved = { ...process.env };

  const continuum = (args: string[]): Promise<CliResult> =>
    new Promise((done) => {
      const env = { ...process.env, ...moto.env, CI: 'true', CONTINUUM_STATE_DIR: join(dir, 'state') };
      execFile('node', ['bin/continuum.mjs', ...args, '--config', configFile], { env, timeout: 200_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  const executionsOf = async (pipeline: string) => {
    const machine = `arn:aws:states:eu-west-1:123456789012:stateMachine:${deployedPipeline(pipelines, pipeline).stateMachineName}`;
    return (await aws.sfn.send(new ListExecutionsCommand({ stateMachineArn: machine }))).executions ?? [];
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'continuum-operate-cli-'));
    configFile = join(dir, 'pipelines.yaml');
    await writeFile(configFile, CONFIG(resolve('examples/tamr-records.jsonl')));
    moto = await startMoto({ executeStateMachines: true });
    Object.assign(process.env, moto.env);
    aws = awsClients({ region: 'eu-west-1' });
    const config = loadConfig(configFile);
    pipelines = deployedPipelines(config);
    const synthesized = synthesizeForLocalRun(config);
    await deployToMoto(aws, pipelines, (pipeline) => pipeline.config.name === 'mastering-nightly' ? standIn(pipeline) : synthesized.pipelines.get(pipeline.config.name)!.definition);
    // A scheduled run of the stand-in that fails at record clusters (Pass/Fail states end at once).
    const nightly = deployedPipeline(pipelines, 'mastering-nightly');
    failedArn = await startExecution(aws, `arn:aws:states:eu-west-1:123456789012:stateMachine:${nightly.stateMachineName}`, { trigger: 'schedule', mlConfigurationChanged: true }, 'nightly-1');
    while ((await describeExecution(aws, failedArn)).status === 'RUNNING') await new Promise((r) => setTimeout(r, 50));
    // Its handlers' log lines as they write them (one JSON object per line), and lines of others.
    const group = `/continuum/${nightly.stackName}/TamrMasteringHandler`;
    await aws.logs.send(new CreateLogGroupCommand({ logGroupName: group }));
    await aws.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's1' }));
    const now = Date.now();
    const line = (state: string, message: string, execution = failedArn) => JSON.stringify({ level: 'info', message, execution, state, pipeline: 'mastering-nightly' });
    await aws.logs.send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 's1',
        logEvents: [
          { timestamp: now - 3000, message: line('Refresh record pairs', 'submitted record pairs job 41') },
          { timestamp: now - 2000, message: line(CLUSTERS, 'submitted record clusters job 42') },
          { timestamp: now - 1500, message: line(CLUSTERS, 'another run', failedArn.replace('nightly-1', 'nightly-0')) },
          { timestamp: now - 1000, message: line('Get record clusters status', 'job 42 FAILED') },
        ],
      }),
    );
  }, 240_000);

  afterAll(async () => {
    process.env = saved;
    await moto?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('status: every pipeline, its schedule as deployed, next fire times in Europe/Paris across the DST change, the last runs and where they failed', async () => {
    // 28 March 2027: clocks go from 02:00 CET to 03:00 CEST. 06:00 in Paris is 05:00Z before, 04:00Z after.
    const json = await continuum(['status', '--after', '2027-03-26T12:00:00Z', '--output', 'json']);
    expect(json.code, json.stderr).toBe(0);
    const { pipelines: statuses } = JSON.parse(json.stdout) as { pipelines: Array<Record<string, any>> };
    expect(statuses.map((s) => s.pipeline)).toEqual(['mastering-paris', 'mastering-nightly']);
    expect(statuses[0].schedule).toEqual({ name: 'Continuum-mastering-paris', expression: 'cron(0 6 * * ? *)', timeZone: 'Europe/Paris', state: 'ENABLED' });
    expect(statuses[0].nextFireTimes).toEqual(['2027-03-27T05:00:00.000Z', '2027-03-28T04:00:00.000Z', '2027-03-29T04:00:00.000Z']);
    expect(statuses[1].schedule).toBeUndefined();
    expect(statuses[1].executions).toMatchObject([{ name: 'nightly-1', status: 'FAILED', failedStep: CLUSTERS, error: 'TamrOperationFailed' }]);
    expect(statuses[1].running).toBeUndefined();

    const text = await continuum(['status', '--pipeline', 'mastering-paris', '--after', '2027-03-26T12:00:00Z']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('schedule   cron(0 6 * * ? *) in Europe/Paris, ENABLED');
    expect(text.stdout).toContain('next       2027-03-27 06:00 CET, 2027-03-28 06:00 CEST, 2027-03-29 06:00 CEST');
    expect(text.stdout).not.toContain('mastering-nightly');
  });

  it('start: a misspelled input field exits 2 naming the right one and starts nothing; an unknown step lists the steps', async () => {
    const typo = await continuum(['start', '--pipeline', 'mastering-paris', '--input', '{"mlConfigurationchanged": true}']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("mlConfigurationchanged: unknown input field; did you mean 'mlConfigurationChanged'?");
    expect(typo.stderr).toContain('Nothing was started.');
    const step = await continuum(['start', '--pipeline', 'mastering-paris', '--from-step', 'Refresh record cluster']);
    expect(step.code).toBe(2);
    expect(step.stderr).toContain(`--from-step: pipeline 'mastering-paris' has no step 'Refresh record cluster' (did you mean '${CLUSTERS}'?); its steps: 'Update dataset records'`);
    expect(await executionsOf('mastering-paris')).toEqual([]);
  });

  it('start --from-step starts an execution whose input carries it, and prints its ARN and console URL', async () => {
    const started = await continuum(['start', '--pipeline', 'mastering-paris', '--from-step', CLUSTERS, '--input', '{"mlConfigurationChanged": true}']);
    expect(started.code, started.stderr).toBe(0);
    const [execution] = await executionsOf('mastering-paris');
    expect(started.stdout).toContain(`execution: ${execution.executionArn}`);
    expect(started.stdout).toContain(`console:   https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/executions/details/${execution.executionArn}`);
    const { input } = await aws.sfn.send(new DescribeExecutionCommand({ executionArn: execution.executionArn }));
    expect(JSON.parse(input!)).toEqual({ trigger: 'manual', mlConfigurationChanged: true, fromStep: CLUSTERS });
  });

  it('pause then resume flip the schedule state and nothing else', async () => {
    const name = deployedPipeline(pipelines, 'mastering-paris').scheduleName;
    const before = await aws.scheduler.send(new GetScheduleCommand({ Name: name }));
    const paused = await continuum(['pause', '--pipeline', 'mastering-paris']);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toContain("Paused 'mastering-paris': schedule Continuum-mastering-paris is now DISABLED (was ENABLED).");
    expect(paused.stdout).toContain("a later `cdk deploy` sets it to the config's schedule.enabled again (true: ENABLED)");
    const during = await aws.scheduler.send(new GetScheduleCommand({ Name: name }));
    const resumed = await continuum(['resume', '--pipeline', 'mastering-paris']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('is now ENABLED (was DISABLED)');
    const after = await aws.scheduler.send(new GetScheduleCommand({ Name: name }));
    const unchanging = (s: typeof before) => ({ ...s, State: undefined, LastModificationDate: undefined, $metadata: undefined });
    expect([during.State, after.State]).toEqual(['DISABLED', 'ENABLED']);
    expect(unchanging(during)).toEqual(unchanging(before));
    expect(unchanging(after)).toEqual(unchanging(before));
  });

  it("history --execution renders the deployed execution's states like a local run; logs --step prints that step's lines of that run only", async () => {
    const history = await continuum(['history', '--execution', failedArn]);
    expect(history.code, history.stderr).toBe(0);
    expect(history.stdout).toContain("Execution nightly-1 of pipeline 'mastering-nightly': FAILED");
    expect(history.stdout).toMatch(/^\s+#\s+started\s+duration\s+state\s+type\s+status\s+details$/m);
    for (const state of ['Update dataset records', 'Get record pairs status', CLUSTERS, 'Record clusters failed']) expect(history.stdout).toMatch(new RegExp(`\\s${state}\\s`));
    expect(history.stdout).toContain('Error: TamrOperationFailed');
    expect(history.stdout).not.toContain('Refresh dataset export');

    const logs = await continuum(['logs', '--execution', failedArn, '--step', CLUSTERS]);
    expect(logs.code, logs.stderr).toBe(0);
    const lines = logs.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\S+Z  ${CLUSTERS}  \\{.*"submitted record clusters job 42"`));
    expect(lines[1]).toContain('Get record clusters status  {');
    expect(lines[1]).toContain('job 42 FAILED');
  });

  it('following an execution passes each history event once, in order, with its job role, and answers how it ended (no wall-clock wait: the sleep is injected)', async () => {
    const events: Array<{ type: string; state?: string; role?: string }> = [];
    let polls = 0;
    const outcome = await followExecution(aws, failedArn, {
      jobs: deployedPipeline(pipelines, 'mastering-nightly').jobs,
      onEvent: (e) => events.push({ type: e.type, ...(e.state ? { state: e.state.name } : {}), ...(e.role ? { role: e.role } : {}) }),
      sleep: async () => void polls++,
    });
    expect(outcome).toBe('FAILED');
    expect(polls).toBe(0); // it had ended: one read
    expect(events[0]).toEqual({ type: 'ExecutionStarted' });
    expect(events.at(-1)).toEqual({ type: 'ExecutionFailed' });
    expect(events).toContainEqual({ type: 'StateEntered', state: 'Record clusters failed', role: 'failed' });
    expect(events).toContainEqual({ type: 'StateExited', state: 'Record pairs done', role: 'done' });
    expect(events.filter((e) => e.type === 'StateEntered').map((e) => e.state)).not.toContain('Refresh dataset export');
  });

  it('rerun starts the failed run again from the failed step with its input, follows it to the end, and refuses a run that did not fail', async () => {
    const rerun = await continuum(['rerun', failedArn, '--follow', '--interval', '1']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain(`Rerunning 'mastering-nightly' from '${CLUSTERS}', the step that failed (TamrOperationFailed)`);
    const newest = (await executionsOf('mastering-nightly')).find((e) => e.executionArn !== failedArn)!;
    const described = await aws.sfn.send(new DescribeExecutionCommand({ executionArn: newest.executionArn }));
    expect(JSON.parse(described.input!)).toEqual({ trigger: 'schedule', mlConfigurationChanged: true, fromStep: CLUSTERS });
    expect(described.status).toBe('SUCCEEDED');
    // --follow printed the plain progress lines of the new run (CI set) and its outcome.
    expect(rerun.stdout).toContain('Record clusters done');
    expect(rerun.stdout).not.toContain('Update dataset records');
    expect(rerun.stdout).toMatch(/Execution \S+: SUCCEEDED$/m);

    const refused = await continuum(['rerun', newest.executionArn!]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("of 'mastering-nightly' is SUCCEEDED: only a run that failed (FAILED, TIMED_OUT) is rerun");
    const local = await continuum(['rerun', 'nightly-1']);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain("no kept local run 'nightly-1'");
  });
});
