/**
 * `system: crossing-minds` pipelines: background tasks of a Crossing Minds database, triggered
 * and followed until they are COMPLETED (seed: crossing-minds-background-tasks.txt).
 * The `.describe()` texts are the README's config reference (`npm run docs`).
 */
import * as z from 'zod';
import { basePipelineShape, httpUrl, stepDisplayShape } from '../../config/common';
import { stepList } from '../../config/step-list';
import { CONTEXT_TASK_SCHEMAS, isPrivateTask, PRIVATE_TASK_NAMES, PUBLIC_TASK_NAMES, TASK_NAMES, unknownTaskMessage, type TaskName } from './api';

/** What a step does when the API answers TASK_ALREADY_RUNNING. */
export const ON_ALREADY_RUNNING = ['attach', 'skip', 'fail'] as const;

const taskName = z.enum(TASK_NAMES as unknown as [TaskName, ...TaskName[]], {
  error: (issue) => (issue.input === undefined ? 'required' : unknownTaskMessage(issue.input)),
}).describe(
  `The task to run. Public: ${codeList(PUBLIC_TASK_NAMES)} (\`POST tasks/<name>/\`, followed in its recents list). ` +
    `Private, with a \`context\`: ${codeList(PRIVATE_TASK_NAMES)} (\`POST tasks/private/<name>/\`, read by task id).`,
);

function codeList(names: readonly string[]): string {
  return names.map((name) => `\`${name}\``).join(', ');
}

export const crossingMindsSteps = {
  /** Trigger a background task, then poll it until COMPLETED. */
  backgroundTask: z
    .object({
      kind: z.literal('backgroundTask'),
      taskName,
      /** The private tasks' `context_task` (tables, connections, reco params); public tasks take none. */
      context: z
        .record(z.string(), z.unknown())
        .optional()
        .describe(
          "Private tasks only, and required there: the `context_task` body, checked against the seed's shapes. `data_import`: `connection`, `table_name`; `reco_export`: `input_table` and `output_table` (each `{connection, name}`), optional `reco_params` (`amt`, `filters`); `analytics_report_export`, `user_id_whitelist_export`: `output_table`.",
        ),
      /**
       * On TASK_ALREADY_RUNNING: attach = this step follows the running task to its end;
       * skip = the step is skipped; fail = the run fails with JobConflict.
       */
      onAlreadyRunning: z
        .enum(ON_ALREADY_RUNNING, { error: `must be one of ${ON_ALREADY_RUNNING.join(', ')}` })
        .default('attach')
        .describe(
          'When the trigger is answered `TASK_ALREADY_RUNNING`: `attach` follows the running task as this step\'s task; `skip` skips the step; `fail` fails the run with `JobConflict`.',
        ),
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
    })
    .describe(
      'Triggers one background task of the database, then checks it until it is `COMPLETED`. State names come from the task: "Trigger reco export task", "Wait for reco export task"; set `name` and `subject` when a task appears twice.',
    ),
};

export const crossingMindsPipelineSchema = z
  .object({
    ...basePipelineShape,
    system: z.literal('crossing-minds'),
    /** API root, e.g. `https://api.crossingminds.com` (the database comes with the JWT). */
    baseUrl: httpUrl()
      .describe('API root, e.g. `https://api.crossingminds.com`; task paths are relative to it (a path prefix is kept). The database is not in the URL: the JWT selects it.'),
    steps: stepList('crossing-minds', crossingMindsSteps, 'The tasks to run, in order.'),
  })
  .strict()
  .meta({
    title: 'Crossing Minds',
    description: "Crossing Minds background tasks: the seed's trigger-then-follow of a database's tasks (retraining, new items and users, imports, exports).",
  });

export type CrossingMindsPipeline = z.output<typeof crossingMindsPipelineSchema>;
export type CrossingMindsStep = CrossingMindsPipeline['steps'][number];
