/**
 * Status task of public background tasks: one page of `GET tasks/<name>/recents/?page=&amt=`
 * (newest first), searched for the task the job id names.
 *
 * The job id is a locator, `<task_id>` or `<task_id>?page=<n>` (see TaskLocator), and the answer's
 * id replaces it (the job sets `statusUpdatesId`), so each check is still exactly one call:
 * - No id yet (the trigger answered 204): the newest task of that name is ours. The API refuses a
 *   second trigger while one is unfinished, so no newer task can appear before ours ends.
 * - The id is on the page: its status is the answer; the page is kept while the task runs.
 * - Not on the page, and `has_next`: the next check reads the next page. Tasks only move down
 *   the list (newer ones go on top), so the search never needs to look back. After
 *   MAX_RECENTS_PAGES pages, or at the end of the list, the step fails with
 *   CrossingMindsTaskNotListed.
 * While the task runs, `nextCheckSeconds` says when its progress message ("uploading 95%") expects
 * it to be done; null while it is still being looked for.
 */
import * as z from 'zod';
import { BadTaskInputError } from '../shared/errors';
import { lambdaEntry } from '../shared/handler';
import { parseJsonAs } from '../shared/http';
import { running } from '../shared/job-result';
import { nextCheckRequest, withNextCheck } from '../shared/next-check';
import {
  checkedTaskResult,
  formatLocator,
  MAX_RECENTS_PAGES,
  parseLocator,
  RECENTS_PAGE_SIZE,
  recentsPath,
  recentsSchema,
  TASK_NAMES,
  TaskNotListedError,
  viewOfListed,
} from '../../lib/providers/crossing-minds/api';
import { crossingMindsHandler } from './client';

const event = z.object({
  taskName: z.enum(TASK_NAMES),
  jobId: z.string().min(1).nullable(),
  pageSize: z.number().int().min(1).max(64).default(RECENTS_PAGE_SIZE),
  nextCheck: nextCheckRequest.optional(),
});

export const createHandler = crossingMindsHandler('crossing-minds/get-recent-task', event, async (args) => {
  const { taskName, jobId, pageSize, nextCheck } = args.event;
  const locator = parseLocator(jobId);
  if (!locator) throw new BadTaskInputError(`crossing-minds/get-recent-task: '${jobId}' is not a task locator`);
  const path = recentsPath(taskName, locator.page, pageSize);
  const response = await args.call(await args.auth(), 'GET', path);
  const recents = parseJsonAs(`GET ${path}`, response.body, recentsSchema, 'not a recents list');

  if (locator.taskId === null) {
    const newest = recents.tasks[0];
    if (!newest) return withNextCheck(running(null, 'NOT_LISTED_YET', { taskName, taskId: null, progress: null }), null);
    return checkedTaskResult(viewOfListed(newest), nextCheck);
  }
  const { taskId, page } = locator;
  const found = recents.tasks.find((task) => task.task_id === taskId);
  if (found) return checkedTaskResult(viewOfListed(found), nextCheck, formatLocator(locator)!);
  if (!recents.has_next) throw new TaskNotListedError(`${taskName} task ${taskId} is not in the recents list (searched up to page ${page} of ${pageSize})`);
  const next = recents.next_page && recents.next_page > page ? recents.next_page : page + 1;
  if (next > MAX_RECENTS_PAGES) {
    throw new TaskNotListedError(`${taskName} task ${taskId} is not within the ${MAX_RECENTS_PAGES} newest recents pages of ${pageSize}`);
  }
  return withNextCheck(running(formatLocator({ taskId, page: next }), 'SEARCHING_RECENTS', { taskName, taskId, progress: null, page: next }), null);
});

export const handler = lambdaEntry(createHandler);
