/**
 * Page 1 of the task's recents list (`GET tasks/[private/]<name>/recents/`), newest first, for
 * two questions of the JobPoller:
 *
 * Existing-task check, after a trigger answered TASK_ALREADY_RUNNING (`{ taskName }`):
 * - The unfinished task (REQUEST_SENT, RUNNING, CANCELLED_REQUESTED) is returned as running: the
 *   step attaches to it, skips, or fails, as `onAlreadyRunning` says.
 * - None unfinished: the running task ended between the refusal and this look. The newest task
 *   is returned with its final status, so `attach` takes its outcome and `skip`/`fail` still see
 *   that a task was running. The id is never null, so the state machine does not loop back to
 *   the trigger (which could spin without a wait if the API kept refusing).
 * - An empty list contradicts the refusal: CrossingMindsTaskNotListed.
 *
 * Look after a trigger whose answer was lost (`{ taskName, createdAfter }`, see
 * lambdas/shared/created-after.ts): the newest task of that name whose `start_time` is inside the
 * window is the one the trigger started, whatever its status (COMPLETED included: it is attached
 * to, never triggered again); none there → id null, and the trigger is sent again. The API runs
 * one task of a name at a time, so a task of that name started since the trigger is ours unless
 * someone triggered the same task in the same minute.
 */
import * as z from 'zod';
import { createdAfterSchema, notBeforeMs } from '../shared/created-after';
import { lambdaEntry } from '../shared/handler';
import { parseJsonAs } from '../shared/http';
import { succeeded } from '../shared/job-result';
import {
  RECENTS_PAGE_SIZE,
  recentsPath,
  recentsSchema,
  TASK_NAMES,
  TaskNotListedError,
  taskResult,
  UNFINISHED,
  viewOfListed,
} from '../../lib/providers/crossing-minds/api';
import { crossingMindsHandler } from './client';

// The trigger's payload comes along with the look (its context is not needed to find the task).
const event = z.object({ taskName: z.enum(TASK_NAMES), createdAfter: createdAfterSchema.optional() });

export const createHandler = crossingMindsHandler('crossing-minds/find-running-task', event, async (args) => {
  const { taskName, createdAfter } = args.event;
  const path = recentsPath(taskName, 1, RECENTS_PAGE_SIZE);
  const response = await args.call(await args.auth(), 'GET', path);
  const { tasks } = parseJsonAs(`GET ${path}`, response.body, recentsSchema, 'not a recents list');
  if (createdAfter) {
    // start_time is in seconds (the seed's float64 Unix timestamp).
    const notBefore = notBeforeMs(createdAfter);
    const started = tasks.find((candidate) => candidate.start_time * 1000 >= notBefore);
    return started ? taskResult(viewOfListed(started)) : succeeded(null, 'NONE', { taskName, tasksChecked: tasks.length });
  }
  const task = tasks.find((candidate) => UNFINISHED.has(candidate.status)) ?? tasks[0];
  if (!task) throw new TaskNotListedError(`the API answered TASK_ALREADY_RUNNING for ${taskName} but lists no ${taskName} task`);
  return taskResult(viewOfListed(task));
});

export const handler = lambdaEntry(createHandler);
