/**
 * The job's submit call and its catch registry. Features that handle a submit error themselves
 * (a conflict, a lost answer) register their catch; `seal` then adds the catch-all to "request
 * failed". Step Functions applies catchers in order, so the named errors must come before the
 * catch-all: the registry enforces that instead of a comment asking for it.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { InFlightCleanup } from '../../contract/stop';
import { fromInputPath } from './from-input';
import { JOB_PATH, jobSelector, type JobContext } from './job-context';
import type { JobEnds } from './job-ends';

/**
 * What the execution cleanup needs to find and stop a job whose submit was still in flight when
 * the run ended (its answer never reached the state data), read from the submit's TaskScheduled
 * parameters in the history; the submit handler ignores the field. Jobs that can be looked for
 * (lostSubmit) and stopped only.
 */
function inFlightCleanup(ctx: JobContext): { inFlightCleanup?: InFlightCleanup } {
  const { job } = ctx;
  if (!job.lostSubmit || !ctx.stopDescriptor) return {};
  const find = job.lostSubmit.find;
  return { inFlightCleanup: { JobKey: job.key, Find: { FunctionName: ctx.props.functionFor(find).functionArn, Payload: { ...find.payload } }, Stop: ctx.stopDescriptor } };
}

/** `fromInput`: the field the run's input (or the configured fallback) put in the state data. */
function fromInputPayload(ctx: JobContext): Record<string, string> {
  const spec = ctx.job.fromInput;
  return spec ? { [spec.payloadField]: sfn.JsonPath.stringAt(fromInputPath(spec)) } : {};
}

export class SubmitTask {
  readonly task: tasks.LambdaInvoke;
  private sealed = false;

  constructor(
    ctx: JobContext,
    private readonly ends: JobEnds,
  ) {
    const { job } = ctx;
    this.task = ctx.invoke('Submit', job.title, job.submit, {
      // With the step's history the answer says when to check first (learned-polling.ts).
      resultSelector: jobSelector(ctx.stopDescriptor, ctx.learns),
      resultPath: JOB_PATH,
      // With lostSubmit, a transient failure is not retried blindly: the job may exist (lost-submit.ts).
      retryTransient: job.lostSubmit === undefined,
      extraPayload: { ...ctx.itemPayload, ...inFlightCleanup(ctx), ...fromInputPayload(ctx), ...ctx.learnedPayload(0) },
    });
  }

  /** Sends the submit's `errors` (at `$.failure`) to `handler` instead of "request failed". */
  catch(errors: readonly string[], handler: sfn.IChainable): void {
    if (this.sealed) throw new Error(`${this.task.stateId}: a catch for ${errors.join(', ')} was added after the catch-all`);
    this.task.addCatch(handler, { errors: [...errors], resultPath: '$.failure' });
  }

  /** Every other error fails the job as a request failure; nothing may be caught after this. */
  seal(): void {
    this.task.addCatch(this.ends.requestFailed(), { errors: ['States.ALL'], resultPath: '$.failure' });
    this.sealed = true;
  }
}
