/**
 * `system: tamr-cloud` pipelines: the seed's end-to-end data pipeline run through the Jobs API
 * (refresh sources → update data product → update the RealTime workflow → publish).
 */
import { z } from 'zod';
import { basePipelineShape, stepDisplayShape } from '../../config/common';
import { kindUnion } from '../../config/kind-union';

/** Tamr Cloud ids are strings (`src_…`, `dp_…`); a publish destination id may be a name with spaces. */
const cloudId = z.string({ error: 'required' }).min(1, 'must not be empty');

/** What to do when the data product already has an unfinished job (from the UI or another run). */
export const ON_CONFLICT = ['wait', 'skip', 'fail'] as const;
const onConflict = z.enum(ON_CONFLICT, { error: `must be one of ${ON_CONFLICT.join(', ')}` });

/** Tamr Cloud runs 5 concurrent jobs per tenant by default; more answer 429. */
export const DEFAULT_JOB_LIMIT = 5;

export const tamrCloudSteps = {
  /** Refresh (load) source datasets, one job per source, at most `jobLimit` at once. */
  load: z
    .object({
      kind: z.literal('load'),
      sourceIds: z
        .array(cloudId, { error: 'required: a list of source ids' })
        .min(1, 'needs at least one source id')
        .superRefine((ids, ctx) => {
          // A source listed twice would be loaded twice, the second load racing the first.
          const seen = new Map<string, number>();
          ids.forEach((id, index) => {
            const first = seen.get(id);
            if (first !== undefined) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate source id '${id}' (also sourceIds[${first}])` });
            else seen.set(id, index);
          });
        }),
      ...stepDisplayShape,
    })
    .strict(),
  /** Run the data product (clusters, golden records). */
  updateDataProduct: z
    .object({ kind: z.literal('updateDataProduct'), dataProductId: cloudId, onConflict: onConflict.optional(), ...stepDisplayShape })
    .strict(),
  /** Update the Tamr RealTime search index (a `loadToSorFromDataProduct` workflow). */
  updateWorkflow: z.object({ kind: z.literal('updateWorkflow'), workflowId: cloudId, ...stepDisplayShape }).strict(),
  /**
   * Publish to a configured destination. Non-legacy data products need `dataProductId`; the
   * RealTime datastore destination has none.
   */
  publish: z
    .object({
      kind: z.literal('publish'),
      destinationId: cloudId,
      dataProductId: cloudId.optional(),
      onConflict: onConflict.optional(),
      ...stepDisplayShape,
    })
    .strict()
    .superRefine((step, ctx) => {
      // Conflicting jobs are found by data product: without one there is nothing to look for.
      if (step.onConflict !== undefined && step.dataProductId === undefined) {
        ctx.addIssue({ code: 'custom', path: ['onConflict'], message: 'needs dataProductId: unfinished jobs are looked up by data product' });
      }
    }),
};

export const tamrCloudPipelineSchema = z
  .object({
    ...basePipelineShape,
    system: z.literal('tamr-cloud'),
    /** The tenant's name: the API is `https://{tenant}.tamr.cloud/api/v1beta1`. */
    tenant: z
      .string({ error: 'required' })
      .superRefine((value, ctx) => {
        if (/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value)) return;
        const host = /^(?:https?:\/\/)?([a-z0-9-]+)\.tamr\.cloud\b/i.exec(value);
        ctx.addIssue({
          code: 'custom',
          message: host
            ? `give only the tenant's name ('${host[1].toLowerCase()}'), not its URL`
            : "must be the tenant's name as in https://<tenant>.tamr.cloud: lowercase letters, digits and dashes",
        });
      }),
    /** Replaces `https://{tenant}.tamr.cloud/api/v1beta1` (a simulator or a proxy); includes the `/api/v1beta1` part. */
    baseUrl: z.url({ error: 'must be an http(s) URL' }).optional(),
    /**
     * Concurrent jobs the tenant allows (Tamr's default is 5): a `load` step runs at most this many
     * source loads at once, so it never causes a 429 by itself.
     */
    jobLimit: z.number().int().min(1).max(30).default(DEFAULT_JOB_LIMIT),
    steps: z.array(kindUnion('tamr-cloud', tamrCloudSteps)).min(1, 'needs at least one step'),
  })
  .strict();

export type TamrCloudPipeline = z.output<typeof tamrCloudPipelineSchema>;
export type TamrCloudStep = TamrCloudPipeline['steps'][number];
