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

/** Executions of `machines` that reached one of `statuses`. */
export function executionStatusPattern(machines: readonly sfn.IStateMachine[], statuses: readonly string[]): events.EventPattern {
  return {
    source: ['aws.states'],
    detailType: ['Step Functions Execution Status Change'],
    detail: { status: [...statuses], stateMachineArn: machines.map((machine) => machine.stateMachineArn) },
  };
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
