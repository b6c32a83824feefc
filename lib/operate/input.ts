/**
 * What a pipeline's execution input may hold, declared by its steps: each `runIf` flag (e.g.
 * Tamr Mastering's `mlConfigurationChanged`), `fromStep` (the step to start at), and the fields a
 * schedule adds (`trigger` and the config's `schedule.input`), and `records` for a pipeline whose records
 * step reads the object a run names. A misspelled field would otherwise be
 * ignored silently (the recipe step skipped, the run SUCCEEDED), so `start` and `run --input` refuse
 * unknown fields, with the closest known name.
 */
import * as z from 'zod';
import type { PipelineConfig } from '../config/schema';
import { RECORDS_INPUT_FIELD, readsRecordsFromInput } from '../config/records-steps';
import { jobsOf } from '../providers';
import { closest } from '../text/suggest';

export function inputSchema(pipeline: PipelineConfig) {
  const jobs = jobsOf(pipeline);
  const flags = Object.fromEntries(
    jobs.flatMap((job) => (job.runIf ? [[job.runIf.inputFlag, z.boolean().optional().describe(`Runs '${job.title}' when true.`)]] : [])),
  );
  // One schema for every schedule.input field: its JSON Schema is then one definition, not one per field.
  const setBySchedule = z.json().optional().describe('Set by the schedule (schedule.input).');
  const scheduled = Object.fromEntries(Object.keys(pipeline.schedule?.input ?? {}).map((key) => [key, setBySchedule]));
  const titles = jobs.map((job) => job.title) as [string, ...string[]];
  // The records step reads the object a run names (lib/config/records-steps.ts); an s3 trigger's
  // run starter adds the object's etag or version, which a rerun by hand may carry along.
  const records = readsRecordsFromInput(pipeline)
    ? { [RECORDS_INPUT_FIELD]: z.string().min(1).optional().describe('The object the records step reads instead of its `records:`: `s3://bucket/key`, or a local file in local runs.') }
    : {};
  const s3Object = pipeline.triggers.some((trigger) => 's3' in trigger)
    ? { etag: z.string().optional().describe('Set by an s3 trigger: the object\'s ETag.'), versionId: z.string().optional().describe('Set by an s3 trigger: the object\'s version.') }
    : {};
  return z
    .object({
      ...scheduled,
      ...flags,
      ...records,
      ...s3Object,
      fromStep: z.enum(titles).optional().describe('Start the run at this step: the steps before it are skipped.'),
      trigger: z.string().optional().describe('What started the run (`schedule`, `manual`, …).'),
    })
    .strict();
}

/** The input schema as JSON Schema (README, stack output). */
export function inputJsonSchema(pipeline: PipelineConfig): Record<string, unknown> {
  return z.toJSONSchema(inputSchema(pipeline)) as Record<string, unknown>;
}

/** Problems with an execution input, each `field: reason`; empty when it is valid. */
export function inputProblems(pipeline: PipelineConfig, input: unknown): string[] {
  const schema = inputSchema(pipeline);
  const result = schema.safeParse(input);
  if (result.success) return [];
  const known = Object.keys(schema.shape);
  return result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const near = closest(key, known);
        return `${key}: unknown input field${near ? `; did you mean '${near}'?` : ''} (fields: ${known.join(', ')})`;
      });
    }
    const where = issue.path.map(String).join('.') || 'input';
    if (issue.code === 'invalid_value') return [`${where}: must be one of ${issue.values.map((v) => `'${String(v)}'`).join(', ')}`];
    return [`${where}: ${issue.message}`];
  });
}
