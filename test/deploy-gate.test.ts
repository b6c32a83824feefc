/**
 * The deploy gate: what AWS itself would refuse, checked on three configs a user could write —
 * (a) pipelines.yaml and (b) the same with records in S3 here, (c) 160 pipelines (40 per
 * system, S3 records, schedules) in test/deploy-gate-160.test.ts, so vitest runs the two files on
 * both workers. Each config is synthesized once, with cdk-nag, in a child process; the checks are
 * in test/support/gate-suite.ts.
 */
import { describe, expect, it } from 'vitest';
import { checkDefinitions } from './support/asl-check';
import { gateSuite } from './support/gate-suite';

gateSuite(['a', 'b'], { minRules: 1 });

describe("the gate's asl-validator, its schemas compiled once", () => {
  it('still rejects what asl-validator rejects: an unknown state type, a missing transition target, a malformed ARN', () => {
    const definition = {
      StartAt: 'Submit',
      States: {
        Submit: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:123456789012:function:f' }, Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
    };
    const broken = (edit: (d: typeof definition & { States: Record<string, Record<string, unknown>> }) => void) => {
      const copy = structuredClone(definition) as typeof definition & { States: Record<string, Record<string, unknown>> };
      edit(copy);
      return copy;
    };
    const results = checkDefinitions([
      definition,
      broken((d) => (d.States.Done.Type = 'Bogus')),
      broken((d) => (d.States.Submit.Next = 'Nowhere')),
      broken((d) => (d.States.Submit.Resource = 'not-an-arn')),
      definition,
    ]);
    expect(results.map((r) => r.isValid)).toEqual([true, false, false, false, true]);
    expect(results[2].errors).toContain('Nowhere');
  });
});
