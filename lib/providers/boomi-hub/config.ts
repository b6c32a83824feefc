/**
 * `system: boomi-hub` pipelines: batches of entities contributed to a Boomi Hub universe (domain)
 * with Update Golden Records, followed with Get Batch Update Status until processed.
 * (Seed: boomi-hub-batch-update-status.txt.)
 * The `.describe()` texts are the README's config reference (`npm run docs`).
 */
import * as z from 'zod';
import { basePipelineShape, httpUrl, stepDisplayShape } from '../../config/common';
import { stepList } from '../../config/step-list';

/** Universe and repository ids go into the URL path and query: no blanks, slashes, spaces or bare dots. */
const hubId = (what: string) =>
  z
    .string({ error: 'required' })
    .regex(/^(?!\.+$)[A-Za-z0-9._-]+$/, `must be a ${what} ID (letters, digits and ._- only, e.g. ac11cc59-c77a-4afe-8c92-ed86a7daabec)`);

export const boomiHubSteps = {
  /** Submit one batch of entities (XML) and wait until the Hub has processed it. */
  updateGoldenRecords: z
    .object({
      kind: z.literal('updateGoldenRecords'),
      /** `<batch src="…">` XML: `s3://bucket/key.xml`, or a local path relative to the config file (uploaded as a CDK asset when deployed). */
      records: z
        .string()
        .min(1)
        .describe(
          'One batch in the Hub\'s XML format (a `<batch src="…">` root naming the contributing source, one element per entity): `s3://bucket/key.xml` (only that object is granted), or a local path relative to the config file (read as is locally, uploaded as a CDK asset by `cdk deploy`). A run whose input names `records` (an s3 trigger\'s object, `run --input`) reads that instead; optional when the pipeline has an s3 trigger.',
        )
        .optional(),
      /**
       * Fraction (0..1) of the batch's entities that may end quarantined (or errored) while the step
       * still succeeds, with warnings and the quarantine report in its output. Above it the step fails.
       */
      quarantineThreshold: z
        .number()
        .min(0)
        .max(1)
        .default(0)
        .describe(
          "Share (0–1) of the batch's entities that may end quarantined or errored while the step still succeeds, with warnings and the quarantine report in its summary; above it the step fails with `BoomiQuarantineThresholdExceeded`. `0` fails on any quarantined entity.",
        ),
      ...stepDisplayShape,
    })
    .strict()
    .describe(
      'Contributes one batch of entities with Update Golden Records, `POST /mdm/universes/{universeId}/records` (the XML streamed), then polls `GET /mdm/universes/{universeId}/records/updates/{batchId}` until the Hub has processed it; a batch with quarantined entities is read once more with `includeEntities=true`.',
    ),
};

export const boomiHubPipelineSchema = z
  .object({
    ...basePipelineShape,
    system: z.literal('boomi-hub'),
    /** The Hub cloud that hosts the repository, e.g. `https://c01-usa-east.hub.boomi.com` (API under /mdm). */
    baseUrl: httpUrl()
      .describe('The Hub cloud that hosts the repository, e.g. `https://c01-usa-east.hub.boomi.com`; the API lives under `/mdm`.'),
    /** The universe (domain) the batches go to. */
    universeId: hubId('universe').describe('Id of the universe (domain) the batches go to (letters, digits, `._-`).'),
    /**
     * Set → JWT auth: the secret is `{"token"}` and every request names this repository
     * (`repositoryId=` query parameter, case sensitive). Absent → Basic auth with `{"username","password"}`.
     */
    repositoryId: hubId('repository')
      .optional()
      .describe('Repository id, case sensitive. Set: JWT auth (secret `{"token"}`), and every request carries `repositoryId=<id>`. Absent: Basic auth (secret `{"username", "password"}`).'),
    steps: stepList('boomi-hub', boomiHubSteps, 'The batches to submit, in order.'),
  })
  .strict()
  .meta({
    title: 'Boomi Hub',
    description: "Boomi Hub (Master Data Hub repository API): the seed's Update Golden Records, followed with Get Batch Update Status until the batch is processed.",
  });

export type BoomiHubPipeline = z.output<typeof boomiHubPipelineSchema>;
export type BoomiHubStep = BoomiHubPipeline['steps'][number];
