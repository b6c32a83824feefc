/**
 * The job's terminal states and the one way into them: `enter`, which puts the slot release in
 * front of a terminal while the job may hold a tenant job slot. Features never wire a terminal
 * state directly, so no end can leak a slot.
 */
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { JobSlot } from '../job-slots';
import { JOB_PATH, type JobContext } from './job-context';

/** How the job ends at a terminal: a failed release after a success must still fail the run. */
export type EndOutcome = 'success' | 'failure';

export class JobEnds {
  /** An API call failed (auth, not found, rejected, malformed answer, or retries used up). */
  readonly requestFailedState: sfn.Fail;
  /** The remote job ended unsuccessfully. */
  readonly failedState: sfn.Fail;
  /** Records the job at `$.steps.<key>`: the state after which the pipeline goes on. */
  readonly doneState: sfn.Pass;

  constructor(
    ctx: JobContext,
    /** The job's slot, when its pipeline joins a slot pool. */
    private readonly slot: JobSlot | undefined,
  ) {
    const { job, Subject, scope } = ctx;
    this.requestFailedState = new sfn.Fail(scope, 'RequestFailed', {
      stateName: `${Subject} request failed`,
      comment: `${job.title}: the API call failed (auth, not found, rejected, malformed answer, or retries used up).`,
      errorPath: '$.failure.Error',
      causePath: '$.failure.Cause',
    });
    this.failedState = new sfn.Fail(scope, 'Failed', {
      stateName: `${Subject} failed`,
      comment: `${job.title}: the remote job ended unsuccessfully; error and cause come from the remote system.`,
      errorPath: `${JOB_PATH}.status.error`,
      causePath: `${JOB_PATH}.status.cause`,
    });
    this.doneState = new sfn.Pass(scope, 'Done', {
      stateName: `${Subject} done`,
      comment: `Records the job's id, final state and poll count at $.steps.${job.key}.`,
      parameters: {
        'id.$': `${JOB_PATH}.id`,
        'state.$': `${JOB_PATH}.status.state`,
        'polls.$': `${JOB_PATH}.poll.count`,
        'summary.$': `${JOB_PATH}.status.summary`,
      },
      resultPath: `$.steps.${job.key}`,
    });
  }

  /**
   * The way into `terminal`: through the slot release when a slot may be held (`holdsSlot`:
   * false only before the job has taken one, e.g. a conflict found before submitting).
   */
  enter(terminal: sfn.State, outcome: EndOutcome = 'failure', holdsSlot = true): sfn.State {
    return (holdsSlot ? this.slot?.releaseBefore(terminal, outcome) : undefined) ?? terminal;
  }

  done(): sfn.State {
    return this.enter(this.doneState, 'success');
  }

  failed(): sfn.State {
    return this.enter(this.failedState);
  }

  requestFailed(holdsSlot = true): sfn.State {
    return this.enter(this.requestFailedState, 'failure', holdsSlot);
  }
}
