/**
 * Builds the CDK app for a config file. Shared by `bin/app.ts` (cdk synth/deploy), the local
 * runner (in-process synth) and the tests.
 *
 * Pipelines that do not fit one CloudFormation stack are spread over several: `Continuum`,
 * `Continuum-2`, ... (lib/stack-plan.ts), where the placement file (lib/placement.ts) says, new
 * pipelines where there is room. Each stack is complete on its own (its own copies of the shared
 * handler functions, its own execution cleanup), except for the tenant job slot table: slot pools
 * span stacks, so the first stack holds it for all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement, CfnOutput, CfnResource, Stack, Validations, type AppProps } from 'aws-cdk-lib';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { ConfigError, loadConfig, type LoadedConfig } from './config/load';
import { ContinuumStack } from './continuum-stack';
import { placementFileFor, placementOf, readPlacement, type Placement } from './placement';
import { fits, measureTemplate, overLimit, planStacks, stackIndexOf, stackNameFor, stateMachineNamePrefix, STACK_LIMITS, type Moved, type PlannedStack, type StackMeasure } from './stack-plan';

export const DEFAULT_CONFIG_FILE = 'pipelines.yaml';
export const DEFAULT_STACK_NAME = 'Continuum';

export interface BuildAppOptions {
  readonly config: LoadedConfig | string;
  readonly stackName?: string;
  /** Skip esbuild bundling (local runs and most tests do not need the bundles). */
  readonly bundle?: boolean;
  readonly appProps?: AppProps;
  /**
   * Where the pipelines were placed before (pipeline → stack name).
   * @default the config's placement file (`<config>.placement.json`), empty when there is none
   */
  readonly placement?: Placement;
  /**
   * Refuse pipelines whose worst-case execution history exceeds the budget (ConfigError).
   * @default true
   */
  readonly historyBudget?: boolean;
}

export interface BuiltApp {
  readonly app: App;
  /** The first stack (the only one unless the pipelines need more). */
  readonly stack: ContinuumStack;
  readonly stacks: readonly ContinuumStack[];
  readonly config: LoadedConfig;
  /** Where each pipeline is now: what the placement file should say. */
  readonly placement: Placement;
  /** Placed pipelines that had to move to another stack (their state machines are recreated). */
  readonly moved: readonly Moved[];
  /** The measured trial stacks the plan was made from (absent when the config is far below the limits). */
  readonly measures?: readonly StackMeasure[];
}

/**
 * Runs `use` with a scratch directory for an app's assembly, removed after. An App given no
 * outdir (and no CDK_OUTDIR, which only the CDK CLI sets) makes a temporary `cdk.out*` directory
 * of its own as it is constructed and never removes it: every local run, status or graph would
 * leave one behind (a megabyte each, every night).
 */
export function withScratchOutdir<T>(use: (outdir: string) => T): T {
  const outdir = mkdtempSync(join(tmpdir(), 'continuum-synth-'));
  try {
    return use(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** A trial layout is measured, re-planned and measured again at most this many times. */
const MAX_TRIALS = 5;

export function buildApp(options: BuildAppOptions): BuiltApp {
  const config = typeof options.config === 'string' ? loadConfig(options.config) : options.config;
  const base = options.stackName ?? DEFAULT_STACK_NAME;
  const names = config.pipelines.map((p) => p.name);
  const recorded = options.placement ?? readPlacement(placementFileFor(config.file));
  // Entries for deleted pipelines, or for stacks of another base name, are ignored.
  const placed = new Map([...recorded].filter(([name, stack]) => names.includes(name) && stackIndexOf(base, stack) !== undefined));

  // The recorded stacks as they are, new pipelines in a stack of their own to be measured.
  let layout = initialLayout(base, names, placed);
  if (layout.length === 1) {
    // autoSynth off: under the CDK CLI an unsynthesized App writes its assembly at exit, which
    // would replace the real one (bundles included) with this trial's.
    const trial = newApp(options, false, { autoSynth: false });
    const stacks = addStacks(trial, config, base, layout, options.historyBudget);
    if (farBelowLimits(stacks[0])) {
      // Nothing to measure: no synth spent on it (small configs, most tests and local runs).
      const result = { config, placement: placementOf(layout), moved: [] };
      if (options.bundle === false) return { ...result, app: trial, stack: stacks[0], stacks };
      const app = newApp(options, true);
      const built = addStacks(app, config, base, layout, options.historyBudget);
      return { ...result, app, stack: built[0], stacks: built };
    }
  }

  let measures: StackMeasure[] = [];
  for (let attempt = 0; ; attempt++) {
    measures = measureTrial(options, config, base, layout);
    const current = placementOf(layout);
    const plan = planStacks({ base, pipelines: names, placed: attempt === 0 ? placed : current, measures });
    const unchanged = samePlacement(placementOf(plan.stacks), current);
    if (unchanged && measures.every((m) => fits(m.total))) break;
    if (unchanged || attempt + 1 >= MAX_TRIALS) throw tooLarge(config, measures, layout);
    layout = [...plan.stacks];
  }

  const placement = placementOf(layout);
  const moved = [...placed].filter(([name, stack]) => placement.get(name) !== stack).map(([pipeline, from]) => ({ pipeline, from, to: placement.get(pipeline)! }));
  const app = newApp(options, options.bundle !== false);
  const built = addStacks(app, config, base, layout, options.historyBudget);
  return { app, stack: built[0], stacks: built, config, placement, moved, measures };
}

/** The warning for pipelines that moved, naming each: their state machines are replaced on deploy. */
export function movedWarning(moved: readonly Moved[]): string | undefined {
  if (moved.length === 0) return undefined;
  return [
    `Continuum: ${moved.length} pipeline(s) no longer fit their stack and move; deploying deletes and recreates their state machines (history lost, running executions stopped):`,
    ...moved.map((m) => `  ${m.pipeline}: ${m.from} -> ${m.to}`),
  ].join('\n');
}

// Trials are measured only: no tree metadata, no resource-count error (a trial may hold every
// new pipeline in one stack), and never written by the CDK CLI at exit (autoSynth off).
const TRIAL_PROPS: AppProps = { autoSynth: false, treeMetadata: false, context: { '@aws-cdk/core:stackResourceLimit': 0 } };

function initialLayout(base: string, names: readonly string[], placed: ReadonlyMap<string, string>): PlannedStack[] {
  const byIndex = new Map<number, string[]>([[0, []]]);
  for (const name of names) {
    const index = stackIndexOf(base, placed.get(name));
    if (index !== undefined) byIndex.set(index, [...(byIndex.get(index) ?? []), name]);
  }
  const fresh = names.filter((name) => !placed.has(name));
  if (fresh.length > 0) {
    const holding = placed.size === 0 ? 0 : Math.max(...byIndex.keys()) + 1;
    byIndex.set(holding, [...(byIndex.get(holding) ?? []), ...fresh]);
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([index, pipelines]) => ({ name: stackNameFor(base, index), pipelines }));
}

function addStacks(app: App, config: LoadedConfig, base: string, layout: readonly PlannedStack[], historyBudget?: boolean): ContinuumStack[] {
  const stacks: ContinuumStack[] = [];
  for (const [position, planned] of layout.entries()) {
    const pipelines = config.pipelines.filter((p) => planned.pipelines.includes(p.name));
    const part = layout.length > 1 ? ` (part ${position + 1} of ${layout.length})` : '';
    // Slot pools count in one table, the first stack's: the others reference it (a CloudFormation
    // export, so they deploy after it and it cannot be deleted while they use it).
    stacks.push(
      new ContinuumStack(app, planned.name, {
        config,
        pipelines,
        description: `Continuum data-mastering pipelines from ${config.file}${part}`,
        sharedJobSlots: stacks[0]?.jobSlots,
        stateMachineNamePrefix: stateMachineNamePrefix(base, stackIndexOf(base, planned.name)!),
        historyBudget,
      }),
    );
  }
  return stacks;
}

/**
 * Builds `layout` as a trial app, synthesizes it into a directory of its own (never the
 * caller's; removed after) and measures its templates.
 */
function measureTrial(options: BuildAppOptions, config: LoadedConfig, base: string, layout: readonly PlannedStack[]): StackMeasure[] {
  return withScratchOutdir((outdir) => {
    const trial = newApp(options, false, { ...TRIAL_PROPS, outdir });
    const stacks = addStacks(trial, config, base, layout, options.historyBudget);
    for (const stack of stacks) {
      Validations.of(stack).acknowledge({ id: 'CloudFormation-Validate::F0007', reason: 'A trial stack may hold every new pipeline at once, to measure them; it is never deployed.' });
    }
    const assembly = trial.synth({ skipValidation: true });
    return stacks.map((stack) => measureTemplate(stack, assembly.getStackByName(stack.stackName).template as object));
  });
}

/**
 * Whether a stack is so far below the limits that measuring it is not worth a synth: exact
 * resource and output counts, and template bytes estimated from the state machine definitions
 * (× 1.15 for escaping) plus 2,000 per resource, against half the byte limit (the estimate was
 * seen 25% under what CDK writes).
 */
function farBelowLimits(stack: ContinuumStack): boolean {
  const elements = stack.node.findAll().filter((c): c is CfnElement => CfnElement.isCfnElement(c) && Stack.of(c) === stack);
  const resources = elements.filter((e): e is CfnResource => CfnResource.isCfnResource(e));
  const definitions = resources
    .filter((r) => r.cfnResourceType === 'AWS::StepFunctions::StateMachine')
    .reduce((sum, r) => sum + JSON.stringify(stack.resolve((r as CfnStateMachine).definitionString) ?? '').length, 0);
  const templateBytes = definitions * 1.15 + resources.length * 2_000;
  return fits({ templateBytes: templateBytes * 2, resources: resources.length, outputs: elements.filter((e) => e instanceof CfnOutput).length });
}

function samePlacement(a: Placement, b: Placement): boolean {
  return a.size === b.size && [...a].every(([name, stack]) => b.get(name) === stack);
}

function tooLarge(config: LoadedConfig, measures: readonly StackMeasure[], layout: readonly PlannedStack[]): ConfigError {
  const problems = measures
    .filter((m) => !fits(m.total))
    .map((m) => {
      const pipelines = layout.find((s) => s.name === m.stackName)?.pipelines ?? [];
      const index = config.pipelines.findIndex((p) => p.name === pipelines[0]);
      return {
        path: pipelines.length === 1 ? `pipelines[${index}]` : '',
        reason: `stack ${m.stackName} cannot be made to fit (${overLimit(m.total)}; limits ${STACK_LIMITS.templateBytes.toLocaleString('en-US')} bytes, ${STACK_LIMITS.resources} resources, ${STACK_LIMITS.outputs} outputs)${pipelines.length === 1 ? `: pipeline '${pipelines[0]}' alone is too large, split it into smaller pipelines` : ''}`,
      };
    });
  return new ConfigError(config.file, problems);
}

function newApp(options: BuildAppOptions, bundle: boolean, extra: AppProps = {}): App {
  return new App({
    ...options.appProps,
    ...extra,
    context: {
      ...options.appProps?.context,
      ...extra.context,
      ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
}
