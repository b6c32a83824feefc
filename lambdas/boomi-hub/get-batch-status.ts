/**
 * Status task: Get Batch Update Status, `GET /mdm/universes/<universeID>/records/updates/<batchID>`
 * (batch only, no entities). Final batches with quarantined entities ask for the report.
 */
import { apiHandler, lambdaEntry } from '../shared/handler';
import { batchResult, batchStatusPath, parseBatch } from '../../lib/providers/boomi-hub/api';
import { batchEvent, callHub } from './client';

export const createHandler = apiHandler('boomi-hub/get-batch-status', batchEvent, async (args) => {
  const { event } = args;
  const path = batchStatusPath(event, event.jobId);
  const response = await callHub(args, event, 'GET', path);
  return batchResult(event.jobId, parseBatch(`GET ${path}`, response.body), event.quarantineThreshold);
});

export const handler = lambdaEntry(createHandler);
