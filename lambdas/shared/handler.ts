/**
 * The frame every Continuum handler shares: environment → settings, the secret via middy,
 * task-input validation, a logger whose every line names the execution, state and pipeline (the
 * payload's task context), one log line per failure, and the next check a step's duration
 * history implies (lambdas/shared/learned-polling.ts). Each handler file only says which single
 * API call it makes and how the answer maps to a result.
 */
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { splitTaskContext } from '../../lib/contract/task-context';
import { handlerSettings, type HandlerEnvironment, type HandlerSettings } from './environment';
import { LEARNED_POLLING_FIELD } from '../../lib/contract/step-durations';
import { parseEvent } from './job-result';
import { learnedPollingRequest, withLearnedPolling } from './learned-polling';
import { Logger } from './logger';
import { withSecret, type SecretValue } from './secret';

export interface HandlerArgs<TEvent> {
  readonly event: TEvent;
  readonly settings: HandlerSettings;
  readonly secret: SecretValue;
  readonly logger: Logger;
}

export type LambdaHandler<TResult> = (event: unknown, context: Context) => Promise<TResult>;

/** A handler factory: `create(env)` builds the handler for one deployed function's settings. */
export function apiHandler<TEvent, TResult>(
  name: string,
  eventSchema: z.ZodType<TEvent>,
  run: (args: HandlerArgs<TEvent>) => Promise<TResult>,
): (env?: HandlerEnvironment) => LambdaHandler<TResult> {
  return (env = process.env) => {
    const settings = handlerSettings(env);
    const base = new Logger({ handler: name });
    return withSecret<unknown, TResult>({ secretName: settings.secretName, endpoint: settings.secretsEndpoint }, async (rawEvent, secret, context) => {
      // The task context (execution, state, pipeline) goes into every log line, not to the handler.
      const { event: payload, context: task } = splitTaskContext(rawEvent);
      const logger = base.child({ requestId: context.awsRequestId, ...task });
      try {
        // A submit or status call of a polled job carries the step's duration history: the frame
        // answers the next check from it (pure arithmetic), so the handler sees only its own fields.
        const { [LEARNED_POLLING_FIELD]: learned, ...own } = (payload ?? {}) as Record<string, unknown>;
        const event = parseEvent(eventSchema, learned === undefined ? payload : own, name);
        const request = learned === undefined ? undefined : parseEvent(learnedPollingRequest, learned, `${name} (${LEARNED_POLLING_FIELD})`);
        const answer = await run({ event, settings, secret, logger });
        const result = request ? (withLearnedPolling(answer, request) as TResult) : answer;
        logger.info('done', { result });
        return result;
      } catch (error) {
        logger.error('failed', { error: (error as Error).name, reason: (error as Error).message });
        throw error;
      }
    });
  };
}

/** The exported Lambda `handler`: built from `process.env` on first use. */
export function lambdaEntry<TResult>(create: (env?: HandlerEnvironment) => LambdaHandler<TResult>): LambdaHandler<TResult> {
  let handler: LambdaHandler<TResult> | undefined;
  return (event, context) => (handler ??= create(process.env))(event, context);
}
