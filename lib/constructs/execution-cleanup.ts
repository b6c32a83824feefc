/**
 * Stops remote jobs that an execution left running when it ended early.
 *
 * Step Functions runs no state after an abort (nor after a Map iteration fails the run, nor at
 * the execution timeout), so a remote job submitted by the run would keep running unseen. An
 * EventBridge rule on "Step Functions Execution Status Change" (ABORTED, TIMED_OUT, FAILED) of
 * the stack's state machines invokes one cleaner function, which reads the execution history and
 * invokes each unfinished job's stop function (lambdas/cleanup/stop-unfinished-jobs.ts).
 *
 * With slot pools, the same cleaner then releases every tenant job slot the execution still
 * holds (lib/constructs/job-slots.ts): one function, so the slot frees after the stop request.
 */
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { executionStatusPattern, grantReadExecutionHistory } from './execution-events';
import { bundledFunction } from './handler-functions';
import type { FailedDeliveries } from './failed-deliveries';
import type { JobSlotTable } from './job-slots';

/** Execution statuses after which no state of the run will ever run again. */
export const ENDED_EARLY_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

export interface ExecutionCleanupProps {
  /** The state machines whose ended executions are cleaned up. */
  readonly stateMachines: readonly sfn.StateMachine[];
  /**
   * The ARN prefix the rule follows them by (constant-size pattern); it must match these
   * machines and no other stack's.
   * @default the rule lists every machine's ARN
   */
  readonly stateMachineArnPrefix?: string;
  /** Every function that stops a remote job (invoked with the payload recorded in the history). */
  readonly stopFunctions: readonly IFunction[];
  /**
   * The looks that find a job whose submit was in flight when the execution ended (invoked with
   * the descriptor the submit's payload carries, lambdas/cleanup/in-flight-jobs.ts).
   * @default none
   */
  readonly lookFunctions?: readonly IFunction[];
  /** The stack's slot pools: the cleaner releases the slots an ended execution still holds. */
  readonly jobSlots?: JobSlotTable;
  /** Where events the cleaner failed on, or that could not reach it, are kept. @default dropped after the retries */
  readonly failedDeliveries?: FailedDeliveries;
}

export class ExecutionCleanup extends Construct {
  readonly function: NodejsFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ExecutionCleanupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.function = bundledFunction(this, 'StopUnfinishedJobs', {
      description: `Continuum: stops the remote jobs an aborted, timed-out or failed execution left running${props.jobSlots ? ' and releases its tenant job slots' : ''}`,
      entry: fileURLToPath(new URL('../../lambdas/cleanup/stop-unfinished-jobs.ts', import.meta.url)),
      timeout: Duration.minutes(5),
      environment: props.jobSlots ? { JOB_SLOTS_TABLE: props.jobSlots.table.tableName, JOB_SLOT_POOLS: props.jobSlots.poolNames.join(',') } : undefined,
    });
    // Reads each pool item and removes the execution's holders: GetItem and UpdateItem on this table only.
    props.jobSlots?.table.grant(this.function, 'dynamodb:GetItem', 'dynamodb:UpdateItem');
    // On this construct: the findings are on the function's role policy, a sibling of the function.
    grantReadExecutionHistory(this, this.function, props.stateMachines);
    props.failedDeliveries?.catchFailuresOf(this.function, { retryAttempts: 2 });
    const stopFunctions = [...new Set([...props.stopFunctions, ...(props.lookFunctions ?? [])])];
    // The in-flight look runs only when no other execution of the state machine is running.
    if ((props.lookFunctions ?? []).length > 0) {
      this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:ListExecutions'], resources: props.stateMachines.map((machine) => machine.stateMachineArn) }));
    }
    for (const fn of stopFunctions) fn.grantInvoke(this.function);

    const validations = Validations.of(this);
    for (const fn of stopFunctions) {
      validations.acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: 'grantInvoke covers the stop function and its versions/aliases (<arn>:*); it is one of the stack\'s own stop functions.',
      });
    }

    this.rule = new events.Rule(this, 'ExecutionEndedEarly', {
      description: `Continuum: an execution was aborted, timed out or failed: stop the remote jobs it left running${props.jobSlots ? ' and release its tenant job slots' : ''}`,
      eventPattern: executionStatusPattern(props.stateMachineArnPrefix ? { arnPrefix: props.stateMachineArnPrefix } : props.stateMachines, ENDED_EARLY_STATUSES),
      targets: [new eventTargets.LambdaFunction(this.function, { retryAttempts: 4, maxEventAge: Duration.hours(2), deadLetterQueue: props.failedDeliveries?.queue })],
    });
  }
}
