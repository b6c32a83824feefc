/**
 * Named errors thrown by Continuum's Lambda handlers.
 *
 * Step Functions matches Retry/Catch rules on the error's `name`, so each name here is part of
 * the contract between handlers and the state machine: renaming one is a breaking change.
 */

import { errorName } from '../../lib/contract/errors';

/** Base class: every error a handler throws on purpose is one of these. */
export abstract class ContinuumError extends Error {
  abstract override readonly name: string;
  /** HTTP status that caused the error, when there was one. */
  readonly status?: number;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
  }
}

/** 429: the API asked us to slow down. Retried by the state machine with backoff. */
export class RateLimitedError extends ContinuumError {
  readonly name = errorName('RateLimited');
  /** Seconds the server asked us to wait (Retry-After), when it said. */
  readonly retryAfterSeconds?: number;
  constructor(message: string, options: { status?: number; retryAfterSeconds?: number } = {}) {
    super(message, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** 5xx, connection reset/refused, or no answer within the HTTP timeout. Retried. */
export class TransientApiError extends ContinuumError {
  readonly name = errorName('TransientApiError');
}

/** 400/409/422…: the API refused the request. Retrying will not help. */
export class ApiRejectedError extends ContinuumError {
  readonly name = errorName('ApiRejected');
}

/** 404: the job, project, dataset or universe does not exist. */
export class NotFoundError extends ContinuumError {
  readonly name = errorName('NotFound');
}

/** 401/403: the credentials in the secret are wrong, expired or lack a privilege. */
export class AuthError extends ContinuumError {
  readonly name = errorName('AuthFailed');
}

/** The API answered 2xx but the body is not what its contract says. */
export class MalformedResponseError extends ContinuumError {
  readonly name = errorName('MalformedResponse');
}

/** The secret exists but does not hold what this system needs (fields missing, not JSON…). */
export class BadSecretError extends ContinuumError {
  readonly name = errorName('BadSecret');
}

/**
 * Secrets Manager has no secret of that name in the function's region (ResourceNotFoundException):
 * not created yet, misspelled in `secretName`, or created in another region. Not retried.
 */
export class SecretNotFoundError extends ContinuumError {
  readonly name = errorName('SecretNotFound');
}

/**
 * The function may not read the secret (AccessDeniedException), or may not decrypt it with the
 * secret's KMS key. Not retried: a permission does not appear by waiting.
 */
export class SecretAccessDeniedError extends ContinuumError {
  readonly name = errorName('SecretAccessDenied');
}

/**
 * Secrets Manager throttled the read (ThrottlingException, TooManyRequests). Transient: it keeps
 * the name the state machine already retries (`TransientApiError`), so a busy account waits.
 */
export class SecretReadThrottledError extends TransientApiError {}

/**
 * The API said the access token (e.g. a JWT) has expired. The handler has already dropped it
 * from its caches, so one retry of the same call starts with a fresh token: the state machine
 * retries this error a couple of times without delay instead of failing the step.
 */
export class TokenExpiredError extends ContinuumError {
  readonly name = errorName('TokenExpired');
}

/** The task input did not match what the handler expects (a synth/ASL bug, never user data). */
export class BadTaskInputError extends ContinuumError {
  readonly name = errorName('BadTaskInput');
}

/** Error names the state machine retries (derived from the registry, lib/contract/errors.ts). */
export { RETRYABLE_ERRORS } from '../../lib/contract/errors';
