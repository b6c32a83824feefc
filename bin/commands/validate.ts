import type { LoadedConfig } from '../../lib/config/load';
import type { PipelineConfig } from '../../lib/config/schema';
import { formatInTimeZone, nextFireTimes } from '../../lib/schedule';
import { defineCommand } from './declare';
import { configOption, loadConfigFile } from './shared';

export const validateCommand = defineCommand({
  name: 'validate',
  summary: 'Check a pipelines file and print what it defines',
  description: `Loads and validates the pipelines file; prints each pipeline, its steps and when its schedule
fires next (in the schedule's time zone), or every problem as \`file: path: reason\`.`,
  options: { config: configOption },
  async run(values) {
    const config = await loadConfigFile(values.config);
    console.log(validateLines(config, new Date()).join('\n'));
    return 0;
  },
});

/** What `validate` prints for a valid config, with fire times counted from `now`. */
export function validateLines(config: LoadedConfig, now: Date): string[] {
  const lines = [`${config.file}: ${config.pipelines.length} pipeline(s) OK`];
  for (const pipeline of config.pipelines) {
    const { schedule } = pipeline;
    const when = schedule ? `${schedule.expression} ${schedule.timezone}${schedule.enabled ? '' : ' (disabled)'}` : 'no schedule';
    const pool = pipeline.slotPool ? `, slot pool ${pipeline.slotPool}` : '';
    lines.push(`  ${pipeline.name} (${pipeline.system}, ${when}${pool}): ${stepNames(pipeline).join(' → ')}`);
    if (schedule) {
      const next = nextFireTimes(schedule.expression, schedule.timezone, 3, now).map((date) => formatInTimeZone(date, schedule.timezone));
      lines.push(`      next: ${next.join(', ') || 'never (no time left to fire)'}`);
    }
  }
  for (const pool of config.slotPools) {
    lines.push(`  slot pool ${pool.name}: ${pool.limit} job(s) at once, shared by ${config.pipelines.filter((p) => p.slotPool === pool.name).length} pipeline(s)`);
  }
  return lines;
}

/** Step kinds, with the Crossing Minds task each background-task step runs. */
function stepNames(pipeline: PipelineConfig): string[] {
  return pipeline.steps.map((step) => ('taskName' in step ? `${step.kind}(${String(step.taskName)})` : step.kind));
}
