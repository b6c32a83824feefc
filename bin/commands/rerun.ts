import type { Values } from './declare';
import { defineCommand } from './declare';
import { followDeployed, intervalOption, openOperate, profileOption, regionOption } from './operate';
import { runLocally, localRunOptions } from './run';
import { outputOption } from './shared';

const options = {
  ...localRunOptions,
  follow: { type: 'boolean', help: 'show the new run\'s progress until it ends (exit 0 succeeded, 1 otherwise)' },
  interval: intervalOption,
  region: regionOption,
  profile: profileOption,
  output: { ...outputOption, help: 'print the new execution (or the local run\'s report) as JSON' },
} as const;

export const rerunCommand = defineCommand({
  name: 'rerun',
  summary: 'Start a failed deployed run, or a kept local run, again from the step that failed',
  description: `Reads the failed execution's input and the step it failed in, and starts a new execution
with the same input plus fromStep set to that step: the steps before it, which succeeded, are
not run again (Airflow's "clear from task"). A run that did not fail is refused (exit 2).
With a local run's id (\`continuum history --list\`) it runs that run again locally, the same way;
--secrets, --base-url, --wait-ms and --retry-ms then apply as for \`continuum run\`.`,
  argument: { value: 'EXECUTION_ARN|RUN_ID', help: 'the failed execution (arn:aws:states:…:execution:Continuum-<pipeline>:<name>), or a kept local run', required: true },
  options,
  notes: `Step Functions' redrive is no substitute here: a failed step is caught and routed to a Fail
state, so a redrive restarts at that Fail state and fails again (docs/operate.md).`,
  async run(values, argument) {
    if (argument!.startsWith('arn:')) return rerunDeployed(argument!, values);
    return rerunLocalRun(argument!, values);
  },
});

/** The deployed path of `rerun`: the execution ARN names the pipeline (its state machine). */
export async function rerunDeployed(executionArn: string, values: Values<typeof options>): Promise<number> {
  const json = values.output === 'json';
  const { aws, pipelines } = await openOperate(values, { dataOnStdout: json });
  const { OperateError, pipelineOfExecution } = await import('../../lib/operate/deployed');
  const { describeExecution, executionName, failureOf, startExecution } = await import('../../lib/operate/executions');
  const { parseInput } = await import('../../lib/operate/follow');
  const { consoleUrl } = await import('../../lib/operate/aws');
  const pipeline = pipelineOfExecution(pipelines, executionArn);
  const failed = await describeExecution(aws, executionArn);
  if (failed.status !== 'FAILED' && failed.status !== 'TIMED_OUT') {
    throw new OperateError(`execution ${executionArn.split(':').pop()} of '${pipeline.config.name}' is ${failed.status}: only a run that failed (FAILED, TIMED_OUT) is rerun; \`continuum start\` starts a new one`);
  }
  const { failedStep, error } = await failureOf(aws, pipeline, executionArn);
  const { fromStep: _previous, ...input } = parseInput(failed.input);
  // A run that failed before its first step (e.g. in the overlap check) starts from the beginning.
  const rerunInput = failedStep ? { ...input, fromStep: failedStep } : input;
  const newArn = await startExecution(aws, failed.stateMachineArn!, rerunInput, executionName('rerun'));
  const url = consoleUrl(await aws.region(), newArn);
  if (json) console.log(JSON.stringify({ pipeline: pipeline.config.name, rerunOf: executionArn, failedStep: failedStep ?? null, error: error ?? null, executionArn: newArn, consoleUrl: url, input: rerunInput }, null, 2));
  else {
    const from = failedStep ? `from '${failedStep}', the step that failed${error ? ` (${error})` : ''}` : 'from the beginning (it failed before its first step)';
    console.log(`Rerunning '${pipeline.config.name}' ${from}\n  input:     ${JSON.stringify(rerunInput)}\n  execution: ${newArn}\n  console:   ${url}`);
  }
  return values.follow ? followDeployed(aws, pipeline, newArn, values.interval) : 0;
}

/** The local path of `rerun`: a kept local run (its id from `history --list`), run again from its failed step. */
async function rerunLocalRun(runId: string, values: Values<typeof options>): Promise<number> {
  const { rerunLocal } = await import('./rerun-local');
  const rerun = await rerunLocal(runId);
  if (values.output !== 'json') console.log(`Rerunning local run ${rerun.runId} of '${rerun.pipeline}' from '${rerun.fromStep}', the step that failed`);
  const { fromStep, ...input } = rerun.input;
  return runLocally({ ...values, pipeline: rerun.pipeline, input, fromStep: String(fromStep) });
}
