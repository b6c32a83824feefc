/**
 * Tamr Cloud step kinds → jobs. Every step creates jobs with `POST /jobs`, polls them with
 * `GET /jobs/{jobId}` and stops them with `POST /jobs/{jobId}:stop` when they run too long.
 * `load` runs one job per source in a Map bounded by the tenant's job limit; steps that touch a
 * data product first look for an unfinished job of that data product (the seed asks for a
 * buffer between jobs of the same data product).
 */
import { handlerRef, stepDisplay, uniqueKeys, type HandlerCall, type JobSpec } from '../job-spec';
import type { TamrCloudPipeline, TamrCloudStep } from './config';

const handlers = {
  createJob: handlerRef('tamr-cloud/create-job'),
  getJob: handlerRef('tamr-cloud/get-job'),
  stopJob: handlerRef('tamr-cloud/stop-job'),
  findUnfinishedJob: handlerRef('tamr-cloud/find-unfinished-job'),
};

/** Default state names, in the seed's words ("Refreshing source datasets", "Updating SOR", "Publishing output"). */
const DISPLAY: Record<TamrCloudStep['kind'], { title: string; subject: string }> = {
  load: { title: 'Load source', subject: 'source load' },
  updateDataProduct: { title: 'Update data product', subject: 'data product update' },
  updateWorkflow: { title: 'Update RealTime workflow', subject: 'RealTime workflow update' },
  publish: { title: 'Publish output', subject: 'output publish' },
};

const getJob: HandlerCall = { handler: handlers.getJob, payload: {} };
const stopJob: HandlerCall = { handler: handlers.stopJob, payload: {} };

export function tamrCloudJobs(pipeline: TamrCloudPipeline): JobSpec[] {
  const keys = uniqueKeys(pipeline.steps.map((step) => step.kind));
  return pipeline.steps.map((step, index): JobSpec => {
    const submitted = submitPayload(step);
    const display = {
      key: keys[index],
      ...stepDisplay(step, DISPLAY[step.kind]),
      submit: { handler: handlers.createJob, payload: submitted },
      status: getJob,
      stop: stopJob,
      // POST /jobs is not idempotent: after a lost answer, look for the job before submitting again.
      lostSubmit: { find: { handler: handlers.findUnfinishedJob, payload: submitted } },
    };
    switch (step.kind) {
      case 'load':
        return {
          ...display,
          forEach: {
            title: step.name ? `${step.name} for each source` : 'Load sources',
            items: [...step.sourceIds],
            payloadField: 'sourceId',
            // More concurrent jobs than the tenant allows would only be answered 429.
            maxConcurrency: pipeline.jobLimit,
          },
        };
      case 'updateDataProduct':
        return { ...display, existingJob: unfinishedJobOf(step.dataProductId, step.onConflict) };
      case 'updateWorkflow':
        return display;
      case 'publish':
        return { ...display, ...(step.dataProductId ? { existingJob: unfinishedJobOf(step.dataProductId, step.onConflict) } : {}) };
    }
  });
}

/** The create-job payload of a step (a load's source id comes from the Map item). */
function submitPayload(step: TamrCloudStep): HandlerCall['payload'] {
  switch (step.kind) {
    case 'load':
      return { kind: step.kind };
    case 'updateDataProduct':
      return { kind: step.kind, dataProductId: step.dataProductId };
    case 'updateWorkflow':
      return { kind: step.kind, workflowId: step.workflowId };
    case 'publish':
      return { kind: step.kind, destinationId: step.destinationId, ...(step.dataProductId ? { dataProductId: step.dataProductId } : {}) };
  }
}

/** Before submitting, look for an unfinished job of the same data product; default: wait for it. */
function unfinishedJobOf(dataProductId: string, onConflict: 'wait' | 'skip' | 'fail' = 'wait'): JobSpec['existingJob'] {
  return {
    find: { handler: handlers.findUnfinishedJob, payload: { dataProductId } },
    trigger: 'beforeSubmit',
    policy: onConflict,
  };
}
