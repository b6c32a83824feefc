/**
 * How pipelines are spread over CloudFormation stacks, from measured templates.
 *
 * CloudFormation allows a stack 500 resources, 200 outputs and a 1,000,000-byte template. A
 * stack here is filled to at most 450 resources, 180 outputs and 900,000 bytes: the margin
 * leaves room for a pipeline to grow a little without moving.
 *
 * The planner works on measures of real synthesized templates (lib/app.ts synthesizes trial
 * apps without bundling): each pipeline costs the bytes, resources and outputs of its own
 * template entries plus an even share of the bytes of the stack resources that grow with the
 * pipelines (the dashboard, the policies of the functions following every execution); the rest
 * of a stack (handler functions, key, slot table, execution rules) is its fixed cost.
 *
 * Placement is stable: a pipeline already placed stays in its stack (see lib/placement.ts); new
 * pipelines go to the first stack with room, else to a new stack. Only when a placed pipeline
 * grew past its stack's limits are that stack's last pipelines moved, and the move is reported.
 */
import { CfnElement, CfnOutput, CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ContinuumStack } from './continuum-stack';

export interface Cost {
  readonly templateBytes: number;
  readonly resources: number;
  readonly outputs: number;
}

/** What a stack may hold: CloudFormation's limits (1,000,000 bytes, 500, 200) less a margin. */
export const STACK_LIMITS: Cost = { templateBytes: 900_000, resources: 450, outputs: 180 };

/** CloudFormation's own limits, for checks of what was synthesized. */
/**
 * New pipelines fill a stack only up to this share of STACK_LIMITS, so the placed ones can grow
 * (a step more, a longer definition) by a fifth before any pipeline has to move.
 */
export const FILL_SHARE = 0.8;

export const CLOUDFORMATION_LIMITS: Cost = { templateBytes: 1_000_000, resources: 500, outputs: 200 };

const ZERO: Cost = { templateBytes: 0, resources: 0, outputs: 0 };
const add = (a: Cost, b: Cost): Cost => ({ templateBytes: a.templateBytes + b.templateBytes, resources: a.resources + b.resources, outputs: a.outputs + b.outputs });
const sub = (a: Cost, b: Cost): Cost => ({ templateBytes: a.templateBytes - b.templateBytes, resources: a.resources - b.resources, outputs: a.outputs - b.outputs });

/** Fits within the limits. */
export function fits(cost: Cost, limits: Cost = STACK_LIMITS): boolean {
  return cost.templateBytes <= limits.templateBytes && cost.resources <= limits.resources && cost.outputs <= limits.outputs;
}

/** The first limit `cost` exceeds, in words ("912,345 template bytes > 900,000"), if any. */
export function overLimit(cost: Cost, limits: Cost = STACK_LIMITS): string | undefined {
  const over = (['templateBytes', 'resources', 'outputs'] as const).find((key) => cost[key] > limits[key]);
  const label = { templateBytes: 'template bytes', resources: 'resources', outputs: 'outputs' } as const;
  return over && `${Math.ceil(cost[over]).toLocaleString('en-US')} ${label[over]} > ${limits[over].toLocaleString('en-US')}`;
}

/** One synthesized stack, measured. */
export interface StackMeasure {
  readonly stackName: string;
  /** The whole template as CDK writes it. */
  readonly total: Cost;
  /** What the stack carries whatever its pipelines: total less the pipelines' costs. */
  readonly fixed: Cost;
  /** Per pipeline (config order): its own template entries and its share of the growing ones. */
  readonly pipelines: ReadonlyMap<string, Cost>;
}

/** Stack-level resource types whose size grows with the stack's pipelines. */
const GROWING_TYPES = new Set(['AWS::CloudWatch::Dashboard', 'AWS::IAM::Policy']);

type Template = { Resources?: Record<string, unknown>; Outputs?: Record<string, unknown> };

/** Measures a synthesized stack: `template` is what the cloud assembly holds for it. */
export function measureTemplate(stack: ContinuumStack, template: Template): StackMeasure {
  // CDK writes templates with JSON.stringify(template, undefined, 1); CloudFormation counts bytes.
  const total = { templateBytes: Buffer.byteLength(JSON.stringify(template, undefined, 1)), resources: Object.keys(template.Resources ?? {}).length, outputs: Object.keys(template.Outputs ?? {}).length };
  const entryCost = (element: CfnElement): Cost => {
    // The logical id as written (an override, such as an output's fixed key, included).
    const id = stack.resolve(element.logicalId) as string;
    const isResource = CfnResource.isCfnResource(element);
    const value = (isResource ? template.Resources : template.Outputs)?.[id];
    if (value === undefined) return ZERO;
    // The entry sits two levels deep: each of its lines carries two more spaces of indentation.
    const text = JSON.stringify(value, undefined, 1);
    const lines = text.split('\n').length;
    return { templateBytes: Buffer.byteLength(text) + id.length + 6 + 2 * lines, resources: isResource ? 1 : 0, outputs: element instanceof CfnOutput ? 1 : 0 };
  };
  const costOf = (scope: IConstruct): Cost => elementsOf(scope).reduce((sum, element) => add(sum, entryCost(element)), ZERO);

  const own = new Map([...stack.pipelines].map(([name, pipeline]) => [name, costOf(pipeline)]));
  // Stack-level entries that grow with the pipelines, in bytes only: the dashboard (widgets per
  // pipeline) and the policies of the functions that follow every execution (one statement
  // each). Their count, and every other stack-level entry, is fixed.
  const inPipelines = new Set([...[...stack.pipelines.values()].flatMap((p) => elementsOf(p)), ...elementsOf(stack.functions)]);
  const growingBytes = elementsOf(stack)
    .filter((e) => !inPipelines.has(e) && CfnResource.isCfnResource(e) && GROWING_TYPES.has(e.cfnResourceType))
    .reduce((sum, e) => sum + entryCost(e).templateBytes, 0);
  const share = own.size > 0 ? { ...ZERO, templateBytes: growingBytes / own.size } : ZERO;
  const pipelines = new Map([...own].map(([name, cost]) => [name, add(cost, share)]));
  const fixed = sub(total, [...pipelines.values()].reduce(add, ZERO));
  return { stackName: stack.stackName, total, fixed, pipelines };
}

/** A stack of the plan: its name and its pipelines in config order. */
export interface PlannedStack {
  readonly name: string;
  readonly pipelines: readonly string[];
}

export interface Moved {
  readonly pipeline: string;
  readonly from: string;
  readonly to: string;
}

export interface Plan {
  readonly stacks: readonly PlannedStack[];
  /** Pipelines that were placed and had to move because their stack no longer fits. */
  readonly moved: readonly Moved[];
}

export interface PlanInput {
  /** The first stack's name (`Continuum`); the others are `<base>-2`, `<base>-3`, ... */
  readonly base: string;
  /** Every pipeline of the config, in config order. */
  readonly pipelines: readonly string[];
  /** Where each pipeline was placed before (pipeline → stack name); others are new. */
  readonly placed: ReadonlyMap<string, string>;
  /** The measured stacks of a trial build: every pipeline was measured in one of them. */
  readonly measures: readonly StackMeasure[];
  readonly limits?: Cost;
}

/**
 * Places every pipeline: placed ones stay (until their stack exceeds the limits), new ones go to
 * the first stack with room below FILL_SHARE of the limits.
 */
export function planStacks(input: PlanInput): Plan {
  const limits = input.limits ?? STACK_LIMITS;
  const fill: Cost = { templateBytes: limits.templateBytes * FILL_SHARE, resources: Math.floor(limits.resources * FILL_SHARE), outputs: Math.floor(limits.outputs * FILL_SHARE) };
  const costOf = new Map(input.measures.flatMap((m) => [...m.pipelines]));
  const cost = (name: string): Cost => {
    const measured = costOf.get(name);
    if (!measured) throw new Error(`stack plan: pipeline '${name}' was not measured`);
    return measured;
  };
  // A stack not measured yet carries the largest fixed cost measured (its functions, key, ...).
  const newStackFixed = input.measures.reduce((max, m) => (m.fixed.templateBytes > max.templateBytes ? m.fixed : max), input.measures[0]?.fixed ?? ZERO);
  const fixedOf = new Map(input.measures.map((m) => [m.stackName, m.fixed]));

  const stacks = new Map<number, { name: string; pipelines: string[]; used: Cost }>();
  const open = (index: number) => {
    let stack = stacks.get(index);
    if (!stack) {
      const name = stackNameFor(input.base, index);
      stack = { name, pipelines: [], used: fixedOf.get(name) ?? newStackFixed };
      stacks.set(index, stack);
    }
    return stack;
  };
  open(0);
  const waiting: Array<{ name: string; from?: string }> = [];
  for (const name of input.pipelines) {
    const index = stackIndexOf(input.base, input.placed.get(name));
    if (index === undefined) {
      waiting.push({ name });
      continue;
    }
    const stack = open(index);
    stack.pipelines.push(name);
    stack.used = add(stack.used, cost(name));
  }
  // A placed pipeline grew: its stack's last pipelines leave it, only as many as needed.
  for (const stack of [...stacks.values()]) {
    const leaving: string[] = [];
    while (!fits(stack.used, limits) && stack.pipelines.length > 1) {
      const last = stack.pipelines.pop()!;
      stack.used = sub(stack.used, cost(last));
      leaving.unshift(last);
    }
    waiting.push(...leaving.map((name) => ({ name, from: stack.name })));
  }
  const order = new Map(input.pipelines.map((name, i) => [name, i]));
  waiting.sort((a, b) => order.get(a.name)! - order.get(b.name)!);

  const moved: Moved[] = [];
  for (const { name, from } of waiting) {
    const pipelineCost = cost(name);
    let index = 0;
    for (; ; index++) {
      const stack = open(index);
      if (stack.name !== from && (fits(add(stack.used, pipelineCost), fill) || stack.pipelines.length === 0)) break;
    }
    const stack = open(index);
    stack.pipelines.push(name);
    stack.used = add(stack.used, pipelineCost);
    if (from) moved.push({ pipeline: name, from, to: stack.name });
  }
  for (const stack of stacks.values()) stack.pipelines.sort((a, b) => order.get(a)! - order.get(b)!);
  // Stacks left without pipelines are dropped (the first always stays: it may hold the slot table).
  const planned = [...stacks.entries()].sort(([a], [b]) => a - b).filter(([index, s]) => index === 0 || s.pipelines.length > 0);
  return { stacks: planned.map(([, s]) => ({ name: s.name, pipelines: s.pipelines })), moved };
}

/** `Continuum`, `Continuum-2`, `Continuum-3`, ...: the first keeps the name existing deploys use. */
export function stackNameFor(base: string, index: number): string {
  return index === 0 ? base : `${base}-${index + 1}`;
}

/** The index of a stack named by stackNameFor, or undefined for another name. */
export function stackIndexOf(base: string, name: string | undefined): number | undefined {
  if (name === base) return 0;
  const match = name?.startsWith(`${base}-`) ? /^([2-9]|[1-9][0-9]+)$/.exec(name.slice(base.length + 1)) : null;
  return match ? Number(match[1]) - 1 : undefined;
}

/**
 * What the state machines of stack `index` are named with, before the pipeline's name:
 * `Continuum-` for the first (today's names), `Continuum2-`, `Continuum3-`, ... for the others.
 * The stacks' execution rules follow their machines by this prefix, so no prefix may start
 * another: `<base>-` is followed by a pipeline name (a letter), `<base><n>-` by digits then a
 * dash, so none is a prefix of another. (`Continuum-2-` would be: `Continuum-` starts it.)
 */
export function stateMachineNamePrefix(base: string, index: number): string {
  return index === 0 ? `${base}-` : `${base}${index + 1}-`;
}

function elementsOf(scope: IConstruct): CfnElement[] {
  const stack = Stack.of(scope);
  return scope.node.findAll().filter((c): c is CfnElement => CfnElement.isCfnElement(c) && Stack.of(c) === stack);
}
