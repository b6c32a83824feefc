/**
 * A local stand-in for AWS Secrets Manager's `GetSecretValue` (the awsJson1_1 protocol), so
 * handlers run locally with their real SDK client and middy middleware, reading the values of
 * the `--secrets` file instead of an AWS account. `PutSecretValue` replaces a value in memory
 * (handlers that keep a rotated credential); the file is never written.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class LocalSecretsManager {
  private server?: Server;
  private endpoint?: string;
  /** How many GetSecretValue calls were answered (the middy cache keeps this low). */
  reads = 0;
  /** How many PutSecretValue calls were answered. */
  writes = 0;
  private readonly secrets: Record<string, unknown>;

  constructor(secrets: Readonly<Record<string, unknown>>) {
    this.secrets = { ...secrets };
  }

  /** A secret's current value (as given, or as a handler last put it: then a JSON string). */
  value(name: string): unknown {
    return this.secrets[name];
  }

  async start(): Promise<string> {
    if (this.endpoint) return this.endpoint;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const target = String(req.headers['x-amz-target'] ?? '');
        const reply = (status: number, body: object) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify(body));
        };
        const operation = target.replace(/^secretsmanager\./, '');
        if (operation !== 'GetSecretValue' && operation !== 'PutSecretValue') {
          return reply(400, { __type: 'InvalidRequestException', message: `unsupported operation ${target}` });
        }
        let request: { SecretId?: string; SecretString?: unknown };
        try {
          request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof request;
        } catch {
          return reply(400, { __type: 'InvalidRequestException', message: 'body is not JSON' });
        }
        const secretId = request.SecretId;
        if (!secretId || !(secretId in this.secrets)) {
          // Word for word what Secrets Manager answers, so local and deployed runs fail the same way.
          return reply(400, { __type: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." });
        }
        const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${secretId}-AbCdEf`;
        if (operation === 'PutSecretValue') {
          if (typeof request.SecretString !== 'string') return reply(400, { __type: 'InvalidParameterException', message: 'SecretString is required' });
          this.writes += 1;
          this.secrets[secretId] = request.SecretString;
          return reply(200, { ARN: arn, Name: secretId, VersionId: `local-${this.writes}`, VersionStages: ['AWSCURRENT'] });
        }
        this.reads += 1;
        const value = this.secrets[secretId];
        reply(200, {
          ARN: arn,
          Name: secretId,
          SecretString: typeof value === 'string' ? value : JSON.stringify(value),
          VersionId: 'local',
          VersionStages: ['AWSCURRENT'],
          CreatedDate: 0,
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.endpoint;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.endpoint = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
