import { defineCommand } from './declare';
import { scheduleStateOptions, setState } from './schedule-state';

export const resumeCommand = defineCommand({
  name: 'resume',
  summary: "Resume a paused deployed pipeline's schedule (ENABLED)",
  description: `Sets the pipeline's EventBridge Scheduler schedule to ENABLED, keeping every other field as
deployed. Fire times missed while it was paused are not made up for.`,
  options: scheduleStateOptions,
  notes: `Console: EventBridge → Schedules → Continuum-<pipeline> → Enable. aws CLI: aws scheduler
update-schedule with every field of get-schedule and --state ENABLED.`,
  run: (values) => setState(values, 'ENABLED'),
});
