/**
 * Boomi Hub step kinds → jobs. `updateGoldenRecords` submits a batch, polls Get Batch Update
 * Status until the batch is final, and — when entities were quarantined — fetches the entity
 * report once so the quarantine policy can decide with the reasons in hand.
 */
import { handlerRef, stepDisplay, uniqueKeys, type JobSpec, type JsonValue } from '../job-spec';
import { recordsSubmit } from '../records-submit';
import type { BoomiHubPipeline, BoomiHubStep } from './config';

const handlers = {
  updateGoldenRecords: handlerRef('boomi-hub/update-golden-records', { longRunning: true }),
  getBatchStatus: handlerRef('boomi-hub/get-batch-status'),
  getQuarantineReport: handlerRef('boomi-hub/get-quarantine-report'),
};

/** Default state names, in the seed's words ("Get Batch Update Status"). */
const DISPLAY: Record<BoomiHubStep['kind'], { title: string; subject: string }> = {
  updateGoldenRecords: { title: 'Update golden records', subject: 'batch update' },
};

export function boomiHubJobs(pipeline: BoomiHubPipeline): JobSpec[] {
  const keys = uniqueKeys(pipeline.steps.map((step) => step.kind));
  // repositoryId present = JWT auth; the handlers add it to every request.
  const target: Record<string, JsonValue> = {
    universeId: pipeline.universeId,
    ...(pipeline.repositoryId !== undefined ? { repositoryId: pipeline.repositoryId } : {}),
  };
  return pipeline.steps.map((step, index): JobSpec => {
    const { title, subject } = stepDisplay(step, DISPLAY[step.kind]);
    const batch = { ...target, quarantineThreshold: step.quarantineThreshold };
    return {
      key: keys[index],
      title,
      subject,
      ...recordsSubmit(pipeline, handlers.updateGoldenRecords, target, step.records),
      status: { handler: handlers.getBatchStatus, payload: batch },
      report: {
        handler: handlers.getQuarantineReport,
        payload: batch,
        // State names are unique per state machine: a renamed step (the only way to have two) names its own.
        title: step.name || step.subject ? `Fetch ${subject} quarantine report` : 'Fetch quarantine report',
      },
    };
  });
}
