/**
 * What the functions and rules that follow executions share: the EventBridge pattern of a
 * Step Functions status change, and read access to the execution history of some state machines.
 */
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

/**
 * The state machines a rule follows: a list of machines (one pipeline's alerts), or every machine
 * whose ARN starts with `arnPrefix` (a stack's: see stateMachineArnPrefix), which keeps the
 * pattern the same size whatever the number of pipelines (EventBridge allows 2,048 characters).
 */
export type FollowedMachines = readonly sfn.IStateMachine[] | { readonly arnPrefix: string };

/** Executions of `machines` that reached one of `statuses`. */
export function executionStatusPattern(machines: FollowedMachines, statuses: readonly string[]): events.EventPattern {
  const stateMachineArn = 'arnPrefix' in machines ? [{ prefix: machines.arnPrefix }] : machines.map((machine) => machine.stateMachineArn);
  return {
    source: ['aws.states'],
    detailType: ['Step Functions Execution Status Change'],
    detail: { status: [...statuses], stateMachineArn },
  };
}

/**
 * The ARN prefix shared by the state machines named `<namePrefix><pipeline>` in this stack's
 * account and region: `arn:<partition>:states:<region>:<account>:stateMachine:<namePrefix>`.
 */
export function stateMachineArnPrefix(scope: Construct, namePrefix: string): string {
  return Stack.of(scope).formatArn({ service: 'states', resource: 'stateMachine', resourceName: namePrefix, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * Let `fn` call GetExecutionHistory on the executions of `machines`, and acknowledge on `scope`
 * (a parent of the function's role policy) the `:*` of each machine's execution ARN for cdk-nag.
 */
export function grantReadExecutionHistory(scope: Construct, fn: IFunction, machines: readonly sfn.StateMachine[]): void {
  const stack = Stack.of(scope);
  const names = machines.map((machine) => String((machine.node.defaultChild as sfn.CfnStateMachine).stateMachineName));
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['states:GetExecutionHistory'],
      resources: names.map((name) => stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${name}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })),
    }),
  );
  const validations = Validations.of(scope);
  for (const name of names) {
    validations.acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${name}:*]`,
      reason: `Executions are named when they start: ':*' covers the executions of state machine ${name} only.`,
    });
  }
}
