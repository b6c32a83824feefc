/**
 * `system: crossing-minds` pipelines: background tasks of a Crossing Minds database, triggered
 * and followed until they are COMPLETED (seed: crossing-minds-background-tasks.txt).
 */
import { z } from 'zod';
import { basePipelineShape, stepDisplayShape } from '../../config/common';
import { kindUnion } from '../../config/kind-union';
import { CONTEXT_TASK_SCHEMAS, isPrivateTask, TASK_NAMES, unknownTaskMessage, type TaskName } from './api';

/** What a step does when the API answers TASK_ALREADY_RUNNING. */
export const ON_ALREADY_RUNNING = ['attach', 'skip', 'fail'] as const;

const taskName = z.enum(TASK_NAMES as unknown as [TaskName, ...TaskName[]], {
  error: (issue) => (issue.input === undefined ? 'required' : unknownTaskMessage(issue.input)),
});

export const crossingMindsSteps = {
  /** Trigger a background task, then poll it until COMPLETED. */
  backgroundTask: z
    .object({
      kind: z.literal('backgroundTask'),
      taskName,
      /** The private tasks' `context_task` (tables, connections, reco params); public tasks take none. */
      context: z.record(z.string(), z.unknown()).optional(),
      /**
       * On TASK_ALREADY_RUNNING: attach = this step follows the running task to its end;
       * skip = the step is skipped; fail = the run fails with JobConflict.
       */
      onAlreadyRunning: z.enum(ON_ALREADY_RUNNING, { error: `must be one of ${ON_ALREADY_RUNNING.join(', ')}` }).default('attach'),
      ...stepDisplayShape,
    })
    .strict()
    .superRefine((step, ctx) => {
      if (!isPrivateTask(step.taskName)) {
        if (step.context !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['context'], message: `public task ${step.taskName} takes no context (only private tasks do)` });
        }
        return;
      }
      if (step.context === undefined) {
        ctx.addIssue({ code: 'custom', path: ['context'], message: `required: private task ${step.taskName} needs its context_task` });
        return;
      }
      const parsed = CONTEXT_TASK_SCHEMAS[step.taskName].safeParse(step.context, { reportInput: true });
      for (const issue of parsed.error?.issues ?? []) {
        const message = issue.code === 'invalid_type' && issue.input === undefined ? 'required' : issue.message;
        ctx.addIssue({ code: 'custom', path: ['context', ...issue.path], message });
      }
    }),
};

export const crossingMindsPipelineSchema = z
  .object({
    ...basePipelineShape,
    system: z.literal('crossing-minds'),
    /** API root, e.g. `https://api.crossingminds.com` (the database comes with the JWT). */
    baseUrl: z.url({ error: 'must be an http(s) URL' }),
    steps: z.array(kindUnion('crossing-minds', crossingMindsSteps)).min(1, 'needs at least one step'),
  })
  .strict();

export type CrossingMindsPipeline = z.output<typeof crossingMindsPipelineSchema>;
export type CrossingMindsStep = CrossingMindsPipeline['steps'][number];
