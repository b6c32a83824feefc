/**
 * `system: tamr-cloud` pipelines: the seed's end-to-end data pipeline run through the Jobs API
 * (refresh sources → update data product → update the RealTime workflow → publish).
 * The `.describe()` texts are the README's config reference (`npm run docs`).
 */
import * as z from 'zod';
import { basePipelineShape, httpUrl, stepDisplayShape } from '../../config/common';
import { stepList } from '../../config/step-list';
import { repeats } from '../../config/problems';

/** Tamr Cloud ids are strings (`src_…`, `dp_…`); a publish destination id may be a name with spaces. */
const cloudId = z.string({ error: 'required' }).min(1, 'must not be empty');

/** What to do when the data product already has an unfinished job (from the UI or another run). */
export const ON_CONFLICT = ['wait', 'skip', 'fail'] as const;
const onConflict = z.enum(ON_CONFLICT, { error: `must be one of ${ON_CONFLICT.join(', ')}` });
const onConflictText =
  'When the data product already has an unfinished job (an update or a publish, from the UI or another run): `wait` for it to end, then submit (unset means `wait`); `skip` this step; `fail` the run with `JobConflict`.';

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
          for (const { value, index, first } of repeats(ids)) ctx.addIssue({ code: 'custom', path: [index], message: `duplicate source id '${value}' (also sourceIds[${first}])` });
        })
        .describe('Ids of the sources to load (`src_…`, from Configurations > Sources), each once.'),
      ...stepDisplayShape,
    })
    .strict()
    .describe(
      'Refreshes source datasets from external storage: one job per source, `{"configuration": {"load": {"sourceId"}}}`, in a Map state ("Load sources") that runs at most `jobLimit` jobs at once.',
    ),
  /** Run the data product (clusters, golden records). */
  updateDataProduct: z
    .object({
      kind: z.literal('updateDataProduct'),
      dataProductId: cloudId.describe('Data product id (`dp_…`, from the Configure Data Product page).'),
      onConflict: onConflict.optional().describe(onConflictText),
      ...stepDisplayShape,
    })
    .strict()
    .describe(
      'Runs the data product, updating its clusters and golden records: `{"configuration": {"update": {"dataProductId"}}}`. "Find running <subject>" first looks for an unfinished job of the same data product (`onConflict`).',
    ),
  /** Update the Tamr RealTime search index (a `loadToSorFromDataProduct` workflow). */
  updateWorkflow: z
    .object({
      kind: z.literal('updateWorkflow'),
      workflowId: cloudId.describe('Id of a `loadToSorFromDataProduct` workflow (`flow_…`, from Configurations > Workflows).'),
      ...stepDisplayShape,
    })
    .strict()
    .describe('Updates the RealTime search index of a data product: `{"configuration": {"update": {"workflowId"}}}`.'),
  /**
   * Publish to a configured destination. Non-legacy data products need `dataProductId`; the
   * RealTime datastore destination has none.
   */
  publish: z
    .object({
      kind: z.literal('publish'),
      destinationId: cloudId.describe("Id of the data product's publish configuration (from its Publish page); may be a name with spaces."),
      dataProductId: cloudId
        .optional()
        .describe('The data product whose output is published: needed for non-legacy data products; omit it for the RealTime datastore destination.'),
      onConflict: onConflict.optional().describe(`${onConflictText} Needs \`dataProductId\`.`),
      ...stepDisplayShape,
    })
    .strict()
    .superRefine((step, ctx) => {
      // Conflicting jobs are found by data product: without one there is nothing to look for.
      if (step.onConflict !== undefined && step.dataProductId === undefined) {
        ctx.addIssue({ code: 'custom', path: ['onConflict'], message: 'needs dataProductId: unfinished jobs are looked up by data product' });
      }
    })
    .describe(
      'Publishes the output to a configured destination: `{"configuration": {"publish": {"destinationId", "dataProductId"}}}`. With `dataProductId`, "Find running <subject>" first looks for an unfinished job of that data product (`onConflict`).',
    ),
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
      })
      .describe("The tenant's name (lowercase letters, digits, dashes), not its URL: the API is `https://{tenant}.tamr.cloud/api/v1beta1`."),
    /** Replaces `https://{tenant}.tamr.cloud/api/v1beta1` (a simulator or a proxy); includes the `/api/v1beta1` part. */
    baseUrl: httpUrl()
      .optional()
      .describe('Replaces the API root built from `tenant`, `/api/v1beta1` included: a simulator or a proxy.'),
    /**
     * Concurrent jobs the tenant allows (Tamr's default is 5): a `load` step runs at most this many
     * source loads at once, so it never causes a 429 by itself.
     */
    jobLimit: z
      .number()
      .int()
      .min(1)
      .max(30)
      .default(DEFAULT_JOB_LIMIT)
      .describe("Concurrent jobs the tenant allows (Tamr's default is 5; more are answered 429): a `load` step runs at most this many jobs at once."),
    steps: stepList('tamr-cloud', tamrCloudSteps, 'The jobs to run, in order.'),
  })
  .strict()
  .meta({
    title: 'Tamr Cloud',
    description:
      "Tamr Cloud Jobs API (`v1beta1`): the seed's end-to-end data pipeline. Every step creates jobs with `POST /jobs` and polls each with `GET /jobs/{jobId}`.",
  });

export type TamrCloudPipeline = z.output<typeof tamrCloudPipelineSchema>;
export type TamrCloudStep = TamrCloudPipeline['steps'][number];
