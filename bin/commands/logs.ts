import { defineCommand } from './declare';
import { intervalOption, openOperate, profileOption, regionOption } from './operate';
import { configOption, outputOption, unknownStepProblem } from './shared';

export const logsCommand = defineCommand({
  name: 'logs',
  summary: "Print the handlers' log lines of one deployed execution (optionally one step)",
  description: `Prints the Lambda handlers' log lines of a deployed execution, oldest first: every line the
handlers write carries the execution ARN, the state and the pipeline, so the lines of one run
(and with --step, of one step) are picked out of the stack's log groups (/continuum/<stack>/…).`,
  options: {
    execution: { type: 'string', value: 'ARN', help: 'the deployed execution', required: true },
    step: { type: 'string', value: 'STEP', help: 'only the lines of this step (its title, e.g. "Refresh record clusters")' },
    follow: { type: 'boolean', help: 'keep printing new lines until the execution is no longer running' },
    interval: intervalOption,
    config: configOption,
    region: regionOption,
    profile: profileOption,
    output: { ...outputOption, help: 'print the lines as one JSON document (not with --follow)' },
  },
  notes: `Console: CloudWatch → Logs Insights on /continuum/<stack>/* with
  filter execution = "ARN". aws CLI: aws logs filter-log-events --log-group-name GROUP --filter-pattern '"NAME"'.`,
  async run(values) {
    const json = values.output === 'json';
    const { UsageError } = await import('./declare');
    if (json && values.follow) throw new UsageError('--follow prints lines as they come; --output json prints one document at the end: give one of them');
    const { aws, pipelines } = await openOperate(values, { dataOnStdout: true });
    const { OperateError, pipelineOfExecution } = await import('../../lib/operate/deployed');
    const { executionLogs } = await import('../../lib/operate/logs');
    const { describeExecution } = await import('../../lib/operate/executions');
    const pipeline = pipelineOfExecution(pipelines, values.execution);
    const problem = values.step === undefined ? undefined : await unknownStepProblem('--step', pipeline.config.name, values.step, pipeline.jobs.map((j) => j.title));
    if (problem) throw new OperateError(problem);
    const query = { executionArn: values.execution, ...(values.step !== undefined ? { step: values.step } : {}) };
    if (json) {
      console.log(JSON.stringify({ execution: values.execution, step: values.step ?? null, lines: await executionLogs(aws, pipeline, query) }, null, 2));
      return 0;
    }
    // Each read starts at the newest line's millisecond again (several lines may share it) and
    // skips the lines already printed.
    const printed = new Set<string>();
    let since: number | undefined;
    for (;;) {
      // Status before the read: once it is not RUNNING, that read holds the last lines.
      const running = values.follow && (await describeExecution(aws, values.execution)).status === 'RUNNING';
      for (const line of await executionLogs(aws, pipeline, { ...query, ...(since !== undefined ? { since } : {}) })) {
        const key = `${line.timestamp} ${line.logGroup} ${line.line}`;
        if (printed.has(key)) continue;
        printed.add(key);
        console.log(`${new Date(line.timestamp).toISOString()}  ${line.state ?? '-'}  ${line.line}`);
        since = Math.max(since ?? 0, line.timestamp);
      }
      if (!running) break;
      await new Promise((resolve) => setTimeout(resolve, values.interval * 1000));
    }
    if (!printed.size) console.error(`continuum: no log lines of ${values.execution.split(':').pop()}${values.step ? ` in step '${values.step}'` : ''} (yet)`);
    return 0;
  },
});
