/**
 * The pipelines file: `pipelines:` is a list of pipelines, each a discriminated union on `system`.
 * Adding a system = adding its provider's pipeline schema to `pipelineSchema`.
 */
import * as z from 'zod';
import { boomiHubPipelineSchema } from '../providers/boomi-hub/config';
import { crossingMindsPipelineSchema } from '../providers/crossing-minds/config';
import { tamrCloudPipelineSchema } from '../providers/tamr-cloud/config';
import { tamrMasteringPipelineSchema } from '../providers/tamr-mastering/config';
import { pipelineProblems } from './common';
import { slotPoolProblems, slotPoolsSchema } from './slot-pools';
import { createdBucketProblems } from './triggers';
import { repeats } from './problems';

const systemSchemas = [tamrMasteringPipelineSchema, tamrCloudPipelineSchema, crossingMindsPipelineSchema, boomiHubPipelineSchema] as const;

export const SYSTEMS = systemSchemas.map((schema) => schema.shape.system.value);

export const pipelineSchema = z.discriminatedUnion('system', systemSchemas, {
  error: (issue) => {
    if (issue.code !== 'invalid_union') return undefined;
    const system = (issue.input as { system?: unknown } | undefined)?.system;
    return system === undefined
      ? `system: required (one of ${SYSTEMS.join(', ')})`
      : `system: unknown system '${String(system)}'; expected one of ${SYSTEMS.join(', ')}`;
  },
});

export const pipelinesFileSchema = z
  .object({
    pipelines: z.array(pipelineSchema, { error: 'required: a list of pipelines' }).min(1, 'needs at least one pipeline'),
    /** Tenant-wide job limits shared by the pipelines that name them in `slotPool`. */
    slotPools: slotPoolsSchema.default([]),
  })
  .strict()
  .superRefine((file, ctx) => {
    // Reported in file order: each pipeline's duplicate name, then its other problems.
    const repeatedAt = new Map(repeats(file.pipelines.map((p) => p.name)).map((r) => [r.index, r.first]));
    file.pipelines.forEach((pipeline, index) => {
      const first = repeatedAt.get(index);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['pipelines', index, 'name'], message: `duplicate pipeline name '${pipeline.name}' (also pipelines[${first}])` });
      }
      for (const problem of pipelineProblems(pipeline)) {
        ctx.addIssue({ code: 'custom', path: ['pipelines', index, ...problem.path], message: problem.message });
      }
    });
    for (const problem of createdBucketProblems(file.pipelines)) ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
    for (const problem of slotPoolProblems(file)) ctx.addIssue({ code: 'custom', path: [...problem.path], message: problem.message });
  });

export type PipelinesFile = z.output<typeof pipelinesFileSchema>;
export type PipelineConfig = z.output<typeof pipelineSchema>;
export type SystemName = PipelineConfig['system'];
