/**
 * The deploy gate's CPU-heavy part, run as a child process by test/support/gate.ts:
 * `node --import tsx test/support/gate-synth-child.ts <a|b|c> <outdir>`.
 *
 * One synth per config, with cdk-nag's AwsSolutions checks as a validation plugin of that same
 * synth (the gate used to synthesize each config a second time for them), then each template's
 * copy with flattened definitions and asl-validator's verdict on every definition. Writes
 * `<outdir>/gate-summary.json` (GateSummary). Seconds to minutes of synchronous work: in a child
 * process, the vitest worker that waits for it keeps answering its runner.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../../lib/app';
import { exportsOf, flatten, type CfnTemplate } from '../../lib/local/synthesized';
import { checkDefinitions } from './asl-check';
import { GATE_CONFIGS, type GateConfig } from './gate-configs';
import type { GateSummary } from './gate';

const [key, outdir] = process.argv.slice(2) as [GateConfig, string];
if (!(key in GATE_CONFIGS) || !outdir) {
  console.error('usage: gate-synth-child.ts <a|b|c> <outdir>');
  process.exit(2);
}
const cpu = () => process.cpuUsage().user / 1e6;
const seconds: Record<string, number> = {};
const timed = <T>(phase: string, work: () => T): T => {
  const started = cpu();
  const result = work();
  seconds[phase] = Math.round((cpu() - started) * 10) / 10;
  return result;
};

const config = GATE_CONFIGS[key].make();
mkdirSync(outdir, { recursive: true });

/** buildApp and synth, as `cdk synth` does them; with cdk-nag unless `nag` is false. */
function synthesize(nag: boolean, into: string) {
  const built = timed(nag ? 'buildApp' : 'buildApp again', () => buildApp({ config, bundle: false, placement: new Map(), appProps: { outdir: into } }));
  if (nag) Validations.of(built.app).addPlugins(new AwsSolutionsChecks(built.app));
  return { built, assembly: timed(nag ? 'synth with cdk-nag' : 'synth again', () => built.app.synth()) };
}

let nagReport: string | null = null;
let synthesized: ReturnType<typeof synthesize>;
try {
  synthesized = synthesize(true, join(outdir, 'cdk.out'));
} catch (error) {
  // A nag finding fails the synth: keep its report, and synthesize without nag for the other checks.
  nagReport = (error as Error).message;
  synthesized = synthesize(false, join(outdir, 'cdk.out-without-nag'));
}
const { built, assembly } = synthesized;

const stacks = built.stacks.map((stack) => {
  const artifact = assembly.getStackByName(stack.stackName);
  return { stack: stack.stackName, file: artifact.templateFullPath, template: artifact.template as CfnTemplate };
});
const exports = exportsOf(stacks.map((s) => s.template));
const definitions: Array<{ stack: string; id: string; definition: unknown }> = [];
const templates = timed('flatten', () =>
  stacks.map((s) => {
    const flattened = structuredClone(s.template);
    for (const [id, resource] of Object.entries(flattened.Resources)) {
      if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
      resource.Properties!.DefinitionString = flatten(resource.Properties!.DefinitionString, exports);
      definitions.push({ stack: s.stack, id, definition: JSON.parse(resource.Properties!.DefinitionString as string) });
    }
    const flattenedFile = s.file.replace(/\.template\.json$/, '.flattened.template.json');
    writeFileSync(flattenedFile, JSON.stringify(flattened, undefined, 1));
    return { stack: s.stack, file: s.file, flattenedFile, bytes: Buffer.byteLength(readFileSync(s.file)) };
  }),
);
const verdicts = timed('asl-validator', () => checkDefinitions(definitions.map((d) => d.definition)));

const summary: GateSummary = {
  label: GATE_CONFIGS[key].label,
  templates,
  nagReport,
  asl: definitions.map((d, i) => ({ stack: d.stack, id: d.id, ...verdicts[i] })),
  cpuSeconds: seconds,
};
writeFileSync(join(outdir, 'gate-summary.json'), JSON.stringify(summary, undefined, 1));
