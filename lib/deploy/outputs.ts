/**
 * What `continuum synth` tells a person about where things will be after `cdk deploy`: each
 * stack's Outputs (keys and values, with what only the deploy knows shown as `<...>`), how to
 * read them once deployed, and what a team's own alert topic must allow.
 */
import { ArnFormat, CfnOutput, type CfnElement } from 'aws-cdk-lib';
import type { BuiltApp } from '../app';
import type { ContinuumStack } from '../continuum-stack';
import { ownTopicRequirements } from './alert-topic-policy';
import { renderValue } from './render';

/** One output of a stack as it will read after the deploy. */
export interface StackOutput {
  readonly key: string;
  readonly value: string;
  readonly description?: string;
}

/** The outputs of `stack` (its own and its pipelines'), pipelines first, in the order they were added. */
export function stackOutputs(stack: ContinuumStack): StackOutput[] {
  // A state machine's name is fixed, so its Ref (the ARN) is known up to region and account.
  const known = new Map<string, string>();
  for (const pipeline of stack.pipelines.values()) {
    const cfn = pipeline.stateMachine.node.defaultChild as CfnElement;
    known.set(stack.getLogicalId(cfn), renderValue(
        stack,
        stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: pipeline.stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ));
  }
  return [...[...stack.pipelines.values()].flatMap((p) => p.node.children), ...stack.node.children]
    .filter((child): child is CfnOutput => child instanceof CfnOutput)
    .map((output) => ({ key: stack.resolve(output.logicalId) as string, value: renderValue(stack, output.value, known), description: output.description }));
}

/** The lines `continuum synth` prints after the templates: outputs per stack, then the team topics' policies. */
export function deployNotes(built: Pick<BuiltApp, 'stacks'>): string[] {
  const lines: string[] = [];
  for (const stack of built.stacks) {
    const outputs = stackOutputs(stack);
    const width = Math.max(...outputs.map((o) => o.key.length));
    lines.push(
      `  outputs of ${stack.stackName} (after cdk deploy: aws cloudformation describe-stacks --stack-name ${stack.stackName} --query "Stacks[0].Outputs"):`,
      ...outputs.map((o) => `    ${o.key.padEnd(width)}  ${o.value}`),
    );
  }
  return [...lines, ...ownTopicRequirements(built)];
}
