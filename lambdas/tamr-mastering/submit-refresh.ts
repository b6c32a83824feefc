/**
 * Submit task of the refresh steps: unified dataset, record pairs, record clusters (project
 * refreshes, 200) and dataset export (`POST /v1/datasets/{id}:refresh`, 202). A 204 with no body
 * means there was nothing to refresh: the step succeeds without an operation.
 */
import * as z from 'zod';
import { apiHandler, lambdaEntry } from '../shared/handler';
import { callTamr } from './client';
import { succeeded } from '../shared/job-result';
import { operationResult, REFRESH_PATHS } from '../../lib/providers/tamr-mastering/api';
import { parseOperation } from './get-operation';

const event = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('refreshUnifiedDataset'), project: z.string().min(1) }),
  z.object({ kind: z.literal('refreshRecordPairs'), project: z.string().min(1) }),
  z.object({ kind: z.literal('refreshRecordClusters'), project: z.string().min(1) }),
  z.object({ kind: z.literal('refreshDataset'), datasetId: z.string().min(1) }),
]);

export const createHandler = apiHandler('tamr-mastering/submit-refresh', event, async (args) => {
  const { event } = args;
  const path = (REFRESH_PATHS[event.kind] as (p: typeof event) => string)(event);
  const response = await callTamr(args, 'POST', path);
  if (response.status === 204 || response.body.trim() === '') return succeeded(null, 'UP_TO_DATE', { noOp: true });
  return operationResult(parseOperation(`POST ${path}`, response.body), event.kind);
});

export const handler = lambdaEntry(createHandler);
