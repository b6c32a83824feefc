/**
 * The Lambda functions of a stack, shared by every pipeline that talks to the same API.
 *
 * A function is one handler bound to one *connection*: system, base URL, secret and HTTP
 * timeout (its environment). Pipelines with the same connection (one per data product against
 * one tenant, say) share it, so a stack of 100 pipelines against one tenant has one function per
 * handler, not 100; and every function still reads exactly one secret.
 */
import { createHash } from 'node:crypto';
import { Duration, RemovalPolicy, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, type CfnFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { PipelineConfig } from '../config/schema';
import { baseUrlOf } from '../providers';
import type { HandlerCall, HandlerRef } from '../providers/job-spec';
import { pascal } from './names';
import { s3ObjectArn } from './record-inputs';

/** Template metadata key naming the handler module of a function (read by the local runner). */
export const HANDLER_METADATA = 'continuum:handler';

/** How every function is bundled (the bench builds its CommonJS comparison from the same settings). */
export const HANDLER_BUNDLING = {
  minify: true,
  sourceMap: true,
  target: 'node24',
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  // ESM bundles of CommonJS dependencies still call require().
  banner: "import { createRequire as __continuumCreateRequire } from 'node:module';const require = __continuumCreateRequire(import.meta.url);",
  // The Lambda runtime provides the AWS SDK v3 clients.
  externalModules: ['@aws-sdk/*'],
} as const satisfies BundlingOptions;

/** What a function's environment is made of. */
export interface Connection {
  readonly system: string;
  readonly baseUrl: string;
  readonly secretName: string;
  readonly httpTimeoutSeconds: number;
}

export function connectionOf(pipeline: PipelineConfig): Connection {
  return { system: pipeline.system, baseUrl: baseUrlOf(pipeline), secretName: pipeline.secretName, httpTimeoutSeconds: pipeline.http.timeoutSeconds };
}

/** 8 hex digits naming a connection, stable while it is. */
function connectionDigest(connection: Connection): string {
  return createHash('sha256').update(JSON.stringify([connection.baseUrl, connection.secretName, connection.httpTimeoutSeconds])).digest('hex').slice(0, 8);
}

/** Seconds a handler's Lambda may run: the HTTP timeout plus headroom, 15 minutes for streaming. */
export function lambdaTimeoutFor(handler: HandlerRef, httpTimeoutSeconds: number): Duration {
  return handler.longRunning ? Duration.minutes(15) : Duration.seconds(Math.min(900, httpTimeoutSeconds + 10));
}

export class HandlerFunctions extends Construct {
  private readonly functions = new Map<string, NodejsFunction>();
  private readonly connections = new Map<string, Construct>();
  private readonly secrets = new Map<string, ISecret>();
  /** Each function's s3:GetObject statement, grown by every object one of its calls reads. */
  private readonly s3Reads = new Map<NodejsFunction, iam.PolicyStatement>();

  /** The function running `call.handler` for `pipeline`'s connection, granted what the call reads. */
  functionFor(pipeline: PipelineConfig, call: HandlerCall): IFunction {
    const connection = connectionOf(pipeline);
    const scope = this.connectionScope(connection);
    const key = `${scope.node.id}/${call.handler.id}`;
    let fn = this.functions.get(key);
    if (!fn) {
      fn = this.create(scope, call.handler, connection);
      const secret = this.secretOf(connection.secretName);
      secret.grantRead(fn);
      // Handlers that renew credentials (rotating refresh tokens) store the new value: a new
      // secret version only, nothing else (grantWrite would also allow UpdateSecret).
      if (call.handler.writesSecret) {
        // A secret imported by name has a partial ARN: real ARNs end in '-' and 6 random characters.
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['secretsmanager:PutSecretValue'], resources: [`${secret.secretArn}-??????`] }));
      }
      this.functions.set(key, fn);
    }
    for (const uri of call.readsS3 ?? []) this.grantReadS3Object(fn, uri);
    return fn;
  }

  /** One construct per connection: `TamrMastering3f9a1c2b`, stable while the connection is. */
  private connectionScope(connection: Connection): Construct {
    const id = `${pascal(connection.system)}${connectionDigest(connection)}`;
    let scope = this.connections.get(id);
    if (!scope) {
      scope = new Construct(this, id);
      this.connections.set(id, scope);
    }
    return scope;
  }

  private secretOf(name: string): ISecret {
    let secret = this.secrets.get(name);
    if (!secret) {
      secret = Secret.fromSecretNameV2(this, `Secret${pascal(name)}`, name);
      this.secrets.set(name, secret);
    }
    return secret;
  }

  private create(scope: Construct, handler: HandlerRef, connection: Connection): NodejsFunction {
    const id = pascal(handler.id.split('/').pop()!);
    const timeout = lambdaTimeoutFor(handler, connection.httpTimeoutSeconds);
    const fn = bundledFunction(scope, id, {
      description: `Continuum ${handler.id} for ${connection.baseUrl} (secret ${connection.secretName})`,
      // By handler, then connection: `/continuum/<stack>/tamr-mastering/submit-refresh-3f9a1c2b`.
      logGroupName: `${handler.id}-${connectionDigest(connection)}`,
      entry: handler.entry,
      timeout,
      environment: {
        BASE_URL: connection.baseUrl,
        SECRET_NAME: connection.secretName,
        HTTP_TIMEOUT_MS: String(handler.longRunning ? timeout.toMilliseconds() - 30_000 : connection.httpTimeoutSeconds * 1000),
      },
    });
    (fn.node.defaultChild as CfnFunction).addMetadata(HANDLER_METADATA, handler.id);
    return fn;
  }

  /**
   * s3:GetObject on exactly the object (or `<prefix>*`) a call reads: a function shared by
   * several pipelines' steps is granted each of their objects, in one statement. No List* or
   * GetBucket* (bucket.grantRead would add both, and cdk-nag rejects them).
   */
  private grantReadS3Object(fn: NodejsFunction, uri: string): void {
    const arn = s3ObjectArn(fn, uri);
    if (!arn) throw new Error(`${fn.node.path}: '${uri}' is not an s3:// URI (local records files are deployed as assets first: RecordInputs)`);
    let statement = this.s3Reads.get(fn);
    if (!statement) {
      statement = new iam.PolicyStatement({ actions: ['s3:GetObject'] });
      fn.addToRolePolicy(statement);
      this.s3Reads.set(fn, statement);
    }
    if (!statement.resources.includes(arn)) statement.addResources(arn);
    const keys = /^s3:\/\/([^/]+)\/(.*[/*])$/.exec(uri);
    if (keys && fn.role) {
      const pattern = `${keys[1]}/${keys[2].endsWith('/') ? `${keys[2]}*` : keys[2]}`;
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${pattern}]`,
        reason: 'Objects under one prefix (an s3 trigger\'s, or a records: URI ending in /): the keys are the files that land there, unknown at deploy time; GetObject only.',
      });
    }
  }

}

export interface BundledFunctionProps {
  readonly description: string;
  /**
   * What the function's log group is named after, under `/continuum/<stack>/` (the prefix
   * `continuum logs` searches, lib/operate/logs.ts).
   * @default the function's construct path in the stack, e.g. `ExecutionCleanup/StopUnfinishedJobs`
   */
  readonly logGroupName?: string;
  /** The handler's TypeScript entry file. */
  readonly entry: string;
  readonly timeout: Duration;
  readonly environment?: Record<string, string>;
}

/** Where every log group of a stack's functions is: `/continuum/<stack>/`. */
export const functionLogGroupPrefix = (stackName: string): string => `/continuum/${stackName}/`;

/**
 * Every Continuum Lambda: Node 24 on arm64, bundled locally by esbuild (minified ESM with a
 * source map, the AWS SDK taken from the runtime), logs kept a month in a log group named
 * predictably (`/continuum/<stack>/…`), so its lines are found without looking up the function.
 */
export function bundledFunction(scope: Construct, id: string, props: BundledFunctionProps): NodejsFunction {
  const stack = Stack.of(scope);
  const path = props.logGroupName ?? [...scope.node.scopes.slice(scope.node.scopes.indexOf(stack) + 1).map((s) => s.node.id), id].join('/');
  const logGroup = new LogGroup(scope, `${id}Logs`, {
    logGroupName: `${functionLogGroupPrefix(stack.stackName)}${path}`,
    retention: RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  // An explicit role that may write only to its own log group (AWSLambdaBasicExecutionRole would
  // allow creating and writing any log group).
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Continuum: ${props.description}`.slice(0, 1000),
  });
  logGroup.grant(role, 'logs:CreateLogStream', 'logs:PutLogEvents');
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(logGroup.node.defaultChild as CfnElement)}.Arn>:*]`,
    reason: "Log streams are created at run time; ':*' covers only the streams of the function's own log group.",
  });
  return new NodejsFunction(scope, id, {
    role,
    description: props.description.slice(0, 256),
    entry: props.entry,
    handler: 'handler',
    runtime: Runtime.NODEJS_24_X,
    architecture: Architecture.ARM_64,
    memorySize: 256,
    timeout: props.timeout,
    environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
    logGroup,
    bundling: HANDLER_BUNDLING,
  });
}
