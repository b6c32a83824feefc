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

/** Wrap a handler so it receives the secret named in `settings`. */
export function withSecret<TEvent, TResult>(
  settings: SecretSettings,
  handler: (event: TEvent, secret: SecretValue, context: Context) => Promise<TResult>,
): (event: TEvent, context: Context) => Promise<TResult> {
  return middy<TEvent, TResult, Error, Context & { apiSecret?: unknown }>()
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
}

/**
 * Drop the cached value, so the next invocation in this container reads the secret again (e.g.
 * after the API said the token in it expired: another function may already have renewed it).
 */
export function forgetSecret(settings: SecretSettings): void {
  clearCache([cacheKey(settings)]);
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
    ? { endpoint: settings.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
    : {};
}

/** One cache entry per secret and endpoint: several pipelines can share a process locally. */
function cacheKey(settings: SecretSettings): string {
  return `continuum-secret:${settings.endpoint ?? 'aws'}:${settings.secretName}`;
}
