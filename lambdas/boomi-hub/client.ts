/**
 * The one way Boomi Hub handlers call the API: base URL, Basic or JWT auth (the pipeline's
 * repositoryId decides), timeout, and Boomi's XML/HTML error bodies.
 */
import * as z from 'zod';
import type { HandlerArgs } from '../shared/handler';
import { callApi, type ApiRequest, type ApiResponse } from '../shared/http';
import { statusEvent } from '../shared/job-result';
import { authorizationHeader, boomiErrorMessage, FORBIDDEN_HINT, type HubTarget } from '../../lib/providers/boomi-hub/api';

/** What every Boomi Hub task payload names: the universe, and the repository for JWT auth. */
export const targetEvent = z.object({
  universeId: z.string().min(1),
  repositoryId: z.string().min(1).optional(),
});

/** The status and report tasks: the batch (`jobId`) and the step's quarantine policy. */
export const batchEvent = targetEvent.extend({ ...statusEvent.shape, quarantineThreshold: z.number().min(0).max(1) });

export async function callHub(
  { settings, secret, logger }: Omit<HandlerArgs<unknown>, 'event'>,
  target: HubTarget,
  method: ApiRequest['method'],
  path: string,
  options: { body?: ApiRequest['body'] } = {},
): Promise<ApiResponse> {
  return callApi(
    {
      method,
      url: settings.baseUrl + path,
      headers: {
        Authorization: authorizationHeader(secret, settings.secretName, target),
        Accept: 'application/xml',
        ...(options.body !== undefined ? { 'Content-Type': 'application/xml' } : {}),
      },
      body: options.body,
      timeoutMs: settings.httpTimeoutMs,
      errorMessage: boomiErrorMessage,
      // The seed's 403 body only says "no permission": name the privileges it means.
      authHint: (status) => (status === 403 ? FORBIDDEN_HINT : undefined),
    },
    logger,
  );
}
