/**
 * "Find running <subject>": is a job of this data product still unfinished (from the UI, another
 * pipeline, or an earlier run)? Reads `GET /jobs?dataProductId=…` newest first, following
 * `nextPageToken` for at most MAX_LIST_PAGES pages: the one handler that may make more than one
 * call, because the list is paged; every page is the same idempotent read, so a retry of the
 * whole task is safe. Answers the newest unfinished job (outcome running), or id null when none.
 */
import { z } from 'zod';
import { apiHandler, lambdaEntry } from '../shared/handler';
import { parseJsonBody } from '../shared/http';
import { running, succeeded } from '../shared/job-result';
import { MalformedResponseError } from '../shared/errors';
import { describeJob, jobListSchema, listJobsPath, MAX_LIST_PAGES, TamrCloudJobState } from '../../lib/providers/tamr-cloud/api';
import { callTamrCloud } from './client';

const event = z.object({ dataProductId: z.string().min(1) });

export const createHandler = apiHandler('tamr-cloud/find-unfinished-job', event, async (args) => {
  const { event, logger } = args;
  let pageToken: string | undefined;
  let jobsChecked = 0;
  for (let page = 1; page <= MAX_LIST_PAGES; page++) {
    const response = await callTamrCloud(args, 'GET', listJobsPath({ dataProductId: event.dataProductId }, pageToken));
    const parsed = jobListSchema.safeParse(parseJsonBody(response.where, response.body));
    if (!parsed.success) throw new MalformedResponseError(`${response.where}: not a job list: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
    const { jobs, nextPageToken } = parsed.data;
    jobsChecked += jobs.length;
    // Newest first: the first unfinished job is the newest one.
    const unfinished = jobs.find((job) => job.status.state !== TamrCloudJobState.DONE);
    if (unfinished) {
      logger.info('unfinished job found', { dataProductId: event.dataProductId, jobId: unfinished.jobId, state: unfinished.status.state });
      return running(unfinished.jobId, unfinished.status.state, { dataProductId: event.dataProductId, job: describeJob(unfinished.configuration) });
    }
    if (!nextPageToken) return succeeded(null, 'NONE', { dataProductId: event.dataProductId, jobsChecked, pagesRead: page });
    pageToken = nextPageToken;
  }
  logger.info('stopped looking after the page limit', { dataProductId: event.dataProductId, jobsChecked, pages: MAX_LIST_PAGES });
  return succeeded(null, 'NONE', { dataProductId: event.dataProductId, jobsChecked, pagesRead: MAX_LIST_PAGES, moreJobsUnchecked: true });
});

export const handler = lambdaEntry(createHandler);
