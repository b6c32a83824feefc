/**
 * Looks for an unfinished job (PENDING, RUNNING or STOPPING) in the tenant's job list, for two
 * questions of the JobPoller:
 *
 * - "Find running <subject>" (`{ dataProductId }`): is any job of this data product still
 *   unfinished (from the UI, another pipeline, or an earlier run)? The seed asks for a buffer
 *   between jobs of one data product.
 * - "Look for <subject> job started by the failed submit" (the submit's own payload): did a
 *   `POST /jobs` whose answer was lost create its job after all? Only a job with exactly that
 *   configuration counts.
 *
 * Reads `GET /jobs?<filter>` newest first, following `nextPageToken` for at most MAX_LIST_PAGES
 * pages: the one handler that may make more than one call, because the list is paged; every page
 * is the same idempotent read, so a retry of the whole task is safe. Answers the newest matching
 * unfinished job (outcome running), or id null when none.
 */
import * as z from 'zod';
import { apiHandler, lambdaEntry } from '../shared/handler';
import { parseJsonAs } from '../shared/http';
import { running, succeeded } from '../shared/job-result';
import {
  describeJob,
  jobConfiguration,
  jobListSchema,
  listFilterOf,
  listJobsPath,
  MAX_LIST_PAGES,
  sameConfiguration,
  submitJobEvent,
  TamrCloudJobState,
  type JobListFilter,
  type TamrCloudJobList,
} from '../../lib/providers/tamr-cloud/api';
import { callTamrCloud } from './client';

// A submit payload has a `kind`; the data product check has only the id.
const event = z.union([submitJobEvent, z.object({ dataProductId: z.string().min(1) }).strict()]);

type ListedJob = TamrCloudJobList['jobs'][number];

export const createHandler = apiHandler('tamr-cloud/find-unfinished-job', event, async (args) => {
  const { event, logger } = args;
  const search: { filter: JobListFilter; matches: (job: ListedJob) => boolean; lookingFor: string } =
    'kind' in event
      ? { filter: listFilterOf(event), matches: (job) => sameConfiguration(job.configuration, event), lookingFor: describeJob(jobConfiguration(event)) }
      : { filter: { dataProductId: event.dataProductId }, matches: () => true, lookingFor: `any job of data product ${event.dataProductId}` };
  let pageToken: string | undefined;
  let jobsChecked = 0;
  for (let page = 1; page <= MAX_LIST_PAGES; page++) {
    const response = await callTamrCloud(args, 'GET', listJobsPath(search.filter, pageToken));
    const { jobs, nextPageToken } = parseJsonAs(response.where, response.body, jobListSchema, 'not a job list');
    jobsChecked += jobs.length;
    // Newest first: the first unfinished job is the newest one.
    const unfinished = jobs.find((job) => job.status.state !== TamrCloudJobState.DONE && search.matches(job));
    if (unfinished) {
      logger.info('unfinished job found', { lookingFor: search.lookingFor, jobId: unfinished.jobId, state: unfinished.status.state });
      return running(unfinished.jobId, unfinished.status.state, { ...search.filter, job: describeJob(unfinished.configuration) });
    }
    if (!nextPageToken) return succeeded(null, 'NONE', { ...search.filter, jobsChecked, pagesRead: page });
    pageToken = nextPageToken;
  }
  logger.info('stopped looking after the page limit', { lookingFor: search.lookingFor, jobsChecked, pages: MAX_LIST_PAGES });
  return succeeded(null, 'NONE', { ...search.filter, jobsChecked, pagesRead: MAX_LIST_PAGES, moreJobsUnchecked: true });
});

export const handler = lambdaEntry(createHandler);
