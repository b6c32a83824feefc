/**
 * `system: tamr-mastering` pipelines: the steps of the seed's continuous-operation checklist.
 * The `.describe()` texts are the README's config reference (`npm run docs`).
 */
import * as z from 'zod';
import { basePipelineShape, httpUrl, remoteId, stepDisplayShape } from '../../config/common';
import { stepList } from '../../config/step-list';

const project = { project: remoteId.describe('Mastering project id (string or whole number).') };
const polled = 'The answer is an operation, polled with `GET /api/versioned/v1/operations/{id}`.';

export const tamrMasteringSteps = {
  updateRecords: z
    .object({
      kind: z.literal('updateRecords'),
      datasetId: remoteId.describe('Source dataset id (string or whole number).'),
      records: z
        .string()
        .min(1)
        .optional()
        .describe('JSON Lines file of records: `s3://bucket/key.jsonl` (only that object is granted), or a local path relative to the config file (read as is locally, uploaded as a CDK asset by `cdk deploy`). A run whose input names `records` (an s3 trigger\'s object, `run --input`) reads that instead; optional when the pipeline has an s3 trigger.'),
      recordIdField: z.string().min(1).default('id').describe("Field of each JSON line used as Tamr's `recordId`."),
      ...stepDisplayShape,
    })
    .strict()
    .describe(
      'Upserts records into a source dataset: `POST /api/versioned/v1/datasets/{datasetId}:updateRecords?header=false`, one `CREATE` command per JSON line, streamed. Synchronous, nothing to poll; `allCommandsSucceeded: false` fails the step with `TamrValidationFailed`.',
    ),
  refreshUnifiedDataset: z
    .object({ kind: z.literal('refreshUnifiedDataset'), ...project, ...stepDisplayShape })
    .strict()
    .describe(`Refreshes the project's unified dataset: \`POST /api/versioned/v1/projects/{project}/unifiedDataset:refresh\`. ${polled}`),
  populateRecipe: z
    .object({
      kind: z.literal('populateRecipe'),
      recipeId: remoteId.describe('Recipe id (string or whole number).'),
      inputFlag: z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier')
        .default('mlConfigurationChanged')
        .describe('Execution input field that must be `true` for the step to run; otherwise it is skipped.'),
      ...stepDisplayShape,
    })
    .strict()
    .describe(
      'Updates a recipe after an ML configuration change: `POST /api/recipe/recipes/{recipeId}/populate`, only when the execution input has `<inputFlag>: true`. An operation-shaped answer is polled; any other 2xx answer finishes the step.',
    ),
  refreshRecordPairs: z
    .object({ kind: z.literal('refreshRecordPairs'), ...project, ...stepDisplayShape })
    .strict()
    .describe(`Refreshes record pairs: \`POST /api/versioned/v1/projects/{project}/recordPairs:refresh\`. ${polled}`),
  refreshRecordClusters: z
    .object({ kind: z.literal('refreshRecordClusters'), ...project, ...stepDisplayShape })
    .strict()
    .describe(`Refreshes record clusters: \`POST /api/versioned/v1/projects/{project}/recordClusters:refresh\`. ${polled}`),
  refreshDataset: z
    .object({ kind: z.literal('refreshDataset'), datasetId: remoteId.describe('Dataset id (string or whole number), e.g. the external dataset created for export.'), ...stepDisplayShape })
    .strict()
    .describe(`Materializes a dataset, e.g. the export: \`POST /api/versioned/v1/datasets/{datasetId}:refresh\`. ${polled}`),
};

export const tamrMasteringPipelineSchema = z
  .object({
    ...basePipelineShape,
    system: z.literal('tamr-mastering'),
    baseUrl: httpUrl()
      .describe('Server root, e.g. `https://tamr.example.com:9100`; the API lives under `/api/versioned/v1`.'),
    steps: stepList('tamr-mastering', tamrMasteringSteps, 'The jobs to run, in order.'),
  })
  .strict()
  .meta({
    title: 'Tamr Mastering',
    description: "Tamr Mastering (on-prem, API v1): the seed's continuous operation of a mastering project.",
  });

export type TamrMasteringPipeline = z.output<typeof tamrMasteringPipelineSchema>;
export type TamrMasteringStep = TamrMasteringPipeline['steps'][number];
