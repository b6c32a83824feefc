/**
 * Status task of private background tasks: `GET tasks/private/<name>/<task_id>/`.
 * COMPLETED succeeds, FAILED and CANCELLED fail the step with the task's progress message;
 * REQUEST_SENT, RUNNING and CANCELLED_REQUESTED keep the loop waiting, for as long as the
 * task's `details.progress` says it still needs (`nextCheckSeconds`, see lambdas/shared/next-check.ts).
 */
import * as z from 'zod';
import { lambdaEntry } from '../shared/handler';
import { parseJsonAs } from '../shared/http';
import { statusEvent } from '../shared/job-result';
import { nextCheckRequest } from '../shared/next-check';
import { checkedTaskResult, TASK_NAMES, taskPath, taskSchema, viewOfTask } from '../../lib/providers/crossing-minds/api';
import { crossingMindsHandler } from './client';

const event = statusEvent.extend({ taskName: z.enum(TASK_NAMES), nextCheck: nextCheckRequest.optional() });

export const createHandler = crossingMindsHandler('crossing-minds/get-task', event, async (args) => {
  const { taskName, jobId, nextCheck } = args.event;
  const path = taskPath(taskName, jobId);
  const response = await args.call(await args.auth(), 'GET', path);
  const task = parseJsonAs(`GET ${path}`, response.body, taskSchema, 'not a task');
  return checkedTaskResult(viewOfTask(task), nextCheck);
});

export const handler = lambdaEntry(createHandler);
