/**
 * `forEach`: one Map iteration per item, at most `maxConcurrency` at once; each iteration is the
 * job's whole chain (slot, submit, polling loop) with the item in every call's payload.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { ForEach } from '../../providers/job-spec';
import { ITEM_INDEX_FIELD } from '../job-slots';
import { lowerFirst } from '../names';
import type { JobContext } from './job-context';

export function fanOut(ctx: JobContext, forEach: ForEach, entry: sfn.State): { start: sfn.State; map: sfn.Map } {
  const { job, scope } = ctx;
  const list = new sfn.Pass(scope, 'Items', {
    stateName: `List ${lowerFirst(forEach.title)}`,
    comment: `The ${forEach.items.length} items to run '${job.title}' for.`,
    result: sfn.Result.fromArray([...forEach.items]),
    resultPath: `$.items.${job.key}`,
  });
  const map = new sfn.Map(scope, 'ForEach', {
    stateName: forEach.title,
    comment: `At most ${forEach.maxConcurrency} at once.`,
    itemsPath: `$.items.${job.key}`,
    maxConcurrency: forEach.maxConcurrency,
    // With a slot pool each item holds its own slot, named by the item's index.
    itemSelector: { 'item.$': '$$.Map.Item.Value', steps: {}, ...(ctx.props.slot ? { [`${ITEM_INDEX_FIELD}.$`]: '$$.Map.Item.Index' } : {}) },
    resultSelector: { 'items.$': `$[*].steps.${job.key}` },
    resultPath: `$.steps.${job.key}`,
  });
  map.itemProcessor(entry);
  list.next(map);
  return { start: list, map };
}
