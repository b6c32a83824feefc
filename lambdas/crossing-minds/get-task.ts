/**
 * Status task of private background tasks: `GET tasks/private/<name>/<task_id>/`.
 * COMPLETED succeeds, FAILED and CANCELLED fail the step with the task's progress message;
 * REQUEST_SENT, RUNNING and CANCELLED_REQUESTED keep the loop waiting.
 */
import { z } from 'zod';
import { MalformedResponseError } from '../shared/errors';
import { lambdaEntry } from '../shared/handler';
import { parseJsonBody } from '../shared/http';
import { statusEvent } from '../shared/job-result';
import { TASK_NAMES, taskPath, taskResult, taskSchema, viewOfTask } from '../../lib/providers/crossing-minds/api';
import { crossingMindsHandler } from './client';

const event = statusEvent.extend({ taskName: z.enum(TASK_NAMES) });

export const createHandler = crossingMindsHandler('crossing-minds/get-task', event, async (args) => {
  const { taskName, jobId } = args.event;
  const path = taskPath(taskName, jobId);
  const response = await args.call(await args.auth(), 'GET', path);
  const task = taskSchema.safeParse(parseJsonBody(`GET ${path}`, response.body));
  if (!task.success) throw new MalformedResponseError(`GET ${path}: not a task: ${z.prettifyError(task.error).replace(/\n/g, ' ')}`);
  return taskResult(viewOfTask(task.data));
});

export const handler = lambdaEntry(createHandler);
