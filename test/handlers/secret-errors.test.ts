/**
 * A secret that cannot be read fails the handler with a named error naming the secret and the
 * region, never middy's "Failed to resolve internal values". A missing secret is answered by the
 * local Secrets Manager stand-in over HTTP (the answer AWS gives); access denied, KMS decrypt
 * denied and throttling have no local server that answers them, so those cases mock the Secrets
 * Manager SDK client (aws-sdk-client-mock) to reject GetSecretValue with AWS's error.
 */
import { GetSecretValueCommand, SecretsManagerClient, SecretsManagerServiceException } from '@aws-sdk/client-secrets-manager';
import { clearCache } from '@middy/util';
import type { Context } from 'aws-lambda';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalSecretsManager } from '../../lib/local/secrets-server';
import { RETRYABLE_ERRORS } from '../../lambdas/shared/errors';
import { createHandler as createGetJob } from '../../lambdas/tamr-cloud/get-job';
import { failure } from '../support/handlers';

const SECRET_NAME = 'continuum/tamr-cloud-prod';
const VALUE = 'apk_never_shown_value';
const context = { awsRequestId: 'test' } as Context;
// Never reached: the secret is read before any API call.
const BASE_URL = 'http://127.0.0.1:9/api/v1beta1';
const getJob = (env: Record<string, string>) => createGetJob({ BASE_URL, SECRET_NAME, ...env })({ kind: 'load', jobId: 'job_1' }, context);

afterEach(() => clearCache());

describe('a secret that does not exist (local Secrets Manager stand-in, over HTTP)', () => {
  const server = new LocalSecretsManager({ 'continuum/other-secret': { apiKey: VALUE } });
  let endpoint: string;
  beforeAll(async () => {
    endpoint = await server.start();
  });
  afterAll(() => server.stop());

  it('is answered as Secrets Manager answers it: 400 ResourceNotFoundException', async () => {
    const answer = await fetch(endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'secretsmanager.GetSecretValue', 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({ SecretId: SECRET_NAME }),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." });
  });

  it('fails the handler with SecretNotFound naming the secret and the region, and saying what to do', async () => {
    const error = await failure(getJob({ SECRETS_MANAGER_ENDPOINT: endpoint }));
    expect(error.name).toBe('SecretNotFound');
    expect(error.message).toContain(`secret '${SECRET_NAME}' in region us-east-1`);
    expect(error.message).toContain('aws secretsmanager create-secret');
    expect(error.message).toContain("Secrets Manager can't find the specified secret.");
    expect(error.message).not.toContain('Failed to resolve internal values');
  });
});

describe('errors no local server answers (Secrets Manager SDK client mocked)', () => {
  let secretsManager: AwsClientStub<SecretsManagerClient>;
  beforeAll(() => {
    secretsManager = mockClient(SecretsManagerClient);
  });
  afterAll(() => secretsManager.restore());
  afterEach(() => {
    secretsManager.reset();
    vi.unstubAllEnvs();
  });

  const rejectWith = (name: string, message: string, status: number) =>
    secretsManager.on(GetSecretValueCommand).rejects(new SecretsManagerServiceException({ name, message, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } }));

  it.each([
    {
      sdk: 'AccessDeniedException',
      message: `User: arn:aws:sts::123456789012:assumed-role/get-job/x is not authorized to perform: secretsmanager:GetSecretValue on resource: ${SECRET_NAME}`,
      status: 400,
      error: 'SecretAccessDenied',
      says: 'secretsmanager:GetSecretValue',
    },
    {
      sdk: 'AccessDeniedException',
      message: 'Access to KMS is not allowed',
      status: 400,
      error: 'SecretAccessDenied',
      says: 'kms:Decrypt',
    },
    {
      sdk: 'DecryptionFailure',
      message: "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
      status: 400,
      error: 'SecretAccessDenied',
      says: 'kms:Decrypt',
    },
    { sdk: 'ThrottlingException', message: 'Rate exceeded', status: 400, error: 'TransientApiError', says: 'throttled' },
    { sdk: 'TooManyRequestsException', message: 'Too Many Requests', status: 429, error: 'TransientApiError', says: 'throttled' },
  ])('$sdk ($message) fails with $error naming the secret and the region', async ({ sdk, message, status, error: name, says }) => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    rejectWith(sdk, message, status);
    const error = await failure(getJob({}));
    expect(error.name).toBe(name);
    expect(error.message).toContain(`secret '${SECRET_NAME}' in region eu-west-1`);
    expect(error.message).toContain(says);
    expect(error.message).not.toContain(VALUE);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0].args[0].input).toEqual({ SecretId: SECRET_NAME });
  });

  it('a throttled read is an error the state machine retries', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    rejectWith('ThrottlingException', 'Rate exceeded', 400);
    const error = await failure(getJob({}));
    expect(RETRYABLE_ERRORS.transient as readonly string[]).toContain(error.name);
  });

  it('reads the secret again on the next call after a failed read', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    rejectWith('AccessDeniedException', 'denied', 400);
    await failure(getJob({}));
    await failure(getJob({}));
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});
