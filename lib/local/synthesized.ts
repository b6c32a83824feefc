/**
 * Synthesizes the CDK app in-process and reads each pipeline back out of the CloudFormation
 * template: its ASL (the `Fn::Join` definition flattened with placeholder ARNs), the Lambda
 * functions its tasks invoke (handler id + environment) and the job metadata. What runs locally
 * is therefore exactly what `cdk deploy` would create.
 */
import { buildApp, withScratchOutdir } from '../app';
import type { LoadedConfig } from '../config/load';
import type { PipelineConfig } from '../config/schema';
import { JOB_SLOTS_METADATA } from '../constructs/job-slots';
import { METADATA, type JobMetadata } from '../constructs/pipeline';
import { STEP_DURATIONS_METADATA } from '../constructs/step-durations';
import type { LocalSlotTable, LocalTable } from './dynamodb';
import { cachedSynth } from './synth-cache';

export const LOCAL_ACCOUNT = '123456789012';
export const LOCAL_REGION = 'us-east-1';

/** A Lambda function of the template, as the local runner needs it. */
export interface LocalFunction {
  readonly logicalId: string;
  readonly handlerId: string;
  readonly environment: Readonly<Record<string, string>>;
}

/** One pipeline's state machine, ready to execute locally. */
export interface SynthesizedPipeline {
  readonly config: PipelineConfig;
  readonly stateMachineName: string;
  readonly stateMachineArn: string;
  /** The ASL definition as deployed (placeholder ARNs for account-specific values). */
  readonly definition: AslDefinition;
  readonly jobs: readonly JobMetadata[];
  /** By placeholder function ARN (what a task's `FunctionName` holds). */
  readonly functions: ReadonlyMap<string, LocalFunction>;
  /**
   * Local records files by the `s3://` URI the deployed steps read them by (their CDK asset's
   * object): the local runner hands handlers the file instead of the object.
   */
  readonly localObjects: ReadonlyMap<string, string>;
  /** The slot pool the pipeline's jobs hold slots of, and the table it lives in. */
  readonly slotPool?: { readonly tableName: string; readonly pool: string };
}

export interface AslDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
  Comment?: string;
}
export type AslState = Record<string, unknown> & { Type: string };

type CfnResource = { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> };
export type CfnTemplate = { Resources: Record<string, CfnResource>; Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }> };

/** Values other stacks of the app export, by export name (what `Fn::ImportValue` names). */
export type CfnExports = ReadonlyMap<string, unknown>;

export interface SynthesizedApp {
  /** The first stack's template. */
  readonly template: CfnTemplate;
  /** Every stack's template (more than one when the pipelines do not fit one stack). */
  readonly templates: readonly CfnTemplate[];
  readonly pipelines: ReadonlyMap<string, SynthesizedPipeline>;
  /** The slot pools' table, when some pipeline joins a pool. */
  readonly slotTable?: LocalSlotTable;
  /** Each stack's step-durations table, when its pipelines learn from their durations. */
  readonly durationTables: readonly LocalTable[];
}

/** Synthesize without bundling (local runs import the handler sources directly). */
export function synthesizeForLocalRun(config: LoadedConfig, stackName?: string): SynthesizedApp {
  return readTemplates(cachedSynth('templates', config, stackName, () => synthesizeTemplates(config, stackName)), config);
}

/** What a synth gives the local runner: each stack's template, and its uploaded records files. */
interface SynthesizedTemplates {
  readonly templates: CfnTemplate[];
  /** Each local records file: the `s3://` URI of its asset (a CloudFormation value) and the file. */
  readonly uploaded: Array<[unknown, string]>;
}

function synthesizeTemplates(config: LoadedConfig, stackName: string | undefined): SynthesizedTemplates {
  // No history budget here: Step Functions' 25,000-event limit is the deployed service's, and
  // local runs (tests above all) use shortened waits with budgets no deployment could have.
  // `cdk synth`, `continuum synth` and deploys check it.
  return withScratchOutdir((outdir) => {
    const { app, stacks } = buildApp({ config, stackName, bundle: false, historyBudget: false, appProps: { outdir } });
    const assembly = app.synth();
    // Everything is read out of the assembly before its scratch directory goes.
    return {
      templates: stacks.map((stack) => assembly.getStackByName(stack.stackName).template as CfnTemplate),
      uploaded: stacks.flatMap((stack) => stack.records.uploaded.map(({ uri, path }): [unknown, string] => [stack.resolve(uri), path])),
    };
  });
}

function readTemplates({ templates, uploaded }: SynthesizedTemplates, config: LoadedConfig): SynthesizedApp {
  // Each stack is read on its own: its state machines invoke only its own functions. The slot
  // table is the first stack's; the others import it.
  const slotTable = templates.map(slotTableOf).find((table) => table !== undefined);
  const exports = exportsOf(templates);
  const localObjects = new Map(uploaded.map(([uri, path]): [string, string] => [flatten(uri, exports), path]));
  const pipelines = new Map(templates.flatMap((template) => [...pipelinesOf(template, config, { exports, slotTable, localObjects })]));
  const durationTables = templates.flatMap(durationTablesOf);
  return { template: templates[0], templates, pipelines, durationTables, ...(slotTable ? { slotTable } : {}) };
}

/** The step-durations tables of a template (marked with their metadata). */
export function durationTablesOf(template: CfnTemplate): LocalTable[] {
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::DynamoDB::Table' && resource.Metadata?.[STEP_DURATIONS_METADATA])
    .map(([logicalId, resource]) => {
      const properties = resource.Properties as { KeySchema: LocalTable['keySchema']; AttributeDefinitions: LocalTable['attributeDefinitions'] };
      return { tableName: logicalId, keySchema: properties.KeySchema, attributeDefinitions: properties.AttributeDefinitions };
    });
}

/** Every export of the templates, by name. */
export function exportsOf(templates: readonly CfnTemplate[]): Map<string, unknown> {
  const exports = new Map<string, unknown>();
  for (const template of templates) {
    for (const output of Object.values(template.Outputs ?? {})) if (output.Export) exports.set(flatten(output.Export.Name), output.Value);
  }
  return exports;
}

/** The table holding the slot pools (marked with its metadata), if the template has one. */
export function slotTableOf(template: CfnTemplate): LocalSlotTable | undefined {
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const metadata = resource.Metadata?.[JOB_SLOTS_METADATA] as { pools?: string[] } | undefined;
    if (resource.Type !== 'AWS::DynamoDB::Table' || !metadata) continue;
    const properties = resource.Properties as { KeySchema: LocalSlotTable['keySchema']; AttributeDefinitions: LocalSlotTable['attributeDefinitions'] };
    return { tableName: logicalId, pools: metadata.pools ?? [], keySchema: properties.KeySchema, attributeDefinitions: properties.AttributeDefinitions };
  }
  return undefined;
}

export function pipelinesOf(
  template: CfnTemplate,
  config: LoadedConfig,
  /** Other stacks' exports and the app's slot table, when the app has several stacks. */
  app: { readonly exports?: CfnExports; readonly slotTable?: LocalSlotTable; readonly localObjects?: ReadonlyMap<string, string> } = {},
): Map<string, SynthesizedPipeline> {
  const exports = app.exports ?? new Map<string, unknown>();
  const functions = new Map<string, LocalFunction>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const handlerId = resource.Metadata?.[METADATA.handler];
    if (resource.Type !== 'AWS::Lambda::Function' || typeof handlerId !== 'string') continue;
    const variables = ((resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
    const environment = Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, typeof v === 'string' ? v : flatten(v, exports)]));
    functions.set(functionArn(logicalId), { logicalId, handlerId, environment });
  }

  const slotTable = app.slotTable ?? slotTableOf(template);
  const pipelines = new Map<string, SynthesizedPipeline>();
  for (const resource of Object.values(template.Resources)) {
    const name = resource.Metadata?.[METADATA.pipeline];
    if (resource.Type !== 'AWS::StepFunctions::StateMachine' || typeof name !== 'string') continue;
    const pipelineConfig = config.pipelines.find((p) => p.name === name);
    if (!pipelineConfig) throw new Error(`template has a state machine for unknown pipeline '${name}'`);
    const stateMachineName = String(resource.Properties?.StateMachineName);
    const definition = JSON.parse(flatten(resource.Properties?.DefinitionString, exports)) as AslDefinition;
    const used = new Map([...functions].filter(([arn]) => JSON.stringify(definition).includes(arn)));
    pipelines.set(name, {
      config: pipelineConfig,
      stateMachineName,
      stateMachineArn: `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${stateMachineName}`,
      definition,
      jobs: resource.Metadata?.[METADATA.jobs] as JobMetadata[],
      functions: used,
      localObjects: app.localObjects ?? new Map(),
      ...(pipelineConfig.slotPool && slotTable ? { slotPool: { tableName: slotTable.tableName, pool: pipelineConfig.slotPool } } : {}),
    });
  }
  return pipelines;
}

export function functionArn(logicalId: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${logicalId}`;
}

/**
 * Resolve a CloudFormation value (`Fn::Join`, `Ref`, `Fn::GetAtt`, and `Fn::ImportValue` of
 * another stack's export) to a string.
 */
export function flatten(value: unknown, exports: CfnExports = new Map()): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if ('Fn::Join' in node) {
      const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => flatten(part, exports)).join(separator);
    }
    if ('Fn::ImportValue' in node) {
      const name = flatten(node['Fn::ImportValue'], exports);
      if (!exports.has(name)) throw new Error(`cannot flatten an import of '${name}': no stack of the app exports it`);
      return flatten(exports.get(name), exports);
    }
    if ('Ref' in node) return pseudoParameter(String(node.Ref));
    // The CDK asset bucket's name: `cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}`.
    if ('Fn::Sub' in node && typeof node['Fn::Sub'] === 'string') return node['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_, name: string) => pseudoParameter(name));
    if ('Fn::GetAtt' in node) {
      const [logicalId, attribute] = node['Fn::GetAtt'] as [string, string];
      if (attribute === 'Arn') return functionArn(logicalId);
      return `${logicalId}.${attribute}`;
    }
  }
  throw new Error(`cannot flatten CloudFormation value ${JSON.stringify(value)}`);
}

function pseudoParameter(name: string): string {
  switch (name) {
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::Region':
      return LOCAL_REGION;
    case 'AWS::AccountId':
      return LOCAL_ACCOUNT;
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    default:
      return name;
  }
}

/** Every state of a definition, including those inside Map and Parallel states. */
export function allStates(definition: AslDefinition): Array<[string, AslState]> {
  const out: Array<[string, AslState]> = [];
  const visit = (states: Record<string, AslState>) => {
    for (const [name, state] of Object.entries(states)) {
      out.push([name, state]);
      const nested = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
      if (nested) visit(nested.States);
      for (const branch of (state.Branches as AslDefinition[] | undefined) ?? []) visit(branch.States);
    }
  };
  visit(definition.States);
  return out;
}
