/**
 * Submit task of every background task: `POST tasks/<name>/` (public, no body) or
 * `POST tasks/private/<name>/` with `{context_task, refresh_token}` (private).
 *
 * Private triggers answer `{task_id}`. The seed documents no answer for public triggers: a 204
 * (or a body without `task_id`) gives a job without an id yet, which the first status check
 * names. TASK_ALREADY_RUNNING throws CrossingMindsTaskAlreadyRunning for the existing-task check.
 */
import * as z from 'zod';
import { lambdaEntry } from '../shared/handler';
import { parseJsonAs } from '../shared/http';
import { running } from '../shared/job-result';
import { isPrivateTask, publicTriggerAnswerSchema, TASK_NAMES, triggerAnswerSchema, triggerPath } from '../../lib/providers/crossing-minds/api';
import { crossingMindsHandler } from './client';

const event = z.object({ taskName: z.enum(TASK_NAMES), context: z.record(z.string(), z.unknown()).optional() });

export const createHandler = crossingMindsHandler('crossing-minds/trigger-task', event, async (args) => {
  const { taskName, context } = args.event;
  const path = triggerPath(taskName);
  const where = `POST ${path}`;
  const auth = await args.auth();
  if (isPrivateTask(taskName)) {
    // The task works on our behalf after this call: the API asks for the refresh token with it.
    const body = { context_task: context ?? {}, ...(auth.refreshToken ? { refresh_token: auth.refreshToken } : {}) };
    const response = await args.call(auth, 'POST', path, { body: JSON.stringify(body) });
    const answer = parseJsonAs(where, response.body, triggerAnswerSchema, 'answer has no task_id');
    return running(answer.task_id, 'REQUEST_SENT', { taskName, taskId: answer.task_id });
  }
  const response = await args.call(auth, 'POST', path);
  if (response.body.trim() === '') return running(null, 'REQUEST_SENT', { taskName, taskId: null });
  const answer = parseJsonAs(where, response.body, publicTriggerAnswerSchema, 'unexpected answer');
  const taskId = answer.task_id ?? null;
  return running(taskId, 'REQUEST_SENT', { taskName, taskId });
});

export const handler = lambdaEntry(createHandler);
