/**
 * Reading the API secret: middy's secrets-manager middleware fetches it once per cold start
 * (cached five minutes, so a rotation is picked up) and the handler gets it wrapped in a
 * `SecretValue` that prints as `[redacted]`, so it cannot end up in a log line or a result.
 */
import middy from '@middy/core';
import secretsManager from '@middy/secrets-manager';
import { clearCache } from '@middy/util';
import { PutSecretValueCommand, SecretsManagerClient, type SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { BadSecretError } from './errors';
import { failedSecretFetch, secretReadError, type SecretLocation } from './secret-errors';

export class SecretValue {
  readonly #value: unknown;
  constructor(value: unknown) {
    this.#value = value;
  }
  /** The secret itself. Use it only to build a request header. */
  reveal(): unknown {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'SecretValue([redacted])';
  }
}

export interface SecretSettings {
  readonly secretName: string;
  /** Secrets Manager endpoint override (the local runner's stand-in); AWS's endpoint otherwise. */
  readonly endpoint?: string;
}

const FIVE_MINUTES = 5 * 60 * 1000;
/** The region the local stand-in claims to be (its ARNs say us-east-1). */
const LOCAL_REGION = 'us-east-1';

/** Wrap a handler so it receives the secret named in `settings`. */
export function withSecret<TEvent, TResult>(
  settings: SecretSettings,
  handler: (event: TEvent, secret: SecretValue, context: Context) => Promise<TResult>,
): (event: TEvent, context: Context) => Promise<TResult> {
  cacheKeysUsed.add(cacheKey(settings));
  const withValue = middy<TEvent, TResult, Error, Context & { apiSecret?: unknown }>()
    .use(
      secretsManager({
        AwsClient: SecretsManagerClient,
        awsClientOptions: clientOptions(settings),
        fetchData: { apiSecret: settings.secretName },
        setToContext: true,
        cacheKey: cacheKey(settings),
        cacheExpiry: FIVE_MINUTES,
        disablePrefetch: true,
      }),
    )
    .handler(async (event, context) => {
      if (context.apiSecret === undefined || context.apiSecret === null || context.apiSecret === '') {
        throw new BadSecretError(`secret '${settings.secretName}' has no value`);
      }
      return handler(event, new SecretValue(context.apiSecret), context);
    }) as unknown as (event: TEvent, context: Context) => Promise<TResult>;
  const where: SecretLocation = { secretName: settings.secretName, region: regionOf(settings) };
  return async (event, context) => {
    try {
      return await withValue(event, context);
    } catch (error) {
      // Middy's "Failed to resolve internal values" names neither the secret nor the cause.
      const sdkError = failedSecretFetch(error);
      throw sdkError ? secretReadError(sdkError, where) : error;
    }
  };
}

/** The region the secret is read in: the function's own (a secret name is looked up there). */
function regionOf(settings: SecretSettings): string {
  return settings.endpoint ? LOCAL_REGION : (process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'unknown region');
}

/**
 * Drop the cached value, so the next invocation in this container reads the secret again (e.g.
 * after the API said the token in it expired: another function may already have renewed it).
 */
export function forgetSecret(settings: SecretSettings): void {
  clearCache([cacheKey(settings)]);
}

/** Every cache key a handler was built with: middy cannot list its cache, `forgetSecretsFrom` needs them. */
const cacheKeysUsed = new Set<string>();

/**
 * Drop every secret cached from this Secrets Manager endpoint, with its refresh timer. Middy
 * re-reads a cached secret when it expires, on a timer (5 minutes) that also keeps the process
 * alive; after a local session has stopped its stand-in Secrets Manager that re-read fails with
 * ECONNREFUSED as an unhandled rejection, which ends the process. A session calls this on close.
 */
export function forgetSecretsFrom(endpoint: string): void {
  const keys = [...cacheKeysUsed].filter((key) => key.startsWith(`continuum-secret:${endpoint}:`));
  clearCache(keys);
  for (const key of keys) cacheKeysUsed.delete(key);
}

let writer: { endpoint: string | undefined; client: SecretsManagerClient } | undefined;

/**
 * Replace the secret's value (PutSecretValue; the function needs `writesSecret` on its handler
 * ref). Used to keep a rotated credential, such as a refresh token the API replaced, for every
 * other function and cold start. The cached value is dropped so the next read sees the new one.
 */
export async function storeSecret(settings: SecretSettings, value: object): Promise<void> {
  if (!writer || writer.endpoint !== settings.endpoint) writer = { endpoint: settings.endpoint, client: new SecretsManagerClient(clientOptions(settings)) };
  const { client } = writer;
  try {
    await client.send(new PutSecretValueCommand({ SecretId: settings.secretName, SecretString: JSON.stringify(value) }));
  } finally {
    forgetSecret(settings);
  }
}

/** Locally the stand-in Secrets Manager needs no real credentials. */
function clientOptions(settings: SecretSettings): SecretsManagerClientConfig {
  return settings.endpoint
    ? { endpoint: settings.endpoint, region: LOCAL_REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : {};
}

/** One cache entry per secret and endpoint: several pipelines can share a process locally. */
function cacheKey(settings: SecretSettings): string {
  return `continuum-secret:${settings.endpoint ?? 'aws'}:${settings.secretName}`;
}
