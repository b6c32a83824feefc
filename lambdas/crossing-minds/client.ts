/**
 * The one way Crossing Minds handlers call the API: base URL, `Authorization: Bearer <jwt>`,
 * timeout, and the vendor's `{error_name, message}` bodies turned into named errors.
 *
 * Auth (a precondition, not part of the job's one call):
 * - The secret holds `{"token"}`, `{"refreshToken"}` or both. The JWT in it is used as is.
 * - Only when there is no usable JWT (none in the secret, one the API already called expired in
 *   this container, or one whose `exp` claim has passed) is the refresh token exchanged with
 *   `POST login/refresh-token/`. The API rotates refresh tokens, so the new pair is stored back
 *   in the secret (PutSecretValue) for every other function and cold start; if that write fails
 *   this container keeps using the pair from memory.
 * - When the job call answers 401 JWT_EXPIRED, the handler remembers that JWT as expired, drops
 *   the cached secret and throws `TokenExpired`; the state machine retries the call, which then
 *   reads the secret again (another function may have renewed it already) or exchanges the
 *   refresh token. The job call itself is never repeated inside one invocation.
 * - A refresh token the API refuses is remembered; refused again after the secret was re-read,
 *   it fails the step with `AuthFailed`.
 * Tokens are never logged or returned (the logger redacts token fields; messages name no token).
 */
import type { z } from 'zod';
import { AuthError, BadSecretError, ContinuumError, MalformedResponseError, TokenExpiredError } from '../shared/errors';
import { apiHandler, type HandlerArgs, type LambdaHandler } from '../shared/handler';
import type { HandlerEnvironment, HandlerSettings } from '../shared/environment';
import { callApi, defaultErrorMessage, parseJsonBody, type ApiRequest, type ApiResponse } from '../shared/http';
import { forgetSecret, storeSecret, type SecretSettings } from '../shared/secret';
import {
  errorBodyMessage,
  parseErrorBody,
  refreshAnswerSchema,
  REFRESH_TOKEN_PATH,
  secretSchema,
  TaskAlreadyRunningError,
  VENDOR_ERRORS,
  type ErrorBody,
} from '../../lib/providers/crossing-minds/api';

/** What a Lambda container remembers between invocations (never logged). */
export class TokenMemory {
  /** JWTs the API answered JWT_EXPIRED for. */
  readonly expired = new Set<string>();
  /** Refresh tokens the API refused. */
  readonly refused = new Set<string>();
  /** The pair this container got by exchanging `from`, until the secret shows it (or something newer). */
  latest?: { token: string; refreshToken: string; from: string };
}

/** The credentials of one invocation. */
export interface Auth {
  readonly jwt: string;
  /** The current refresh token, when the secret has one (private triggers pass it on). */
  readonly refreshToken?: string;
}

export interface CrossingMindsArgs<TEvent> extends HandlerArgs<TEvent> {
  /** A usable JWT; exchanges the refresh token first only when needed. */
  auth(): Promise<Auth>;
  /** The job's one API call. */
  call(auth: Auth, method: ApiRequest['method'], path: string, options?: { body?: string }): Promise<ApiResponse>;
}

/** `apiHandler` plus the Crossing Minds client; each created handler (a container) has its own token memory. */
export function crossingMindsHandler<TEvent, TResult>(
  name: string,
  eventSchema: z.ZodType<TEvent>,
  run: (args: CrossingMindsArgs<TEvent>) => Promise<TResult>,
): (env?: HandlerEnvironment) => LambdaHandler<TResult> {
  return (env) => {
    const memory = new TokenMemory();
    return apiHandler(name, eventSchema, (args) =>
      run({
        ...args,
        auth: () => authenticate(args, memory),
        call: (auth, method, path, options) => callCrossingMinds(args, memory, auth, method, path, options),
      }),
    )(env);
  };
}

/** Seconds before a JWT's `exp` at which it is treated as expired (clock skew, slow calls). */
const EXPIRY_MARGIN_SECONDS = 60;

async function authenticate(args: HandlerArgs<unknown>, memory: TokenMemory): Promise<Auth> {
  const { settings, secret, logger } = args;
  const raw = secret.reveal();
  const parsed = secretSchema.safeParse(typeof raw === 'string' ? safeJson(raw) : raw);
  if (!parsed.success || (!parsed.data.token && !parsed.data.refreshToken)) {
    throw new BadSecretError(`secret '${settings.secretName}' must be JSON with "token" (a JWT) and/or "refreshToken"`);
  }
  let { token, refreshToken } = parsed.data;
  // The secret may not show this container's own renewal yet (cached, or the write failed).
  if (memory.latest && refreshToken === memory.latest.from) ({ token, refreshToken } = memory.latest);

  if (token && !memory.expired.has(token) && !expiredByClaim(token)) return { jwt: token, refreshToken };
  if (!refreshToken) {
    throw new AuthError(
      `the token in secret '${settings.secretName}' ${token ? 'has expired' : 'is missing'} and the secret has no "refreshToken" to renew it`,
    );
  }
  if (memory.refused.has(refreshToken)) {
    throw new AuthError(`POST ${REFRESH_TOKEN_PATH} refused the refresh token in secret '${settings.secretName}' (${VENDOR_ERRORS.refreshTokenInvalid}); store a new one`);
  }

  let response: ApiResponse;
  try {
    response = await request(args, 'POST', REFRESH_TOKEN_PATH, { body: JSON.stringify({ refresh_token: refreshToken }) });
  } catch (error) {
    if (error instanceof VendorError && error.vendor.error_name === VENDOR_ERRORS.refreshTokenInvalid) {
      // Another function may have just used it and stored the next one: read the secret again.
      memory.refused.add(refreshToken);
      forgetSecret(secretSettings(settings));
      throw new TokenExpiredError(`${error.cause.message}; reading secret '${settings.secretName}' again`, { status: error.cause.status });
    }
    throw error instanceof VendorError ? error.cause : error;
  }
  const answer = refreshAnswerSchema.safeParse(parseJsonBody(`POST ${REFRESH_TOKEN_PATH}`, response.body));
  if (!answer.success) throw new MalformedResponseError(`POST ${REFRESH_TOKEN_PATH}: answer has no "token"`);
  const renewed = { token: answer.data.token, refreshToken: answer.data.refresh_token ?? refreshToken };
  memory.latest = { ...renewed, from: refreshToken };
  logger.info('token renewed with the refresh token');
  try {
    await storeSecret(secretSettings(settings), { ...parsed.data, ...renewed });
  } catch (error) {
    logger.error('could not store the renewed tokens in the secret; this container keeps them in memory', {
      error: (error as Error).name,
      reason: (error as Error).message,
    });
  }
  return { jwt: renewed.token, refreshToken: renewed.refreshToken };
}

async function callCrossingMinds(
  args: HandlerArgs<unknown>,
  memory: TokenMemory,
  auth: Auth,
  method: ApiRequest['method'],
  path: string,
  options: { body?: string } = {},
): Promise<ApiResponse> {
  try {
    return await request(args, method, path, { ...options, jwt: auth.jwt });
  } catch (error) {
    if (!(error instanceof VendorError)) throw error;
    const { vendor, cause } = error;
    if (vendor.error_name === VENDOR_ERRORS.jwtExpired) {
      memory.expired.add(auth.jwt);
      forgetSecret(secretSettings(args.settings));
      throw new TokenExpiredError(`${cause.message}; the call is retried with a renewed token`, { status: cause.status });
    }
    if (vendor.error_name === VENDOR_ERRORS.taskAlreadyRunning) throw new TaskAlreadyRunningError(cause.message, { status: cause.status });
    throw cause;
  }
}

/** A failed call whose body was a vendor error: the named error callApi made, plus the body. */
class VendorError extends Error {
  constructor(
    readonly cause: ContinuumError,
    readonly vendor: ErrorBody,
  ) {
    super(cause.message);
  }
}

/** One HTTP call; a non-2xx answer with a vendor error body rejects with VendorError. */
async function request(
  { settings, logger }: HandlerArgs<unknown>,
  method: ApiRequest['method'],
  path: string,
  options: { body?: string; jwt?: string },
): Promise<ApiResponse> {
  const seen: { vendor?: ErrorBody } = {};
  try {
    return await callApi(
      {
        method,
        url: settings.baseUrl + path,
        headers: {
          Accept: 'application/json',
          ...(options.jwt ? { Authorization: `Bearer ${options.jwt}` } : {}),
          ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        },
        body: options.body,
        timeoutMs: settings.httpTimeoutMs,
        errorMessage: (body) => {
          seen.vendor = parseErrorBody(body);
          return seen.vendor ? errorBodyMessage(seen.vendor) : defaultErrorMessage(body);
        },
      },
      logger,
    );
  } catch (error) {
    if (seen.vendor && error instanceof ContinuumError) throw new VendorError(error, seen.vendor);
    throw error;
  }
}

/** True when the token is a JWT whose `exp` claim has passed (opaque tokens: unknown, false). */
export function expiredByClaim(token: string, nowMs = Date.now()): boolean {
  const payload = token.split('.')[1];
  if (!payload) return false;
  try {
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof exp === 'number' && exp - EXPIRY_MARGIN_SECONDS <= nowMs / 1000;
  } catch {
    return false;
  }
}

/** The secret as the middy frame reads it (same name, same endpoint, same cache entry). */
function secretSettings(settings: HandlerSettings): SecretSettings {
  return { secretName: settings.secretName, endpoint: settings.secretsEndpoint };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
