/**
 * Looks for a job in the tenant's job list, for three questions:
 *
 * - "Find running <subject>" (`{ dataProductId }`): is any job of this data product (its update
 *   or a publish of it) still unfinished (from the UI, another pipeline, or an earlier run)? The
 *   seed asks for a buffer between jobs of one data product.
 * - "Look for <subject> job started by the failed submit" (the submit's own payload and
 *   `createdAfter`, lambdas/shared/created-after.ts): did a `POST /jobs` whose answer was lost
 *   create its job after all? A job with exactly that configuration, created at or after the
 *   failed submit began, is that job, whatever its state: a job already DONE is attached to (and
 *   its outcome taken), never submitted a second time.
 * - The execution cleanup asks the same with `createdAfter` = the execution's start: a job this
 *   execution's submit created although its answer never reached the run (lambdas/cleanup).
 *
 * The server may ignore the list filters (api-notes): they are sent as a hint, and every listed
 * job's configuration is matched here. Reads `GET /jobs?<filter>` newest first, following
 * `nextPageToken` for at most MAX_LIST_PAGES pages: the one handler that may make more than one
 * call, because the list is paged; every page is the same idempotent read of one list, so a retry
 * of the whole task is safe. Answers the job found, or id null when none.
 */
import * as z from 'zod';
import { createdAfterSchema, notBeforeMs } from '../shared/created-after';
import { apiHandler, lambdaEntry } from '../shared/handler';
import { parseJsonAs } from '../shared/http';
import { running, succeeded, type JobResult } from '../shared/job-result';
import {
  describeJob,
  jobConfiguration,
  jobCreatedAt,
  jobListSchema,
  jobResult,
  listFilterOf,
  listJobsPath,
  MAX_LIST_PAGES,
  refersToDataProduct,
  sameConfiguration,
  submitJobEvent,
  TamrCloudJobState,
  type JobListFilter,
  type TamrCloudJobList,
} from '../../lib/providers/tamr-cloud/api';
import { callTamrCloud } from './client';

const lookEvent = z.intersection(submitJobEvent, z.object({ createdAfter: createdAfterSchema.optional() }));
// A submit payload has a `kind`; the data product check has only the id.
const event = z.union([lookEvent, z.object({ dataProductId: z.string().min(1) }).strict()]);

type ListedJob = TamrCloudJobList['jobs'][number];

/** What one listed job means to the look: the answer, skip it, or stop reading (older than the window). */
type Verdict = { found: JobResult } | 'skip' | 'older';

export const createHandler = apiHandler('tamr-cloud/find-unfinished-job', event, async (args) => {
  const { event, logger } = args;
  const search: { filter: JobListFilter; judge: (job: ListedJob) => Verdict; lookingFor: string } =
    'kind' in event
      ? { filter: listFilterOf(event), judge: submittedJob(event), lookingFor: describeJob(jobConfiguration(event)) }
      : {
          filter: { dataProductId: event.dataProductId },
          judge: (job) => (isUnfinished(job) && refersToDataProduct(job.configuration, event.dataProductId) ? { found: asResult(job) } : 'skip'),
          lookingFor: `any unfinished job of data product ${event.dataProductId}`,
        };
  let pageToken: string | undefined;
  let jobsChecked = 0;
  for (let page = 1; page <= MAX_LIST_PAGES; page++) {
    const response = await callTamrCloud(args, 'GET', listJobsPath(search.filter, pageToken));
    const { jobs, nextPageToken } = parseJsonAs(response.where, response.body, jobListSchema, 'not a job list');
    // Newest first: the first match is the newest one.
    for (const job of jobs) {
      jobsChecked += 1;
      const verdict = search.judge(job);
      if (verdict === 'skip') continue;
      if (verdict === 'older') return succeeded(null, 'NONE', { ...search.filter, jobsChecked, pagesRead: page });
      logger.info('job found', { lookingFor: search.lookingFor, jobId: job.jobId, state: job.status.state });
      return { ...verdict.found, summary: { ...search.filter, ...verdict.found.summary, job: describeJob(job.configuration) } };
    }
    if (!nextPageToken) return succeeded(null, 'NONE', { ...search.filter, jobsChecked, pagesRead: page });
    pageToken = nextPageToken;
  }
  logger.info('stopped looking after the page limit', { lookingFor: search.lookingFor, jobsChecked, pages: MAX_LIST_PAGES });
  return succeeded(null, 'NONE', { ...search.filter, jobsChecked, pagesRead: MAX_LIST_PAGES, moreJobsUnchecked: true });
});

export const handler = lambdaEntry(createHandler);

/**
 * The look after a lost answer: same configuration and created inside the window, any state.
 * Without a window (an older payload) only an unfinished job counts, as before. A job whose
 * answer carries no creation time counts only while unfinished: a DONE one may be a previous run's.
 */
function submittedJob(event: z.output<typeof lookEvent>): (job: ListedJob) => Verdict {
  const window = event.createdAfter;
  const notBefore = window ? notBeforeMs(window) : undefined;
  return (job) => {
    const created = jobCreatedAt(job);
    // The whole list is newest first: once one job is older than the window, every next one is too.
    if (notBefore !== undefined && created !== undefined && created < notBefore) return 'older';
    if (!sameConfiguration(job.configuration, event)) return 'skip';
    if (isUnfinished(job)) return { found: asResult(job) };
    return notBefore !== undefined && created !== undefined ? { found: asResult(job) } : 'skip';
  };
}

const isUnfinished = (job: ListedJob): boolean => job.status.state !== TamrCloudJobState.DONE;

/** A listed job as a job result: DONE is read like a status check (succeeded, failed or stopped). */
function asResult(job: ListedJob): JobResult {
  if (isUnfinished(job)) return running(job.jobId, job.status.state);
  return jobResult({ ...job, status: { ...job.status, state: TamrCloudJobState.DONE } });
}
