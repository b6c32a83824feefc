/**
 * Handler test support shared by every system: the error a handler call rejects with, and the
 * lines the handlers log.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { setLogSink, type LogSink } from '../../lambdas/shared/logger';

/** A handler error as the state machine sees it: a name, a message, sometimes a status. */
export type HandlerError = Error & { status?: number; retryAfterSeconds?: number };

/** The error a handler call rejects with; fails the test when it resolves. */
export async function failure(call: Promise<unknown>): Promise<HandlerError> {
  const outcome = await call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ('value' in outcome) throw new Error(`expected the handler to fail, it returned ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(Error);
  return outcome.error as HandlerError;
}

/**
 * Every line the handlers log during each test of the calling file: the structured logger's sink
 * points at the returned array (emptied before each test) and is restored after it.
 */
export function captureHandlerLogs(): string[] {
  const lines: string[] = [];
  let previous: LogSink;
  beforeEach(() => {
    lines.length = 0;
    previous = setLogSink((line) => lines.push(line));
  });
  afterEach(() => {
    setLogSink(previous);
  });
  return lines;
}
