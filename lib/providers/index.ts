/**
 * The one place that maps a pipeline's `system` to its provider's jobs.
 */
import type { PipelineConfig } from '../config/schema';
import type { JobSpec } from './job-spec';
import { tamrMasteringJobs } from './tamr-mastering/jobs';
import { boomiHubJobs } from './boomi-hub/jobs';

export function jobsOf(pipeline: PipelineConfig): JobSpec[] {
  switch (pipeline.system) {
    case 'tamr-mastering':
      return tamrMasteringJobs(pipeline);
    case 'boomi-hub':
      return boomiHubJobs(pipeline);
  }
}

/** The base URL handlers call, before any local override. */
export function baseUrlOf(pipeline: PipelineConfig): string {
  return pipeline.baseUrl;
}
