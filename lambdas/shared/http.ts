/**
 * The single HTTP call a handler makes: Node's fetch with a timeout, and every non-2xx answer
 * or network failure turned into a named error the state machine knows how to handle.
 */
import {
  ApiRejectedError,
  ContinuumError,
  AuthError,
  MalformedResponseError,
  NotFoundError,
  RateLimitedError,
  TransientApiError,
} from './errors';
import type { Logger } from './logger';
import * as z from 'zod';

export interface ApiRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** A string or a stream (streams are sent without buffering the whole body). */
  readonly body?: string | ReadableStream<Uint8Array>;
  readonly timeoutMs: number;
  /** Extracts the server's own error message from an error body (JSON, XML, HTML, text). */
  readonly errorMessage?: (body: string) => string | undefined;
  /**
   * What to fix when the API answers 401 or 403 (retrying cannot): appended in parentheses to the
   * AuthError's message. Never the credential itself.
   */
  readonly authHint?: (status: number) => string | undefined;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

const MAX_MESSAGE = 1000;

export async function callApi(request: ApiRequest, logger?: Logger): Promise<ApiResponse> {
  const { method, url, headers, body, timeoutMs } = request;
  const target = new URL(url);
  const where = `${method} ${target.pathname}`;
  const started = Date.now();
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(timeoutMs),
      ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    text = await response.text();
  } catch (error) {
    const reason = describeFetchFailure(error, timeoutMs, target);
    logger?.warn('API call failed', { call: where, reason, ms: Date.now() - started });
    // A request body stream that failed (e.g. a bad records line) is our input's fault, not the API's.
    const cause = (error as { cause?: unknown }).cause;
    if (error instanceof ContinuumError) throw error;
    if (cause instanceof ContinuumError) throw cause;
    throw new TransientApiError(`${where}: ${reason}`, { cause: error });
  }
  logger?.info('API call', { call: where, status: response.status, ms: Date.now() - started });
  if (response.ok) return { status: response.status, headers: response.headers, body: text };
  throw errorForStatus(where, response, text, request);
}

function errorForStatus(where: string, response: Response, body: string, request: Pick<ApiRequest, 'errorMessage' | 'authHint'>): Error {
  const extract = request.errorMessage ?? defaultErrorMessage;
  const status = response.status;
  const serverMessage = cut(extract(body) ?? (body.trim() || response.statusText));
  const message = `${where} answered ${status}: ${serverMessage}`;
  if (status === 429) {
    const retryAfter = Number(response.headers.get('retry-after'));
    return new RateLimitedError(message, { status, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined });
  }
  if (status === 401 || status === 403) {
    const hint = request.authHint?.(status);
    return new AuthError(hint ? `${message} (${hint})` : message, { status });
  }
  if (status === 404) return new NotFoundError(message, { status });
  if (status >= 500 || status === 408) return new TransientApiError(message, { status });
  return new ApiRejectedError(message, { status });
}

/** JSON `message`/`error`, XML `<message>` elements, or the text of an HTML page. */
/**
 * For APIs whose error bodies are JSON with a `message` (Tamr's `{status, class, message}`, Tamr
 * Cloud's `{code, message, details}`): that message; anything else (plain text, a proxy's HTML
 * page) as `defaultErrorMessage` reads it.
 */
export function jsonMessageOrDefault(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { message?: unknown } | null;
    if (typeof json?.message === 'string' && json.message.trim()) return json.message;
  } catch {
    // not JSON
  }
  return defaultErrorMessage(body);
}

export function defaultErrorMessage(body: string): string | undefined {
  const trimmed = body.trim();
  if (!trimmed) return undefined;
  try {
    const json = JSON.parse(trimmed) as Record<string, unknown>;
    const parts = [json.error_name ?? json.error ?? json.reason, json.message ?? json.detail].filter((p) => typeof p === 'string');
    if (parts.length > 0) return parts.join(': ');
  } catch {
    // not JSON
  }
  const xmlMessages = [...trimmed.matchAll(/<message>([\s\S]*?)<\/message>/g)].map((m) => m[1].trim());
  if (xmlMessages.length > 0) return xmlMessages.join(' ');
  if (/^<(!doctype|html|body)/i.test(trimmed)) {
    const pre = /<pre>([\s\S]*?)<\/pre>/i.exec(trimmed)?.[1];
    const title = /<title>([\s\S]*?)<\/title>/i.exec(trimmed)?.[1] ?? /<h[12]>([\s\S]*?)<\/h[12]>/i.exec(trimmed)?.[1];
    return [title, pre].filter(Boolean).join(': ').replace(/\s+/g, ' ').trim() || 'HTML error page';
  }
  return trimmed;
}

/** Parse a JSON body, or fail the step with MalformedResponse naming the call. */
export function parseJsonBody(where: string, body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new MalformedResponseError(`${where}: answer is not valid JSON: ${cut(body, 200)}`);
  }
}

/** A JSON answer checked against `schema`, or MalformedResponse: `<where>: <what>: <what is wrong>`. */
export function parseJsonAs<T extends z.ZodType>(where: string, body: string, schema: T, what: string): z.output<T> {
  const parsed = schema.safeParse(parseJsonBody(where, body));
  if (!parsed.success) throw new MalformedResponseError(`${where}: ${what}: ${schemaProblems(parsed.error)}`);
  return parsed.data;
}

/** What a schema found wrong with an answer, on one line (for a MalformedResponse message). */
export function schemaProblems(error: z.ZodError): string {
  return z.prettifyError(error).replace(/\n/g, ' ');
}

/** An id as one URL path segment (`/` and `?` in an id must not change the path). */
export const enc = (id: string): string => encodeURIComponent(id);

export function cut(text: string, max = MAX_MESSAGE): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [cut ${text.length - max} characters]`;
}

/**
 * Why no answer came, naming where the request went (`connection refused by 127.0.0.1:41234`,
 * `DNS lookup failed for my-tenant.tamr.cloud`): a wrong --base-url or tenant is then obvious.
 * Only the host and port: the path is in the message already, the query may hold a secret.
 */
export function describeFetchFailure(error: unknown, timeoutMs: number, url: URL): string {
  const err = error as Error & { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } };
  const hostPort = `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer from ${hostPort} within ${timeoutMs / 1000} s`;
  const code = err.cause?.code ?? err.cause?.errors?.find((e) => e.code)?.code;
  switch (code) {
    case undefined:
      return err.cause?.message ?? err.message;
    case 'ECONNREFUSED':
      return `connection refused by ${hostPort} (${code})`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `DNS lookup failed for ${url.hostname} (${code})`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return `connection reset by ${hostPort} (${code})`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `no answer from ${hostPort} within the connect timeout (${code})`;
    default:
      return `connection to ${hostPort} failed (${code})`;
  }
}
