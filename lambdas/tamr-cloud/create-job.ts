/**
 * Submit task of every Tamr Cloud step: `POST /jobs` with the step's job configuration
 * (load a source, update a data product or a workflow, publish). Answers the new job, PENDING.
 * More concurrent jobs than the tenant allows answer 429 (RateLimited: retried by the state machine).
 */
import { apiHandler, lambdaEntry } from '../shared/handler';
import { createdJobSchema, JOBS_PATH, jobConfiguration, jobResult, submitJobEvent } from '../../lib/providers/tamr-cloud/api';
import { callTamrCloud } from './client';
import { parseJob } from './get-job';

export const createHandler = apiHandler('tamr-cloud/create-job', submitJobEvent, async (args) => {
  const configuration = jobConfiguration(args.event);
  const response = await callTamrCloud(args, 'POST', JOBS_PATH, { configuration });
  const job = parseJob(response.where, response.body, createdJobSchema);
  // Old answers may omit the configuration; the summary should still say what was submitted.
  return jobResult({ ...job, configuration: job.configuration ?? configuration });
});

export const handler = lambdaEntry(createHandler);
