/**
 * 100 pipelines of one Tamr instance: spread over stacks that each stay within CloudFormation's
 * limits, with the handler functions shared inside each stack instead of one set per pipeline.
 */
import { statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type BuiltApp } from '../lib/app';
import { pipelinesOf, type CfnTemplate } from '../lib/local/synthesized';
import { STACK_LIMITS } from '../lib/stack-plan';
import { generatedPipelines } from '../bench/generated-pipelines';

const config = generatedPipelines(100);
let built: BuiltApp;
let templates: Array<{ name: string; template: CfnTemplate; bytes: number }>;

beforeAll(async () => {
  built = buildApp({ config, bundle: false, placement: new Map() });
  // Two synchronous steps of several seconds each: let the test worker answer its runner between them.
  await new Promise((resolve) => setImmediate(resolve));
  const assembly = built.app.synth();
  templates = built.stacks.map((stack) => {
    const artifact = assembly.getStackByName(stack.stackName);
    return { name: stack.stackName, template: artifact.template as CfnTemplate, bytes: statSync(artifact.templateFullPath).size };
  });
}, 300_000);

const ofType = (template: CfnTemplate, type: string) => Object.values(template.Resources).filter((r) => r.Type === type);

describe('100 pipelines', () => {
  it('are spread over stacks named Continuum, Continuum-2, ..., each within CloudFormation limits', () => {
    expect(built.stacks.length).toBeGreaterThan(1);
    expect(built.stack).toBe(built.stacks[0]);
    expect(templates.map((t) => t.name)).toEqual(templates.map((_, i) => (i === 0 ? 'Continuum' : `Continuum-${i + 1}`)));
    for (const { name, template, bytes } of templates) {
      expect(Object.keys(template.Resources).length, name).toBeLessThan(500);
      expect(bytes, name).toBeLessThan(1024 * 1024);
    }
  });

  it('places every pipeline exactly once, in config order', () => {
    const placed = templates.flatMap(({ template }) => ofType(template, 'AWS::StepFunctions::StateMachine').map((r) => r.Metadata?.['continuum:pipeline']));
    expect(placed).toEqual(config.pipelines.map((p) => p.name));
  });

  it('shares the handler functions: one per handler in each stack, not one per pipeline', () => {
    for (const { name, template } of templates) {
      const functions = ofType(template, 'AWS::Lambda::Function');
      const handlers = functions.map((r) => r.Metadata?.['continuum:handler']).filter((id) => id !== undefined);
      expect(handlers.sort(), name).toEqual(['tamr-mastering/get-operation', 'tamr-mastering/populate-recipe', 'tamr-mastering/submit-refresh', 'tamr-mastering/update-records']);
      // Besides the handlers, one function per stack publishes the job durations.
      expect(functions, name).toHaveLength(handlers.length + 1);
    }
  });

  it('keeps each state machine on the functions of its own stack', () => {
    const pipelines = templates.flatMap(({ template }) => [...pipelinesOf(template, config).values()]);
    expect(pipelines).toHaveLength(100);
    for (const pipeline of pipelines) expect(pipeline.functions.size, pipeline.config.name).toBe(4);
  });

  it('measures what CDK writes: each stack within 900,000 bytes and 450 resources, as the template file says', () => {
    expect(built.measures?.map((m) => m.stackName)).toEqual(templates.map((t) => t.name));
    for (const [i, t] of templates.entries()) {
      expect(built.measures![i].total.templateBytes, t.name).toBe(t.bytes);
      expect(t.bytes, t.name).toBeLessThanOrEqual(STACK_LIMITS.templateBytes);
      expect(Object.keys(t.template.Resources).length, t.name).toBeLessThanOrEqual(STACK_LIMITS.resources);
    }
  });
});
