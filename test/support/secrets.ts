/**
 * Handler tests talk to real simulators over HTTP; only the Secrets Manager SDK client is mocked.
 * `useSecret` (re)points the mock at a new secret value and drops middy's secret cache, so the
 * next handler call fetches it again.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCache } from '@middy/util';
import { mockClient } from 'aws-sdk-client-mock';

export const secretsManager = mockClient(SecretsManagerClient);

/** The value of the mocked secret: an object is stored as JSON, a string as is. */
export function useSecret(value: object | string): void {
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand).resolves({ SecretString: typeof value === 'string' ? value : JSON.stringify(value) });
  clearCache();
}

/** How many times a handler asked Secrets Manager for a secret since the last `useSecret`. */
export function secretFetches(): number {
  return secretsManager.commandCalls(GetSecretValueCommand).length;
}
