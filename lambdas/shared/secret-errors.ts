/**
 * What a failed secret read means, in words a person can act on. Middy reports any failed fetch
 * as `Error: Failed to resolve internal values` with the SDK errors in `cause.data`; that names
 * neither the secret nor the cause, so the handler maps the SDK error to a named Continuum error
 * whose message names the secret id (never its value) and the region, and says what to do.
 */
import { SecretAccessDeniedError, SecretNotFoundError, SecretReadThrottledError, TransientApiError } from './errors';

/** Which secret was read, and where. */
export interface SecretLocation {
  readonly secretName: string;
  readonly region: string;
}

type SdkError = Error & { $metadata?: { httpStatusCode?: number }; $fault?: string; __type?: string };

const THROTTLING = new Set(['ThrottlingException', 'TooManyRequestsException', 'TooManyRequests', 'RequestLimitExceeded']);

/** The SDK error inside middy's "Failed to resolve internal values", or undefined when `error` is not that. */
export function failedSecretFetch(error: unknown): SdkError | undefined {
  if (!(error instanceof Error) || error.message !== 'Failed to resolve internal values') return undefined;
  const cause = (error as { cause?: { package?: string; data?: unknown[] } }).cause;
  if (cause?.package !== '@middy/util' || !Array.isArray(cause.data)) return undefined;
  const [first] = cause.data;
  return first instanceof Error ? first : new Error(String(first));
}

/** The named error for an SDK error of GetSecretValue on `where`. */
export function secretReadError(sdkError: SdkError, where: SecretLocation): Error {
  const secret = `secret '${where.secretName}' in region ${where.region}`;
  const name = sdkError.name || sdkError.__type || 'Error';
  const status = sdkError.$metadata?.httpStatusCode;
  const said = `Secrets Manager said ${name}: ${sdkError.message}`;
  if (name === 'ResourceNotFoundException') {
    return new SecretNotFoundError(
      `no ${secret}: create it there (aws secretsmanager create-secret --region ${where.region} --name ${where.secretName} --secret-string file://secret.json) ` +
        `or correct the pipeline's secretName; a secret created in another region is not found (${said})`,
      { status, cause: sdkError },
    );
  }
  if (name === 'AccessDeniedException' || name === 'DecryptionFailure' || /kms/i.test(name)) {
    const kms = name === 'DecryptionFailure' || /kms/i.test(`${name} ${sdkError.message}`);
    return new SecretAccessDeniedError(
      kms
        ? `this function may not decrypt ${secret}: the policy of the secret's KMS key must allow the function's role kms:Decrypt ` +
            `(with kms:ViaService secretsmanager.${where.region}.amazonaws.com), or store the secret with the aws/secretsmanager key (${said})`
        : `this function may not read ${secret}: its role needs secretsmanager:GetSecretValue on the secret (the stack grants it for the configured secretName), ` +
            `and the secret's resource policy must not deny it (${said})`,
      { status, cause: sdkError },
    );
  }
  if (THROTTLING.has(name) || status === 429) {
    return new SecretReadThrottledError(`reading ${secret} was throttled; retried by the state machine. Other readers of the account share the quota (${said})`, {
      status,
      cause: sdkError,
    });
  }
  if ((status !== undefined && status >= 500) || sdkError.$fault === 'server' || status === undefined) {
    // No answer (connection refused, DNS, timeout) or a service error: worth another try.
    return new TransientApiError(`reading ${secret} failed: ${said}`, { status, cause: sdkError });
  }
  const other = new Error(`reading ${secret} failed: ${said}`, { cause: sdkError });
  other.name = name;
  return other;
}
