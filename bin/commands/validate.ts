import { defineCommand } from './declare';
import { configOption, loadConfigFile } from './shared';

export const validateCommand = defineCommand({
  name: 'validate',
  summary: 'Check a pipelines file and print what it defines',
  description: `Loads and validates the pipelines file; prints each pipeline and its steps, or every problem as
\`file: path: reason\`.`,
  options: { config: configOption },
  async run(values) {
    const config = await loadConfigFile(values.config);
    console.log(`${config.file}: ${config.pipelines.length} pipeline(s) OK`);
    for (const pipeline of config.pipelines) {
      const schedule = pipeline.schedule ? `${pipeline.schedule.expression}${pipeline.schedule.enabled ? '' : ' (disabled)'}` : 'no schedule';
      const pool = pipeline.slotPool ? `, slot pool ${pipeline.slotPool}` : '';
      console.log(`  ${pipeline.name} (${pipeline.system}, ${schedule}${pool}): ${pipeline.steps.map((s) => s.kind).join(' → ')}`);
    }
    for (const pool of config.slotPools) {
      console.log(`  slot pool ${pool.name}: ${pool.limit} job(s) at once, shared by ${config.pipelines.filter((p) => p.slotPool === pool.name).length} pipeline(s)`);
    }
    return 0;
  },
});
