/**
 * Status task of every Tamr Mastering refresh: `GET /v1/operations/{id}`.
 */
import { apiHandler, lambdaEntry } from '../shared/handler';
import { callTamr } from './client';
import { parseJsonAs } from '../shared/http';
import { statusEvent } from '../shared/job-result';
import { operationPath, operationResult, operationSchema } from '../../lib/providers/tamr-mastering/api';

export const createHandler = apiHandler('tamr-mastering/get-operation', statusEvent, async (args) => {
  const { event } = args;
  const path = operationPath(event.jobId);
  const response = await callTamr(args, 'GET', path);
  return operationResult(parseOperation(`GET ${path}`, response.body), `operation ${event.jobId}`);
});

export const handler = lambdaEntry(createHandler);

/** An operation body, or MalformedResponse naming what is wrong with it. */
export function parseOperation(where: string, body: string) {
  return parseJsonAs(where, body, operationSchema, 'not an operation');
}
