/**
 * Report task, run once after a batch ends with quarantined (or errored) entities: Get Batch
 * Update Status with `includeEntities=true`, grouped by `<stateDetail>` with a few sample
 * messages, and the quarantine policy's final verdict. Never returns the entities themselves.
 */
import { apiHandler, lambdaEntry } from '../shared/handler';
import { batchStatusPath, entitiesOf, parseBatch, quarantineReport, quarantineVerdict } from '../../lib/providers/boomi-hub/api';
import { batchEvent, callHub } from './client';

export const createHandler = apiHandler('boomi-hub/get-quarantine-report', batchEvent, async (args) => {
  const { event, logger } = args;
  const path = batchStatusPath(event, event.jobId, true);
  const response = await callHub(args, event, 'GET', path);
  const batch = parseBatch(`GET ${path}`, response.body);
  const entities = entitiesOf(batch);
  const groups = quarantineReport(entities);
  logger.info('quarantine report', { batchId: event.jobId, entitiesListed: entities.length, groups: groups.map((g) => `${g.stateDetail}: ${g.count}`) });
  return quarantineVerdict(event.jobId, batch, event.quarantineThreshold, groups);
});

export const handler = lambdaEntry(createHandler);
