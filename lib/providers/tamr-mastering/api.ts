/**
 * Everything Continuum knows about the Tamr Mastering v1 API: paths, operation states, the
 * operation's shape, the auth header and how a remote state becomes a job outcome.
 * (Seed: tamr-mastering-continuous-operation.txt; facts: shared/api-notes.md.)
 */
import * as z from 'zod';
import { BadSecretError } from '../../../lambdas/shared/errors';
import { enc } from '../../../lambdas/shared/http';
import { failed, running, succeeded, type JobResult } from '../../../lambdas/shared/job-result';
import { REMOTE_DURATION_KEY } from '../../../lambdas/shared/learned-polling';
import type { SecretValue } from '../../../lambdas/shared/secret';
import type { ErrorName } from '../../contract/errors';

/** The seed abbreviates this to `/v1`. */
export const API_PREFIX = '/api/versioned/v1';

/** Project-level refreshes and the dataset export refresh, by step kind. */
export const REFRESH_PATHS = {
  refreshUnifiedDataset: (p: { project: string }) => `${API_PREFIX}/projects/${enc(p.project)}/unifiedDataset:refresh`,
  refreshRecordPairs: (p: { project: string }) => `${API_PREFIX}/projects/${enc(p.project)}/recordPairs:refresh`,
  refreshRecordClusters: (p: { project: string }) => `${API_PREFIX}/projects/${enc(p.project)}/recordClusters:refresh`,
  refreshDataset: (p: { datasetId: string }) => `${API_PREFIX}/datasets/${enc(p.datasetId)}:refresh`,
} as const;
export type RefreshKind = keyof typeof REFRESH_PATHS;

export const updateRecordsPath = (datasetId: string) => `${API_PREFIX}/datasets/${enc(datasetId)}:updateRecords?header=false`;
/** Lives outside the versioned API. */
export const populateRecipePath = (recipeId: string) => `/api/recipe/recipes/${enc(recipeId)}/populate`;
export const operationPath = (operationId: string) => `${API_PREFIX}/operations/${enc(operationId)}`;

/** Operation states. CANCELING is transitional ("Job has been marked for cancellation"). */
export const TamrOperationState = {
  PENDING: 'PENDING',
  RUNNING: 'RUNNING',
  CANCELING: 'CANCELING',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
  CANCELED: 'CANCELED',
} as const;
export type TamrOperationState = (typeof TamrOperationState)[keyof typeof TamrOperationState];

export const operationSchema = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  type: z.string().optional(),
  description: z.string().optional(),
  status: z.object({
    state: z.enum(Object.values(TamrOperationState) as [TamrOperationState, ...TamrOperationState[]]),
    message: z.string().nullish(),
    startTime: z.string().nullish(),
    endTime: z.string().nullish(),
  }),
  /** When the operation was submitted (its duration for learned polling runs from here). */
  created: z.object({ time: z.string().nullish() }).loose().nullish(),
});
export type TamrOperation = z.output<typeof operationSchema>;

export const updateRecordsResultSchema = z.object({
  numCommandsProcessed: z.number().int().nonnegative(),
  allCommandsSucceeded: z.boolean(),
  validationErrors: z.array(z.unknown()).default([]),
});

/** Stable error names of failed operations (the Fail state's `error`). */
export const TAMR_ERRORS = {
  operationFailed: 'TamrOperationFailed',
  operationCanceled: 'TamrOperationCanceled',
  validationFailed: 'TamrValidationFailed',
} as const satisfies Record<string, ErrorName>;

/** An operation's state as a job result. */
export function operationResult(operation: TamrOperation, what: string): JobResult {
  const { state, message } = operation.status;
  const summary = { description: operation.description ?? null };
  switch (state) {
    case 'SUCCEEDED': {
      // Tamr's own clock: from the submit to the end, without our detection latency.
      const ran = (Date.parse(operation.status.endTime ?? '') - Date.parse(operation.created?.time ?? '')) / 1000;
      return succeeded(operation.id, state, Number.isFinite(ran) && ran > 0 ? { ...summary, [REMOTE_DURATION_KEY]: ran } : summary);
    }
    case 'FAILED':
      return failed(operation.id, state, TAMR_ERRORS.operationFailed, `${what}: operation ${operation.id} FAILED: ${message || 'no message'}`, summary);
    case 'CANCELED':
      return failed(operation.id, state, TAMR_ERRORS.operationCanceled, `${what}: operation ${operation.id} was CANCELED: ${message || 'no message'}`, summary);
    default:
      return running(operation.id, state, summary);
  }
}

const basicCreds = z.object({ username: z.string().min(1), password: z.string().min(1) });
const bearer = z.object({ token: z.string().min(1) });

/**
 * `Authorization` header from the secret: `{"username","password"}` → `BasicCreds <base64>`
 * (Tamr's scheme), or `{"token"}` → `Bearer <jwt>` for newer servers.
 */
export function authorizationHeader(secret: SecretValue, secretName: string): string {
  const value = secret.reveal();
  const creds = basicCreds.safeParse(value);
  if (creds.success) return `BasicCreds ${Buffer.from(`${creds.data.username}:${creds.data.password}`).toString('base64')}`;
  const token = bearer.safeParse(value);
  if (token.success) return `Bearer ${token.data.token}`;
  throw new BadSecretError(`secret '${secretName}' must be JSON with "username" and "password" (or "token")`);
}
