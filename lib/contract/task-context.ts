/**
 * Which run a handler call is for: every Lambda task of a pipeline adds it to its payload (the
 * execution's ARN and the state's name from the context object, the pipeline's name), and the
 * handler frame puts it in the logger's context, so every log line carries `execution`, `state`
 * and `pipeline`: what `continuum logs --execution ARN [--step]` matches (lib/operate/logs.ts).
 */

/** The payload field that holds the TaskContext; the frame takes it out before a handler's own event schema sees the payload. */
export const TASK_CONTEXT_FIELD = 'taskContext';

export interface TaskContext {
  /** The execution's ARN (`$$.Execution.Id`). */
  readonly execution: string;
  /** The state making the call (`$$.State.Name`). */
  readonly state: string;
  readonly pipeline: string;
}

/** The payload without its task context, and the context's string fields (a malformed one adds nothing to the logs). */
export function splitTaskContext(payload: unknown): { readonly event: unknown; readonly context: Partial<TaskContext> } {
  if (!payload || typeof payload !== 'object' || Array.isArray(payload) || !(TASK_CONTEXT_FIELD in payload)) return { event: payload, context: {} };
  const { [TASK_CONTEXT_FIELD]: raw, ...event } = payload as Record<string, unknown>;
  const fields = (raw ?? {}) as Record<string, unknown>;
  const context = Object.fromEntries((['execution', 'state', 'pipeline'] as const).filter((key) => typeof fields[key] === 'string').map((key) => [key, fields[key]]));
  return { event, context };
}
