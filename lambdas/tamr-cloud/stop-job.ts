/**
 * Stop task: `POST /jobs/{jobId}:stop`, answered `{}`. A PENDING job goes straight to DONE, a
 * RUNNING one through STOPPING; stopping a DONE job changes nothing. Used when a job outlives its
 * timeout (and when an execution is aborted), so nothing keeps running on the tenant unseen.
 */
import { z } from 'zod';
import { MalformedResponseError } from '../shared/errors';
import { apiHandler, lambdaEntry } from '../shared/handler';
import { cut, parseJsonBody } from '../shared/http';
import { statusEvent, succeeded } from '../shared/job-result';
import { stopJobPath } from '../../lib/providers/tamr-cloud/api';
import { callTamrCloud } from './client';

/** The documented answer is `{}`; an empty body is read the same way. */
const stopAnswer = z.object({}).passthrough();

export const createHandler = apiHandler('tamr-cloud/stop-job', statusEvent, async (args) => {
  const { jobId } = args.event;
  const response = await callTamrCloud(args, 'POST', stopJobPath(jobId), {});
  if (response.body.trim() !== '' && !stopAnswer.safeParse(parseJsonBody(response.where, response.body)).success) {
    throw new MalformedResponseError(`${response.where}: expected {} as the answer, got ${cut(response.body, 200)}`);
  }
  return succeeded(jobId, 'STOP_REQUESTED', null);
});

export const handler = lambdaEntry(createHandler);
