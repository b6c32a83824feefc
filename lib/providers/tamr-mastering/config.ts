/**
 * `system: tamr-mastering` pipelines: the steps of the seed's continuous-operation checklist.
 */
import { z } from 'zod';
import { basePipelineShape, remoteId, stepDisplayShape } from '../../config/common';
import { kindUnion } from '../../config/kind-union';

const project = { project: remoteId.describe('Mastering project id') };

export const tamrMasteringSteps = {
  /** Upsert records (CREATE commands) into a source dataset. Synchronous: no operation to poll. */
  updateRecords: z
    .object({
      kind: z.literal('updateRecords'),
      datasetId: remoteId,
      /** `s3://bucket/key.jsonl` (deployed) or a local path, relative to the config file (local runs). */
      records: z.string().min(1),
      /** Field of each JSON line used as Tamr's `recordId`. */
      recordIdField: z.string().min(1).default('id'),
      ...stepDisplayShape,
    })
    .strict(),
  refreshUnifiedDataset: z.object({ kind: z.literal('refreshUnifiedDataset'), ...project, ...stepDisplayShape }).strict(),
  /** Runs only when the execution input flag (default `mlConfigurationChanged`) is true. */
  populateRecipe: z
    .object({
      kind: z.literal('populateRecipe'),
      recipeId: remoteId,
      inputFlag: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier').default('mlConfigurationChanged'),
      ...stepDisplayShape,
    })
    .strict(),
  refreshRecordPairs: z.object({ kind: z.literal('refreshRecordPairs'), ...project, ...stepDisplayShape }).strict(),
  refreshRecordClusters: z.object({ kind: z.literal('refreshRecordClusters'), ...project, ...stepDisplayShape }).strict(),
  /** Export: materialize a dataset (e.g. the external dataset created for export). */
  refreshDataset: z.object({ kind: z.literal('refreshDataset'), datasetId: remoteId, ...stepDisplayShape }).strict(),
};

export const tamrMasteringPipelineSchema = z
  .object({
    ...basePipelineShape,
    system: z.literal('tamr-mastering'),
    /** Server root, e.g. `https://tamr.example.com:9100` (the API lives under /api/versioned/v1). */
    baseUrl: z.url({ error: 'must be an http(s) URL' }),
    steps: z.array(kindUnion('tamr-mastering', tamrMasteringSteps)).min(1, 'needs at least one step'),
  })
  .strict();

export type TamrMasteringPipeline = z.output<typeof tamrMasteringPipelineSchema>;
export type TamrMasteringStep = TamrMasteringPipeline['steps'][number];
