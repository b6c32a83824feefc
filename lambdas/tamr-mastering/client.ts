/**
 * The one way Tamr Mastering handlers call the API: base URL, auth header, timeout, Tamr's
 * error bodies.
 */
import type { HandlerArgs } from '../shared/handler';
import { callApi, jsonMessageOrDefault, type ApiRequest, type ApiResponse } from '../shared/http';
import { authorizationHeader } from '../../lib/providers/tamr-mastering/api';

export function callTamr(
  { settings, secret, logger }: Omit<HandlerArgs<unknown>, 'event'>,
  method: ApiRequest['method'],
  path: string,
  options: { body?: ApiRequest['body']; contentType?: string } = {},
): Promise<ApiResponse> {
  return callApi(
    {
      method,
      url: settings.baseUrl + path,
      headers: {
        Authorization: authorizationHeader(secret, settings.secretName),
        Accept: 'application/json',
        ...(options.contentType ? { 'Content-Type': options.contentType } : {}),
      },
      body: options.body,
      timeoutMs: settings.httpTimeoutMs,
      errorMessage: jsonMessageOrDefault,
    },
    logger,
  );
}
