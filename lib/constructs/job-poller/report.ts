/**
 * `report`: one post-terminal call. When a final result (outcome succeeded or failed) has
 * `summary.reportNeeded === true`, the status Choice sends it to the report task instead:
 *
 *   <Subject> status ─ final and summary.reportNeeded ─► <report title> ─► <Subject> report outcome
 *                                                                              ├─ succeeded ─► <Subject> done
 *                                                                              └─ otherwise ─► <Subject> failed
 *
 * The report's JobResult replaces `$.job.status` (its summary, error and cause are what `done`
 * records and `failed` reports), so the report handler makes the final decision. It runs once:
 * its own answer is routed by the second Choice, never back through the status Choice.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { ReportCall } from '../../providers/job-spec';
import { JOB_PATH, statusSelector, type JobContext } from './job-context';
import type { JobEnds } from './job-ends';

/** Adds the report rule to `outcome`; call it before any other rule, so it sees final results first. */
export function reportStep(ctx: JobContext, call: ReportCall, ends: JobEnds, outcome: sfn.Choice): tasks.LambdaInvoke {
  const status = `${JOB_PATH}.status`;
  const task = ctx.invoke('Report', call.title ?? `Get ${ctx.job.subject} report`, call, {
    resultSelector: statusSelector(),
    resultPath: status,
    onError: ends.requestFailed(),
    extraPayload: { ...ctx.itemPayload, jobId: sfn.JsonPath.stringAt(`${JOB_PATH}.id`) },
  });
  const decide = new sfn.Choice(ctx.scope, 'ReportOutcome', {
    stateName: `${ctx.Subject} report outcome`,
    comment: 'Routes on the outcome the report handler decided (it replaced the final status).',
  })
    .when(sfn.Condition.stringEquals(`${status}.outcome`, 'succeeded'), ends.done())
    .otherwise(ends.failed());
  task.next(decide);
  outcome.when(
    sfn.Condition.and(
      sfn.Condition.not(sfn.Condition.stringEquals(`${status}.outcome`, 'running')),
      sfn.Condition.isPresent(`${status}.summary.reportNeeded`),
      sfn.Condition.booleanEquals(`${status}.summary.reportNeeded`, true),
    ),
    task,
  );
  return task;
}
