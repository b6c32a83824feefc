import { defineCommand } from './declare';
import { followDeployed, intervalOption, openOperate, profileOption, regionOption } from './operate';
import { checkPipelineName, configOption, loadConfigFile, outputOption, parseJsonObject } from './shared';

export const startCommand = defineCommand({
  name: 'start',
  summary: 'Start a deployed pipeline, with its input checked against the pipeline\'s input schema',
  description: `Starts an execution of the pipeline's deployed state machine and prints its ARN and console
URL. The input is checked first: a field the pipeline does not declare (a typo such as
'mlConfigurationchanged') stops the command with exit 2 and the closest field, and nothing starts.`,
  options: {
    pipeline: { type: 'string', value: 'NAME', help: 'pipeline to start', required: true },
    input: { type: 'string', value: 'JSON', help: `execution input, e.g. '{"mlConfigurationChanged": true}'` },
    'from-step': { type: 'string', value: 'STEP', help: 'start at this step (its title, e.g. "Refresh record clusters"): the steps before it are skipped' },
    follow: { type: 'boolean', help: 'show the run\'s progress until it ends (exit 0 succeeded, 1 otherwise)' },
    interval: intervalOption,
    config: configOption,
    region: regionOption,
    profile: profileOption,
    output: { ...outputOption, help: 'print the execution ARN and console URL as JSON' },
  },
  notes: `Console: the state machine's "Start execution" button. aws CLI: aws stepfunctions start-execution
--state-machine-arn ARN --input '{"fromStep": "…"}'. The input schema: docs/operate.md.`,
  async run(values) {
    const json = values.output === 'json';
    const config = await loadConfigFile(values.config);
    await checkPipelineName(config, values.pipeline);
    const pipelineConfig = config.pipelines.find((p) => p.name === values.pipeline)!;
    const input = { ...(values.input ? parseJsonObject(values.input, '--input') : {}) };
    const { checkedInput } = await import('./execution-input');
    const checked = await checkedInput(pipelineConfig, input, { fromStep: values['from-step'], defaults: { trigger: 'manual' }, refused: 'started' });
    // Checked before the app is built: a wrong input costs no synth and starts nothing.
    const { aws, pipelines } = await openOperate(values, { dataOnStdout: json, config });
    const { deployedPipeline } = await import('../../lib/operate/deployed');
    const { executionName, startExecution, stateMachineArn } = await import('../../lib/operate/executions');
    const { consoleUrl } = await import('../../lib/operate/aws');
    const pipeline = deployedPipeline(pipelines, values.pipeline);
    const executionArn = await startExecution(aws, await stateMachineArn(aws, pipeline), checked, executionName('manual'));
    const url = consoleUrl(await aws.region(), executionArn);
    if (json) console.log(JSON.stringify({ pipeline: values.pipeline, executionArn, consoleUrl: url, input: checked }, null, 2));
    else console.log(`Started '${values.pipeline}' with input ${JSON.stringify(checked)}\n  execution: ${executionArn}\n  console:   ${url}`);
    return values.follow ? followDeployed(aws, pipeline, executionArn, values.interval) : 0;
  },
});
