/**
 * The settings a deployed handler reads from its Lambda environment. The local runner passes
 * the same variables (taken from the synthesized template) to `createHandler` directly.
 */
import { BadTaskInputError } from './errors';

export interface HandlerEnvironment {
  readonly BASE_URL?: string;
  readonly SECRET_NAME?: string;
  readonly HTTP_TIMEOUT_MS?: string;
  /** Only set locally: where the stand-in Secrets Manager listens. */
  readonly SECRETS_MANAGER_ENDPOINT?: string;
  /** Only set locally: JSON `{ "s3://bucket/key": "/local/file" }`, the records files deployed as assets. */
  readonly LOCAL_OBJECTS?: string;
  readonly [name: string]: string | undefined;
}

export interface HandlerSettings {
  readonly baseUrl: string;
  readonly secretName: string;
  readonly httpTimeoutMs: number;
  readonly secretsEndpoint?: string;
  /** Local runs: the file to read instead of an `s3://` object (see LOCAL_OBJECTS). */
  readonly localObjects: Readonly<Record<string, string>>;
}

export function handlerSettings(env: HandlerEnvironment): HandlerSettings {
  const missing = (['BASE_URL', 'SECRET_NAME'] as const).filter((name) => !env[name]);
  if (missing.length > 0) throw new BadTaskInputError(`handler environment lacks ${missing.join(', ')}`);
  const timeout = Number(env.HTTP_TIMEOUT_MS ?? 20_000);
  return {
    baseUrl: env.BASE_URL!.replace(/\/+$/, ''),
    secretName: env.SECRET_NAME!,
    httpTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 20_000,
    secretsEndpoint: env.SECRETS_MANAGER_ENDPOINT || undefined,
    localObjects: env.LOCAL_OBJECTS ? (JSON.parse(env.LOCAL_OBJECTS) as Record<string, string>) : {},
  };
}
