import type { PipelineStatus } from '../../lib/operate/status';
import { defineCommand, UsageError } from './declare';
import { openOperate, profileOption, regionOption } from './operate';
import { configOption, outputOption } from './shared';

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'Show deployed pipelines: schedule, next fire times, run in progress, last runs',
  description: `Per deployed pipeline: its schedule as deployed (expression, time zone, ENABLED or DISABLED)
with the next three fire times in that time zone, whether a run is in progress, and the last
five executions (status, start, duration, the step that failed and its error).`,
  options: {
    pipeline: { type: 'string', value: 'NAME', help: 'only this pipeline (default: every pipeline of the config)' },
    config: configOption,
    region: regionOption,
    profile: profileOption,
    after: { type: 'string', value: 'TIME', help: 'fire times after this ISO 8601 time instead of now (e.g. 2027-03-27T00:00:00Z)' },
    output: { ...outputOption, help: 'print one JSON document instead of the text' },
  },
  notes: `Console: Step Functions → State machines (Continuum-<pipeline>) and EventBridge → Schedules.
aws CLI: aws stepfunctions list-executions --state-machine-arn ARN; aws scheduler get-schedule --name NAME.`,
  async run(values) {
    const after = values.after === undefined ? new Date() : new Date(values.after);
    if (Number.isNaN(after.getTime())) throw new UsageError(`--after takes an ISO 8601 time (e.g. 2027-03-27T00:00:00Z), got '${values.after}'`);
    const json = values.output === 'json';
    const { aws, pipelines } = await openOperate(values, { pipeline: values.pipeline, dataOnStdout: json });
    const { pipelineStatus } = await import('../../lib/operate/status');
    const { nextFireTimes } = await import('../../lib/schedule');
    const chosen = pipelines.filter((p) => values.pipeline === undefined || p.config.name === values.pipeline);
    const statuses = await Promise.all(
      chosen.map(async (pipeline) => {
        const status = await pipelineStatus(aws, pipeline);
        // A paused schedule fires never; a rate counts from now (EventBridge counts from its creation).
        const next = status.schedule?.state === 'ENABLED' ? nextFireTimes(status.schedule.expression, status.schedule.timeZone, 3, after) : [];
        return { ...status, nextFireTimes: next.map((d) => d.toISOString()) };
      }),
    );
    if (json) console.log(JSON.stringify({ pipelines: statuses }, null, 2));
    else {
      const { formatInTimeZone } = await import('../../lib/schedule');
      console.log(statuses.map((s) => statusLines(s, formatInTimeZone).join('\n')).join('\n\n'));
    }
    return 0;
  },
});

type Status = PipelineStatus & { readonly nextFireTimes: readonly string[] };

function statusLines(status: Status, format: (date: Date, timeZone: string) => string): string[] {
  const { schedule } = status;
  const lines = [`${status.pipeline}  (${status.stateMachineArn})`];
  if (!schedule) lines.push('  schedule   none (runs when started)');
  else {
    lines.push(`  schedule   ${schedule.expression} in ${schedule.timeZone}, ${schedule.state}${schedule.state === 'DISABLED' ? ' (paused: `continuum resume` enables it)' : ''}`);
    lines.push(`  next       ${status.nextFireTimes.length ? status.nextFireTimes.map((t) => format(new Date(t), schedule.timeZone)).join(', ') : 'none'}`);
  }
  lines.push(`  running    ${status.running ? status.running.split(':').pop() : 'no'}`);
  if (!status.executions.length) lines.push('  last runs  none');
  else {
    lines.push('  last runs');
    for (const e of status.executions) {
      const took = e.durationSeconds !== undefined ? `took ${duration(e.durationSeconds)}` : 'running';
      const where = e.failedStep ? `  at '${e.failedStep}'` : '';
      const why = e.error ? `: ${e.error}${e.cause ? ` (${cut(e.cause, 100)})` : ''}` : '';
      lines.push(`    ${e.status.padEnd(9)}  ${e.startDate}  ${took.padEnd(14)}  ${e.name}${where}${why}`);
    }
  }
  return lines;
}

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}h ${String(m).padStart(2, '0')}m` : m ? `${m}m ${String(s).padStart(2, '0')}s` : `${s}s`;
}

function cut(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}
