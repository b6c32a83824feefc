/**
 * Stop task of private background tasks (timeout, execution abort):
 * `DELETE tasks/private/<name>/<task_id>/` requests the cancellation. The API answers at once;
 * the task goes CANCELLED_REQUESTED, then CANCELLED. A finished task is left as it is.
 */
import { z } from 'zod';
import { lambdaEntry } from '../shared/handler';
import { running, statusEvent } from '../shared/job-result';
import { TASK_NAMES, taskPath } from '../../lib/providers/crossing-minds/api';
import { crossingMindsHandler } from './client';

const event = statusEvent.extend({ taskName: z.enum(TASK_NAMES) });

export const createHandler = crossingMindsHandler('crossing-minds/cancel-task', event, async (args) => {
  const { taskName, jobId } = args.event;
  await args.call(await args.auth(), 'DELETE', taskPath(taskName, jobId));
  return running(jobId, 'CANCELLED_REQUESTED', { taskName, taskId: jobId, cancelRequested: true });
});

export const handler = lambdaEntry(createHandler);
