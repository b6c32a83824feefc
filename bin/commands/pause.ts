import { defineCommand } from './declare';
import { scheduleStateOptions, setState } from './schedule-state';

export const pauseCommand = defineCommand({
  name: 'pause',
  summary: "Pause a deployed pipeline's schedule (DISABLED), e.g. during vendor maintenance",
  description: `Sets the pipeline's EventBridge Scheduler schedule to DISABLED, keeping every other field as
deployed. Runs in progress go on; \`continuum resume\` enables it again.`,
  options: scheduleStateOptions,
  notes: `Console: EventBridge → Schedules → Continuum-<pipeline> → Disable. aws CLI: aws scheduler
update-schedule (it replaces the whole schedule: pass every field of get-schedule with --state DISABLED).`,
  run: (values) => setState(values, 'DISABLED'),
});
