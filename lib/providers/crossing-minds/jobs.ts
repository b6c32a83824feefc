/**
 * Crossing Minds background tasks → jobs. Every task is triggered, then followed until it is
 * COMPLETED; TASK_ALREADY_RUNNING is handled by the existing-job check (attach, skip or fail),
 * a trigger whose answer was lost by a look in recents (lostSubmit).
 *
 * - Private tasks (data_import, reco_export, ...) answer `{task_id}`; the status check reads
 *   `GET tasks/private/<name>/<id>/`, and a timeout (or an abort) cancels the task with `DELETE`.
 * - Public tasks (ml_model_retrain, ...) are followed through the public recents list, so a
 *   token limited to the public endpoints is enough. Their trigger may answer 204 without an id:
 *   the first check then names the task, and later checks page through the list when newer
 *   tasks pushed it off page 1 (`statusUpdatesId`). Public tasks cannot be cancelled.
 */
import { handlerRef, stepDisplay, uniqueKeys, type JobSpec, type JsonValue } from '../job-spec';
import { CROSSING_MINDS_ERRORS, isPrivateTask, RECENTS_PAGE_SIZE, type TaskName } from './api';
import type { CrossingMindsPipeline } from './config';

// Every handler may renew the JWT and must then store the rotated refresh token back. The status
// handlers read the task's progress, so the poller waits as long as it says the task still needs.
const handlers = {
  trigger: handlerRef('crossing-minds/trigger-task', { writesSecret: true }),
  getTask: handlerRef('crossing-minds/get-task', { writesSecret: true, reportsNextCheck: true }),
  getRecentTask: handlerRef('crossing-minds/get-recent-task', { writesSecret: true, reportsNextCheck: true }),
  findRunning: handlerRef('crossing-minds/find-running-task', { writesSecret: true }),
  cancel: handlerRef('crossing-minds/cancel-task', { writesSecret: true }),
};

/** How each task reads in state names: "Trigger reco export task", "Wait for reco export task". */
const LABELS: Record<TaskName, string> = {
  ml_model_retrain: 'ML model retrain',
  item_popularity_score_recalibrate: 'item popularity score recalibrate',
  ml_new_users: 'ML new users',
  ml_new_items: 'ML new items',
  data_import: 'data import',
  reco_export: 'reco export',
  analytics_report_export: 'analytics report export',
  user_id_whitelist_export: 'user id whitelist export',
};

export function crossingMindsJobs(pipeline: CrossingMindsPipeline): JobSpec[] {
  const keys = uniqueKeys(pipeline.steps.map((step) => camel(step.taskName)));
  return pipeline.steps.map((step, index): JobSpec => {
    const label = LABELS[step.taskName];
    const { taskName } = step;
    const common = {
      key: keys[index],
      ...stepDisplay(step, { title: `Trigger ${label} task`, subject: `${label} task` }),
      existingJob: {
        find: { handler: handlers.findRunning, payload: { taskName } },
        trigger: { submitError: CROSSING_MINDS_ERRORS.taskAlreadyRunning },
        policy: step.onAlreadyRunning,
      },
      // A trigger is not idempotent: after a lost answer, look for the task it started (by name
      // and start time, in recents) before triggering again, which would start a second task
      // once the first one has COMPLETED.
      lostSubmit: { find: { handler: handlers.findRunning, payload: { taskName } } },
    } as const;
    if (isPrivateTask(taskName)) {
      return {
        ...common,
        submit: { handler: handlers.trigger, payload: { taskName, context: (step.context ?? {}) as { [key: string]: JsonValue } } },
        status: { handler: handlers.getTask, payload: { taskName } },
        stop: { handler: handlers.cancel, payload: { taskName } },
      };
    }
    return {
      ...common,
      submit: { handler: handlers.trigger, payload: { taskName } },
      status: { handler: handlers.getRecentTask, payload: { taskName, pageSize: RECENTS_PAGE_SIZE } },
      statusUpdatesId: true,
    };
  });
}

/** `ml_model_retrain` → `mlModelRetrain` (the step's key under `$.steps`). */
function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
