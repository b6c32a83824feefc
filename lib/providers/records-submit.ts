/**
 * The submit of a records step (lib/config/records-steps.ts): the configured `records:` as a
 * static payload field, or, in a pipeline whose runs may name the object in their input, as the
 * fallback of `fromInput`. Either way the function is granted what the step may read: the
 * configured object and each s3 trigger's prefix.
 */
import { RECORDS_INPUT_FIELD, readsRecordsFromInput, triggeredObjects } from '../config/records-steps';
import type { Trigger } from '../config/triggers';
import type { FromInput, HandlerCall, HandlerRef, JsonValue } from './job-spec';

export function recordsSubmit(
  pipeline: { readonly steps: ReadonlyArray<{ readonly kind: string; readonly records?: string }>; readonly triggers: readonly Trigger[] },
  handler: HandlerRef,
  payload: Record<string, JsonValue>,
  records: string | undefined,
): { submit: HandlerCall; fromInput?: FromInput } {
  const configured = records?.startsWith('s3://') ? [records] : [];
  if (!readsRecordsFromInput(pipeline)) {
    return { submit: { handler, payload: { ...payload, records: records ?? null }, readsS3: configured } };
  }
  return {
    submit: { handler, payload, readsS3: [...configured, ...triggeredObjects(pipeline.triggers)] },
    fromInput: { inputField: RECORDS_INPUT_FIELD, payloadField: 'records', ...(records !== undefined ? { configured: records } : {}) },
  };
}
