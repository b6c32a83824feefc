/**
 * Existing-task check, after a trigger answered TASK_ALREADY_RUNNING: page 1 of the task's
 * recents list (`GET tasks/[private/]<name>/recents/`), newest first.
 *
 * - The unfinished task (REQUEST_SENT, RUNNING, CANCELLED_REQUESTED) is returned as running: the
 *   step attaches to it, skips, or fails, as `onAlreadyRunning` says.
 * - None unfinished: the running task ended between the refusal and this look. The newest task
 *   is returned with its final status, so `attach` takes its outcome and `skip`/`fail` still see
 *   that a task was running. The id is never null, so the state machine does not loop back to
 *   the trigger (which could spin without a wait if the API kept refusing).
 * - An empty list contradicts the refusal: CrossingMindsTaskNotListed.
 */
import * as z from 'zod';
import { lambdaEntry } from '../shared/handler';
import { parseJsonAs } from '../shared/http';
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

const event = z.object({ taskName: z.enum(TASK_NAMES) });

export const createHandler = crossingMindsHandler('crossing-minds/find-running-task', event, async (args) => {
  const { taskName } = args.event;
  const path = recentsPath(taskName, 1, RECENTS_PAGE_SIZE);
  const response = await args.call(await args.auth(), 'GET', path);
  const { tasks } = parseJsonAs(`GET ${path}`, response.body, recentsSchema, 'not a recents list');
  const task = tasks.find((candidate) => UNFINISHED.has(candidate.status)) ?? tasks[0];
  if (!task) throw new TaskNotListedError(`the API answered TASK_ALREADY_RUNNING for ${taskName} but lists no ${taskName} task`);
  return taskResult(viewOfListed(task));
});

export const handler = lambdaEntry(createHandler);
