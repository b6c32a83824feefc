/**
 * Tamr Mastering step kinds → jobs. Each refresh answers an operation that is polled with
 * `GET /v1/operations/{id}`; `updateRecords` is synchronous.
 */
import { handlerRef, stepDisplay, uniqueKeys, type JobSpec } from '../job-spec';
import { recordsSubmit } from '../records-submit';
import type { TamrMasteringPipeline, TamrMasteringStep } from './config';

const handlers = {
  updateRecords: handlerRef('tamr-mastering/update-records', { longRunning: true }),
  refresh: handlerRef('tamr-mastering/submit-refresh'),
  populateRecipe: handlerRef('tamr-mastering/populate-recipe'),
  getOperation: handlerRef('tamr-mastering/get-operation'),
};

/** Default state names, in the seed's words. */
const DISPLAY: Record<TamrMasteringStep['kind'], { title: string; subject: string }> = {
  updateRecords: { title: 'Update dataset records', subject: 'dataset records' },
  refreshUnifiedDataset: { title: 'Refresh unified dataset', subject: 'unified dataset' },
  populateRecipe: { title: 'Update recipe', subject: 'recipe' },
  refreshRecordPairs: { title: 'Refresh record pairs', subject: 'record pairs' },
  refreshRecordClusters: { title: 'Refresh record clusters', subject: 'record clusters' },
  refreshDataset: { title: 'Refresh dataset export', subject: 'dataset export' },
};

const pollOperation = { handler: handlers.getOperation, payload: {} };

export function tamrMasteringJobs(pipeline: TamrMasteringPipeline): JobSpec[] {
  const keys = uniqueKeys(pipeline.steps.map((step) => step.kind));
  return pipeline.steps.map((step, index): JobSpec => {
    const display = { key: keys[index], ...stepDisplay(step, DISPLAY[step.kind]) };
    switch (step.kind) {
      case 'updateRecords':
        return { ...display, ...recordsSubmit(pipeline, handlers.updateRecords, { datasetId: step.datasetId, recordIdField: step.recordIdField }, step.records) };
      case 'populateRecipe':
        return {
          ...display,
          submit: { handler: handlers.populateRecipe, payload: { recipeId: step.recipeId } },
          status: pollOperation,
          runIf: { inputFlag: step.inputFlag },
        };
      case 'refreshDataset':
        return { ...display, submit: { handler: handlers.refresh, payload: { kind: step.kind, datasetId: step.datasetId } }, status: pollOperation };
      default:
        return { ...display, submit: { handler: handlers.refresh, payload: { kind: step.kind, project: step.project } }, status: pollOperation };
    }
  });
}
