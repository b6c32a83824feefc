/** `runIf`: a Choice on a boolean execution-input flag; the job runs only when it is true. */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { lowerFirst } from '../names';
import type { JobContext } from './job-context';

export function runIf(ctx: JobContext, inputFlag: string, entry: sfn.State): { decide: sfn.Choice; skip: sfn.Pass } {
  const { job, scope } = ctx;
  const skip = new sfn.Pass(scope, 'Skip', {
    stateName: `Skip ${lowerFirst(job.title)}`,
    comment: `Execution input field '${inputFlag}' is not true.`,
  });
  const flag = `$.${inputFlag}`;
  const decide = new sfn.Choice(scope, 'RunIf', {
    stateName: `Decide whether to ${lowerFirst(job.title)}`,
    comment: `Runs '${job.title}' only when the execution input has ${inputFlag}: true.`,
  })
    .when(sfn.Condition.and(sfn.Condition.isPresent(flag), sfn.Condition.booleanEquals(flag, true)), entry)
    .otherwise(skip);
  return { decide, skip };
}
