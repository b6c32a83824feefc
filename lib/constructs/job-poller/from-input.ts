/**
 * `fromInput`: a submit payload field that a run's input may set, e.g. the object a records step
 * reads (`records`, named by an s3 trigger's run starter or `run --input`). A Choice looks for the
 * field in the state data (which starts as the execution input); a run without it gets the
 * configured value from a Pass, or fails with `RecordsNotNamed` when nothing is configured.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { errorName } from '../../contract/errors';
import type { FromInput } from '../../providers/job-spec';
import { lowerFirst } from '../names';
import type { JobContext } from './job-context';

/** The state the submit reads the field from. */
export const fromInputPath = (spec: FromInput): string => `$.${spec.inputField}`;

export function fromInputChoice(ctx: JobContext, spec: FromInput, entry: sfn.State): { choose: sfn.Choice; names: { chooseInput: string; configuredInput?: string; inputMissing?: string } } {
  const { job, scope } = ctx;
  const path = fromInputPath(spec);
  const what = lowerFirst(job.title);
  const fallback =
    spec.configured !== undefined
      ? new sfn.Pass(scope, 'ConfiguredInput', {
          stateName: `Use configured ${spec.inputField} to ${what}`.slice(0, 80),
          comment: `The run's input names no '${spec.inputField}': '${job.title}' reads the configured one.`,
          result: sfn.Result.fromString(spec.configured),
          resultPath: path,
        }).next(entry)
      : new sfn.Fail(scope, 'InputMissing', {
          stateName: `No ${spec.inputField} to ${what}`.slice(0, 80),
          comment: `Nothing is configured for '${job.title}', so the run's input must name '${spec.inputField}'.`,
          error: errorName('RecordsNotNamed'),
          cause: `The run's input names no '${spec.inputField}' and step '${job.title}' has none configured: start the run with {"${spec.inputField}": "s3://bucket/key"}.`,
        });
  const choose = new sfn.Choice(scope, 'ChooseInput', {
    stateName: `Choose ${spec.inputField} to ${what}`.slice(0, 80),
    comment: `A triggered run names its object in the input's '${spec.inputField}' (the run starter sets it); other runs read the configured one.`,
  })
    .when(sfn.Condition.isPresent(path), entry)
    .otherwise(fallback);
  return { choose, names: { chooseInput: choose.stateId, ...(fallback instanceof sfn.Fail ? { inputMissing: fallback.stateId } : { configuredInput: fallback.startState.stateId }) } };
}
