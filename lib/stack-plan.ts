/**
 * How pipelines are spread over CloudFormation stacks.
 *
 * A stack may hold at most 500 resources and a 1 MB template. Functions are shared by the
 * pipelines of a connection (HandlerFunctions), so each pipeline adds about six resources (state
 * machine, its role and policy, schedule, the schedule's role and policy) and ~41 KB of template
 * (mostly its ASL definition, for six steps): the template size, not the resource count, is what
 * fills a stack first (20 such pipelines).
 *
 * Pipelines are placed in config order, filling one stack before starting the next, each measured
 * from its synthesized constructs. Appending a pipeline to the config therefore never moves an
 * existing one; growing a pipeline in the middle may push the last pipelines of its stack into
 * the next one (their state machines are then recreated there under the new stack's name).
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';
import type { ContinuumStack } from './continuum-stack';

/**
 * What a stack may hold: CloudFormation allows 500 resources and a 1 MB template; keep a fifth
 * of the resources free (for resources added outside pipelines) and count template bytes with
 * the estimate below, which is above what CDK writes.
 */
export const STACK_LIMITS = { resources: 400, templateBytes: 900_000 } as const;

/**
 * Template bytes: a state machine's resolved definition × 1.15 (escaping and indentation as
 * CDK writes the template) plus 1,000 per resource (measured 120–2,000, pretty-printed).
 * For the seed's six-step pipeline: 43 KB estimated, 41 KB written.
 */
const DEFINITION_FACTOR = 1.15;
const BYTES_PER_RESOURCE = 1_000;

export interface Cost {
  readonly resources: number;
  readonly templateBytes: number;
}

export interface StackMeasure {
  /** Per pipeline, in config order: its own resources plus its share of stack-level ones. */
  readonly pipelines: ReadonlyArray<Cost & { readonly name: string }>;
  /** What every stack carries whatever its pipelines: the shared handler functions. */
  readonly overhead: Cost;
  readonly total: Cost;
}

/** Measures a stack's constructs (no synthesis needed). */
export function measureStack(stack: ContinuumStack): StackMeasure {
  const all = resourcesOf(stack).length;
  const handlers = resourcesOf(stack.functions).length;
  const own = [...stack.pipelines].map(([name, pipeline]) => {
    const resources = resourcesOf(pipeline);
    const definitions = resources
      .filter((r) => r.cfnResourceType === 'AWS::StepFunctions::StateMachine')
      .reduce((sum, r) => sum + JSON.stringify(stack.resolve((r as CfnStateMachine).definitionString) ?? '').length, 0);
    return { name, resources: resources.length, definitionBytes: definitions };
  });
  // Resources outside pipelines and functions (schedule roles, cleanup, ...) are shared out evenly.
  const rest = all - handlers - own.reduce((sum, p) => sum + p.resources, 0);
  const share = own.length > 0 ? rest / own.length : 0;
  const pipelines = own.map((p) => {
    const resources = p.resources + share;
    return { name: p.name, resources, templateBytes: Math.ceil(p.definitionBytes * DEFINITION_FACTOR + resources * BYTES_PER_RESOURCE) };
  });
  const overhead = { resources: handlers + (own.length === 0 ? rest : 0), templateBytes: handlers * BYTES_PER_RESOURCE };
  return {
    pipelines,
    overhead,
    total: {
      resources: overhead.resources + pipelines.reduce((sum, p) => sum + p.resources, 0),
      templateBytes: overhead.templateBytes + pipelines.reduce((sum, p) => sum + p.templateBytes, 0),
    },
  };
}

/** Fits within the limits. */
export function fits(cost: Cost, limits: Cost = STACK_LIMITS): boolean {
  return cost.resources <= limits.resources && cost.templateBytes <= limits.templateBytes;
}

/** Pipeline names per stack: config order, each stack filled before the next one starts. */
export function planStacks(measure: StackMeasure, limits: Cost = STACK_LIMITS): string[][] {
  const room = { resources: limits.resources - measure.overhead.resources, templateBytes: limits.templateBytes - measure.overhead.templateBytes };
  const stacks: string[][] = [];
  let current: string[] = [];
  let used = { resources: 0, templateBytes: 0 };
  for (const pipeline of measure.pipelines) {
    const next = { resources: used.resources + pipeline.resources, templateBytes: used.templateBytes + pipeline.templateBytes };
    if (current.length > 0 && !fits(next, room)) {
      stacks.push(current);
      current = [];
      used = { resources: 0, templateBytes: 0 };
    }
    current.push(pipeline.name);
    used = { resources: used.resources + pipeline.resources, templateBytes: used.templateBytes + pipeline.templateBytes };
  }
  if (current.length > 0 || stacks.length === 0) stacks.push(current);
  return stacks;
}

/** `Continuum`, `Continuum-2`, `Continuum-3`, ...: the first keeps the name existing deploys use. */
export function stackNameFor(base: string, index: number): string {
  return index === 0 ? base : `${base}-${index + 1}`;
}

function resourcesOf(scope: IConstruct): CfnResource[] {
  return scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c) && Stack.of(c) === Stack.of(scope));
}
