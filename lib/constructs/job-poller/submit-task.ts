/**
 * The job's submit call and its catch registry. Features that handle a submit error themselves
 * (a conflict, a lost answer) register their catch; `seal` then adds the catch-all to "request
 * failed". Step Functions applies catchers in order, so the named errors must come before the
 * catch-all: the registry enforces that instead of a comment asking for it.
 */
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { JOB_PATH, jobSelector, type JobContext } from './job-context';
import type { JobEnds } from './job-ends';

export class SubmitTask {
  readonly task: tasks.LambdaInvoke;
  private sealed = false;

  constructor(
    ctx: JobContext,
    private readonly ends: JobEnds,
  ) {
    const { job } = ctx;
    this.task = ctx.invoke('Submit', job.title, job.submit, {
      resultSelector: jobSelector(ctx.stopDescriptor),
      resultPath: JOB_PATH,
      // With lostSubmit, a transient failure is not retried blindly: the job may exist (lost-submit.ts).
      retryTransient: job.lostSubmit === undefined,
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
