/**
 * Builds the CDK app for a config file. Shared by `bin/app.ts` (cdk synth/deploy), the local
 * runner (in-process synth) and the tests.
 *
 * Pipelines that do not fit one CloudFormation stack (500 resources, 1 MB template) are spread
 * over several: `Continuum`, `Continuum-2`, ... (see lib/stack-plan.ts). Each stack is complete
 * on its own (its own copies of the shared handler functions, its own execution cleanup), except
 * for the tenant job slot table: slot pools span stacks, so the first stack holds it for all.
 */
import { App, type AppProps } from 'aws-cdk-lib';
import { loadConfig, type LoadedConfig } from './config/load';
import { ContinuumStack } from './continuum-stack';
import { fits, measureStack, planStacks, stackNameFor } from './stack-plan';

export const DEFAULT_CONFIG_FILE = 'pipelines.yaml';
export const DEFAULT_STACK_NAME = 'Continuum';

export interface BuildAppOptions {
  readonly config: LoadedConfig | string;
  readonly stackName?: string;
  /** Skip esbuild bundling (local runs and most tests do not need the bundles). */
  readonly bundle?: boolean;
  readonly appProps?: AppProps;
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
}

export function buildApp(options: BuildAppOptions): BuiltApp {
  const config = typeof options.config === 'string' ? loadConfig(options.config) : options.config;
  const name = options.stackName ?? DEFAULT_STACK_NAME;

  // Measure with every pipeline in one stack (no bundling: constructs only). When they fit, that
  // is the app (unless bundles are wanted); otherwise place them and build again.
  // autoSynth off: under the CDK CLI an unsynthesized App writes its assembly at exit, which
  // would replace the real one (bundles included) with this trial's.
  const trial = newApp(options, false, { autoSynth: false });
  const whole = new ContinuumStack(trial, name, { config, description: description(config), historyBudget: options.historyBudget });
  const measure = measureStack(whole);
  if (fits(measure.total) && options.bundle === false) return { app: trial, stack: whole, stacks: [whole], config };

  const plan = fits(measure.total) ? [config.pipelines.map((p) => p.name)] : planStacks(measure);
  const app = newApp(options, options.bundle !== false);
  const stacks: ContinuumStack[] = [];
  for (const [index, names] of plan.entries()) {
    const pipelines = config.pipelines.filter((p) => names.includes(p.name));
    const part = plan.length > 1 ? ` (part ${index + 1} of ${plan.length})` : '';
    // Slot pools count in one table, the first stack's: the others reference it (a CloudFormation
    // export, so they deploy after it and it cannot be deleted while they use it).
    stacks.push(new ContinuumStack(app, stackNameFor(name, index), { config, pipelines, description: description(config) + part, sharedJobSlots: stacks[0]?.jobSlots, historyBudget: options.historyBudget }));
  }
  return { app, stack: stacks[0], stacks, config };
}

function newApp(options: BuildAppOptions, bundle: boolean, extra: AppProps = {}): App {
  return new App({
    ...options.appProps,
    ...extra,
    context: {
      ...options.appProps?.context,
      ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
}

function description(config: LoadedConfig): string {
  return `Continuum data-mastering pipelines from ${config.file}`;
}
