/** What `pause` and `resume` share: set the deployed schedule's state, keeping every other field. */
import type { ScheduleState } from '../../lib/operate/schedules';
import { openOperate, profileOption, regionOption } from './operate';
import { configOption, outputOption } from './shared';

export const scheduleStateOptions = {
  pipeline: { type: 'string', value: 'NAME', help: 'the pipeline whose schedule to change', required: true },
  config: configOption,
  region: regionOption,
  profile: profileOption,
  output: { ...outputOption, help: 'print the schedule\'s state before and after as JSON' },
} as const;

export async function setState(values: { pipeline: string; config: string; region?: string; profile?: string; output?: string }, state: ScheduleState): Promise<number> {
  const json = values.output === 'json';
  const { aws, pipelines } = await openOperate(values, { pipeline: values.pipeline, dataOnStdout: json });
  const { deployedPipeline } = await import('../../lib/operate/deployed');
  const { setScheduleState } = await import('../../lib/operate/schedules');
  const pipeline = deployedPipeline(pipelines, values.pipeline);
  const before = await setScheduleState(aws, pipeline, state);
  const enabled = pipeline.config.schedule?.enabled ?? true;
  const redeploy = `a later \`cdk deploy\` sets it to the config's schedule.enabled again (${enabled}: ${enabled ? 'ENABLED' : 'DISABLED'})`;
  if (json) console.log(JSON.stringify({ pipeline: pipeline.config.name, schedule: pipeline.scheduleName, before, state, configEnabled: enabled }, null, 2));
  else {
    const verb = state === 'DISABLED' ? 'Paused' : 'Resumed';
    const same = before === state ? ` (it was ${before} already)` : ` (was ${before})`;
    console.log(`${verb} '${pipeline.config.name}': schedule ${pipeline.scheduleName} is now ${state}${same}.\nRuns in progress are not affected; ${redeploy}.`);
  }
  return 0;
}
