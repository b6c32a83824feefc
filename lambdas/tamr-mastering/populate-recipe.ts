/**
 * "Update Recipe": `POST /recipe/recipes/{id}/populate`. The seed documents no answer, so it is
 * read leniently: an operation-shaped body is polled like any refresh; any other 2xx is done.
 */
import * as z from 'zod';
import { apiHandler, lambdaEntry } from '../shared/handler';
import { callTamr } from './client';
import { succeeded } from '../shared/job-result';
import { operationResult, operationSchema, populateRecipePath } from '../../lib/providers/tamr-mastering/api';

export const createHandler = apiHandler(
  'tamr-mastering/populate-recipe',
  z.object({ recipeId: z.string().min(1) }),
  async (args) => {
    const { event } = args;
    const path = populateRecipePath(event.recipeId);
    const response = await callTamr(args, 'POST', path);
    const operation = operationSchema.safeParse(safeJson(response.body));
    if (operation.success) return operationResult(operation.data, `recipe ${event.recipeId} populate`);
    return succeeded(null, `HTTP_${response.status}`, { recipeId: event.recipeId });
  },
);

export const handler = lambdaEntry(createHandler);

function safeJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
