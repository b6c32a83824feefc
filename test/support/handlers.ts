/**
 * Handler test support shared by every system: the error a handler call rejects with.
 */
import { expect } from 'vitest';

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
