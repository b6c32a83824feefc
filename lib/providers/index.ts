/**
 * The one place that maps a pipeline's `system` to its provider's jobs.
 */
import type { PipelineConfig } from '../config/schema';
import type { JobSpec } from './job-spec';
import { tenantBaseUrl } from './tamr-cloud/api';
import { tamrCloudJobs } from './tamr-cloud/jobs';
import { crossingMindsJobs } from './crossing-minds/jobs';
import { tamrMasteringJobs } from './tamr-mastering/jobs';
import { boomiHubJobs } from './boomi-hub/jobs';

export function jobsOf(pipeline: PipelineConfig): JobSpec[] {
  switch (pipeline.system) {
    case 'tamr-mastering':
      return tamrMasteringJobs(pipeline);
    case 'tamr-cloud':
      return tamrCloudJobs(pipeline);
    case 'crossing-minds':
      return crossingMindsJobs(pipeline);
    case 'boomi-hub':
      return boomiHubJobs(pipeline);
  }
}

/** The base URL handlers call, before any local override. */
export function baseUrlOf(pipeline: PipelineConfig): string {
  switch (pipeline.system) {
    case 'tamr-mastering':
      return pipeline.baseUrl;
    case 'tamr-cloud':
      return pipeline.baseUrl ?? tenantBaseUrl(pipeline.tenant);
    case 'crossing-minds':
    case 'boomi-hub':
      return pipeline.baseUrl;
  }
}
