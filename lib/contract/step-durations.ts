/**
 * The step-durations table (lib/constructs/step-durations.ts): one item per pipeline step (per
 * item of a fan-out step), holding the step's last successful durations as a JSON list of seconds.
 * The state machine reads and writes it (direct DynamoDB integration); the submit and status
 * handlers get the item as read and parse it (lambdas/shared/learned-polling.ts).
 */
export const STEP_DURATIONS_KEY = 'step';
/** A string attribute: `[570,590,...]`, oldest first. */
export const STEP_DURATIONS_ATTRIBUTE = 'durations';
/** The payload field of a submit or status call that carries the history and the schedule's bounds. */
export const LEARNED_POLLING_FIELD = 'learnedPolling';
/**
 * At most this many checks inside a history's window, whatever its width (a wide history spaces
 * them out): with the first check, the most a history adds to the schedule's checks (the history
 * budget counts them).
 */
export const MAX_WINDOW_CHECKS = 24;
