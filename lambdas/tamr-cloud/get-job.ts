/**
 * Status task of every Tamr Cloud job: `GET /jobs/{jobId}`. PENDING, RUNNING and STOPPING keep
 * the loop waiting; DONE succeeds, or fails with the job's `status.error` reason and message.
 */
import * as z from 'zod';
import { apiHandler, lambdaEntry } from '../shared/handler';
import { parseJsonAs } from '../shared/http';
import { statusEvent } from '../shared/job-result';
import { jobPath, jobResult, jobSchema } from '../../lib/providers/tamr-cloud/api';
import { callTamrCloud } from './client';

export const createHandler = apiHandler('tamr-cloud/get-job', statusEvent, async (args) => {
  const response = await callTamrCloud(args, 'GET', jobPath(args.event.jobId));
  return jobResult(parseJob(response.where, response.body, jobSchema));
});

export const handler = lambdaEntry(createHandler);

/** A job body, or MalformedResponse naming what is wrong with it. */
export function parseJob<T extends z.ZodType>(where: string, body: string, schema: T): z.output<T> {
  return parseJsonAs(where, body, schema, 'not a Tamr Cloud job');
}
