/**
 * Status task of every Tamr Mastering refresh: `GET /v1/operations/{id}`.
 */
import * as z from 'zod';
import { apiHandler, lambdaEntry } from '../shared/handler';
import { callTamr } from './client';
import { parseJsonBody } from '../shared/http';
import { statusEvent } from '../shared/job-result';
import { MalformedResponseError } from '../shared/errors';
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
  const parsed = operationSchema.safeParse(parseJsonBody(where, body));
  if (!parsed.success) throw new MalformedResponseError(`${where}: not an operation: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  return parsed.data;
}
