/**
 * The one way Tamr Cloud handlers call the Jobs API: base URL (the tenant's
 * `https://{tenant}.tamr.cloud/api/v1beta1`), the X-API-KEY header, timeout, Tamr Cloud's error
 * bodies, and a hint on auth failures pointing at the secret to fix.
 */
import type { HandlerArgs } from '../shared/handler';
import { callApi, jsonMessageOrDefault, type ApiRequest, type ApiResponse } from '../shared/http';
import { apiKeyHeader } from '../../lib/providers/tamr-cloud/api';

/** An answer, and the call as error messages name it (`GET /api/v1beta1/jobs/job_1`). */
export interface TamrCloudResponse extends ApiResponse {
  readonly where: string;
}

export async function callTamrCloud(
  { settings, secret, logger }: Omit<HandlerArgs<unknown>, 'event'>,
  method: ApiRequest['method'],
  path: string,
  body?: unknown,
): Promise<TamrCloudResponse> {
  const apiKey = apiKeyHeader(secret, settings.secretName);
  const url = new URL(settings.baseUrl + path);
  const where = `${method} ${url.pathname}${url.search}`;
  const response = await callApi(
    {
      method,
      url: settings.baseUrl + path,
      headers: {
        'X-API-KEY': apiKey,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: settings.httpTimeoutMs,
      errorMessage: jsonMessageOrDefault,
      // Retrying cannot fix a wrong key: say where the key comes from (never the key itself).
      authHint: () => `check the API key in secret '${settings.secretName}'`,
    },
    logger,
  );
  return { ...response, where };
}
