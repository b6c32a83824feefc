/**
 * `system: boomi-hub` pipelines: batches of entities contributed to a Boomi Hub universe (domain)
 * with Update Golden Records, followed with Get Batch Update Status until processed.
 * (Seed: boomi-hub-batch-update-status.txt.)
 */
import { z } from 'zod';
import { basePipelineShape, stepDisplayShape } from '../../config/common';
import { kindUnion } from '../../config/kind-union';

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
      /** `<batch src="…">` XML: `s3://bucket/key.xml` (deployed) or a local path, relative to the config file (local runs). */
      records: z.string().min(1),
      /**
       * Fraction (0..1) of the batch's entities that may end quarantined (or errored) while the step
       * still succeeds, with warnings and the quarantine report in its output. Above it the step fails.
       */
      quarantineThreshold: z.number().min(0).max(1).default(0),
      ...stepDisplayShape,
    })
    .strict(),
};

export const boomiHubPipelineSchema = z
  .object({
    ...basePipelineShape,
    system: z.literal('boomi-hub'),
    /** The Hub cloud that hosts the repository, e.g. `https://c01-usa-east.hub.boomi.com` (API under /mdm). */
    baseUrl: z.url({ error: 'must be an http(s) URL' }),
    /** The universe (domain) the batches go to. */
    universeId: hubId('universe'),
    /**
     * Set → JWT auth: the secret is `{"token"}` and every request names this repository
     * (`repositoryId=` query parameter, case sensitive). Absent → Basic auth with `{"username","password"}`.
     */
    repositoryId: hubId('repository').optional(),
    steps: z.array(kindUnion('boomi-hub', boomiHubSteps)).min(1, 'needs at least one step'),
  })
  .strict();

export type BoomiHubPipeline = z.output<typeof boomiHubPipelineSchema>;
export type BoomiHubStep = BoomiHubPipeline['steps'][number];
