/**
 * The records steps (Tamr Mastering `updateRecords`, Boomi Hub `updateGoldenRecords`) read one
 * object. A run may name it in its input (`records`: what an s3 trigger's run starter sets, or
 * `run --input`); otherwise the step reads its configured `records:`. Only a pipeline with exactly
 * one records step reads the input's object (with two, which one would it feed?), and its
 * `records:` may then be left out when an s3 trigger names the object of its runs.
 */
import type { Trigger } from './triggers';

/** The execution input field that names the object a records step reads. */
export const RECORDS_INPUT_FIELD = 'records';

/** The step kinds that read a records object. */
export const RECORDS_STEP_KINDS: ReadonlySet<string> = new Set(['updateRecords', 'updateGoldenRecords']);

interface StepLike {
  readonly kind: string;
  readonly records?: string;
}

/** Indexes of the pipeline's records steps. */
export function recordsStepIndexes(steps: readonly StepLike[]): number[] {
  return steps.flatMap((step, index) => (RECORDS_STEP_KINDS.has(step.kind) ? [index] : []));
}

/** The pipeline's runs may name the records object in their input: it has exactly one records step. */
export function readsRecordsFromInput(pipeline: { readonly steps: readonly StepLike[] }): boolean {
  return recordsStepIndexes(pipeline.steps).length === 1;
}

/**
 * `s3://bucket/prefix*` for each s3 trigger: the records step is granted s3:GetObject under the
 * prefix only (a `*` at the end of a URI means "keys starting with", lib/constructs/record-inputs.ts).
 */
export function triggeredObjects(triggers: readonly Trigger[]): string[] {
  return triggers.flatMap((trigger) => ('s3' in trigger ? [`s3://${trigger.s3.bucket}/${trigger.s3.prefix}*`] : []));
}

/**
 * Records steps that could never read anything, and s3 triggers whose object no step could read;
 * paths are relative to the pipeline.
 */
export function recordsProblems(pipeline: { readonly steps?: readonly StepLike[]; readonly triggers: readonly Trigger[] }): Array<{ path: Array<string | number>; message: string }> {
  const steps = pipeline.steps ?? [];
  const indexes = recordsStepIndexes(steps);
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  pipeline.triggers.forEach((trigger, i) => {
    if (!('s3' in trigger) || indexes.length === 1) return;
    problems.push({
      path: ['triggers', i, 's3'],
      message:
        indexes.length === 0
          ? 'no step reads the object: an s3 trigger needs one records step (updateRecords, updateGoldenRecords); use an event trigger otherwise'
          : `${indexes.length} records steps: an s3 trigger's object can feed only one; split them over pipelines`,
    });
  });
  for (const index of indexes) {
    if (steps[index].records !== undefined) continue;
    const reason =
      indexes.length > 1
        ? 'required: with several records steps a run\'s input cannot name the object, give a file or an s3:// URI'
        : !pipeline.triggers.some((trigger) => 's3' in trigger)
          ? "required unless the pipeline has an s3 trigger (its runs name the object; an event trigger's runs name none): give a file or an s3:// URI"
          : undefined;
    if (reason) problems.push({ path: ['steps', index, 'records'], message: reason });
  }
  return problems;
}
