/**
 * Event-driven runs: what starts a pipeline besides its schedule, and what a run does when the
 * previous one is still going.
 */
import * as z from 'zod';

const s3Trigger = z
  .object({
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
      .describe('The bucket files land in. It must send events to EventBridge (see the deploy guide).'),
    prefix: z.string().default('').describe('Only keys that start with this, e.g. `tamr/records/`. The records step may read only under it.'),
    suffix: z.string().optional().describe('Only keys that end with this, e.g. `.jsonl`.'),
    create: z
      .boolean()
      .default(false)
      .describe('The stack creates the bucket (encrypted, SSL only, private, versioned, kept when the stack is deleted) with EventBridge notifications on. Leave it out for an existing bucket and turn its notifications on yourself (see docs/triggers.md).'),
  })
  .strict();

const eventTrigger = z
  .object({
    source: z.string().min(1).describe('The event\'s `source`, e.g. `acme.crm-export`.'),
    detailType: z.string().min(1).optional().describe('The event\'s `detail-type`, e.g. `Export Finished`.'),
  })
  .strict();

export const triggerSchema = z.union([
  z.object({ s3: s3Trigger.describe('Start a run for each object created under the prefix, named after the object; the pipeline\'s one records step reads that object instead of its `records:`.') }).strict(),
  z.object({ event: eventTrigger.describe('Start a run for each EventBridge event of this source (and detail type): the event\'s `detail` is the run\'s input.') }).strict(),
]);

export const triggerFields = {
  triggers: z.array(triggerSchema).default([]).describe('Start the pipeline on events, beside or instead of `schedule`: `- s3: {bucket, prefix, suffix, create}` (`create: true`: the stack creates the bucket with EventBridge notifications on) or `- event: {source, detailType}`; see docs/triggers.md.'),
  onOverlap: z
    .enum(['skip', 'queue'])
    .optional()
    .describe('A run that starts while the previous one is still going: `skip` ends it at once (the default with a schedule only) or `queue` runs it after, in arrival order (the default with triggers).'),
  maxQueueMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .optional()
    .describe('With `onOverlap: queue`: how long a run may wait for earlier ones before it fails with `RunQueueTimedOut` (default 60).'),
};

export type Trigger = z.output<typeof triggerSchema>;

/** `onOverlap` as it applies: queue when the pipeline has triggers, unless it says otherwise. */
export function overlapPolicy(pipeline: { readonly triggers: readonly Trigger[]; readonly onOverlap?: 'skip' | 'queue' }): 'skip' | 'queue' {
  return pipeline.onOverlap ?? (pipeline.triggers.length > 0 ? 'queue' : 'skip');
}

/** Queue settings only mean something for a pipeline whose runs queue. */
export function triggerProblems(pipeline: Parameters<typeof overlapPolicy>[0] & { readonly maxQueueMinutes?: number }): Array<{ path: Array<string | number>; message: string }> {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  if (pipeline.maxQueueMinutes !== undefined && overlapPolicy(pipeline) !== 'queue') {
    problems.push({ path: ['maxQueueMinutes'], message: 'applies only to runs that queue: set onOverlap: queue (the default when the pipeline has triggers)' });
  }
  return problems;
}

/** `create: true` on one bucket twice would make two stacks (or one stack twice) create it. */
export function createdBucketProblems(pipelines: ReadonlyArray<{ readonly triggers: readonly Trigger[] }>): Array<{ path: Array<string | number>; message: string }> {
  const first = new Map<string, string>();
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  pipelines.forEach((pipeline, p) =>
    pipeline.triggers.forEach((trigger, i) => {
      if (!('s3' in trigger) || !trigger.s3.create) return;
      const at = `pipelines[${p}].triggers[${i}]`;
      const earlier = first.get(trigger.s3.bucket);
      if (earlier) problems.push({ path: ['pipelines', p, 'triggers', i, 's3', 'create'], message: `bucket '${trigger.s3.bucket}' is already created by ${earlier}; leave create out here` });
      else first.set(trigger.s3.bucket, at);
    }),
  );
  return problems;
}
