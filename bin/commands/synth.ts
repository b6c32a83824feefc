import { join } from 'node:path';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { BuiltApp } from '../../lib/app';
import type { LoadedConfig } from '../../lib/config/load';
import { defineCommand } from './declare';
import { activity } from './feedback';
import { configOption, loadConfigFile } from './shared';

type TemplateResource = { Type: string; Properties?: Record<string, unknown> };

export const synthCommand = defineCommand({
  name: 'synth',
  summary: 'Synthesize the CloudFormation template (like `cdk synth`) into cdk.out',
  description: `Synthesizes the CDK app in-process, exactly as \`npx cdk synth\` does through bin/app.ts, and
writes the cloud assembly (template and Lambda bundles) to --out. Prints the stacks, state
machines and resource counts.`,
  options: {
    config: configOption,
    out: { type: 'string', value: 'DIR', help: 'output directory', default: 'cdk.out' },
    'stack-name': { type: 'string', value: 'NAME', help: 'stack name (default Continuum)' },
    'no-bundle': { type: 'boolean', help: 'skip esbuild bundling of the handlers (template only, faster)' },
  },
  async run(values) {
    const synthesizing = activity(`Synthesizing ${values.config} into ${values.out}${values['no-bundle'] ? '' : ' (bundling the handlers)'}…`);
    let assembly: CloudAssembly;
    let config: LoadedConfig;
    let built: BuiltApp;
    try {
      config = await loadConfigFile(values.config);
      const { buildApp } = await import('../../lib/app');
      built = buildApp({ config, stackName: values['stack-name'], bundle: !values['no-bundle'], appProps: { outdir: values.out } });
      assembly = built.app.synth();
    } finally {
      await synthesizing.done();
    }
    console.log(`Synthesized ${config.file} into ${assembly.directory}`);
    const { movedWarning } = await import('../../lib/app');
    const { placementFileFor, writePlacement } = await import('../../lib/placement');
    const warning = movedWarning(built.moved);
    if (warning) console.error(warning);
    const placementFile = placementFileFor(config.file);
    if (writePlacement(placementFile, built.placement)) console.log(`  wrote ${placementFile}: which stack each pipeline is in (commit it with ${config.file})`);
    for (const stack of assembly.stacks) {
      const resources = Object.values((stack.template as { Resources?: Record<string, TemplateResource> }).Resources ?? {});
      const byType = new Map<string, number>();
      for (const resource of resources) byType.set(resource.Type, (byType.get(resource.Type) ?? 0) + 1);
      const machines = resources.filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
      console.log(`  stack ${stack.stackName}: ${join(assembly.directory, stack.templateFile)}`);
      console.log(`    state machines: ${machines.length}`);
      for (const machine of machines) console.log(`      ${String(machine.Properties?.StateMachineName ?? '(unnamed)')}`);
      console.log(`    resources: ${resources.length}`);
      for (const [type, count] of [...byType].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) console.log(`      ${String(count).padStart(3)}  ${type}`);
    }
    // Where things will be after the deploy, and what a team's own alert topic must allow.
    const { deployNotes } = await import('../../lib/deploy/outputs');
    for (const line of deployNotes(built)) console.log(line);
    return 0;
  },
});
