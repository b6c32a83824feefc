/**
 * Placement is stable: editing, growing or deleting one pipeline never moves another to a
 * different stack, and an appended one goes where there is room. 40 one-step pipelines need two
 * stacks (their resources fill the first); each case rebuilds from the placement before it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, movedWarning, type BuiltApp } from '../lib/app';
import { placementFileFor, readPlacement, writePlacement, type Placement } from '../lib/placement';
import { planStacks, stateMachineNamePrefix, type StackMeasure } from '../lib/stack-plan';
import { configOf, smallPipeline } from './support/generated-configs';

const names = Array.from({ length: 40 }, (_, i) => `p-${i + 1}`);
const build = (pipelines: string[], placement: Placement): BuiltApp => buildApp({ config: configOf(pipelines), bundle: false, placement });
const stackOf = (built: BuiltApp) => new Map(built.stacks.flatMap((s) => [...s.pipelines.keys()].map((name) => [name, s.stackName] as const)));

let first: BuiltApp;
beforeAll(() => {
  first = build(names.map((n) => smallPipeline(n)), new Map());
}, 600_000);

describe('placement of 40 pipelines', { timeout: 600_000 }, () => {
  it('fills the first stack, then starts a second, and records where each pipeline is', () => {
    expect(first.stacks.map((s) => s.stackName)).toEqual(['Continuum', 'Continuum-2']);
    expect([...first.placement.keys()]).toEqual(names);
    expect(stackOf(first)).toEqual(first.placement);
    expect(first.moved).toEqual([]);
  });

  it('moves no other pipeline when the first one gets a step more', () => {
    const grown = build([smallPipeline('p-1', 2), ...names.slice(1).map((n) => smallPipeline(n))], first.placement);
    expect(grown.placement).toEqual(first.placement);
    expect(grown.stacks[0].pipelines.get('p-1')!.jobs).toHaveLength(2);
  });

  it('moves none when one in the middle is deleted', () => {
    const kept = names.filter((n) => n !== 'p-20');
    const built = build(kept.map((n) => smallPipeline(n)), first.placement);
    expect(built.placement).toEqual(new Map([...first.placement].filter(([n]) => n !== 'p-20')));
  });

  it('puts an appended pipeline in the first stack with room', () => {
    const kept = names.filter((n) => n !== 'p-20');
    const afterDelete = new Map([...first.placement].filter(([n]) => n !== 'p-20'));
    const built = build([...kept, 'p-46'].map((n) => smallPipeline(n)), afterDelete);
    // The deletion left room in the first stack: the new pipeline goes there, nothing else moves.
    expect(built.placement.get('p-46')).toBe('Continuum');
    expect(new Map([...built.placement].filter(([n]) => n !== 'p-46'))).toEqual(afterDelete);
  });
});

describe('the planner', () => {
  const cost = (templateBytes: number) => ({ templateBytes, resources: 10, outputs: 0 });
  const measure = (stackName: string, pipelines: Record<string, number>): StackMeasure => ({
    stackName,
    total: cost(0),
    fixed: cost(50_000),
    pipelines: new Map(Object.entries(pipelines).map(([n, b]) => [n, cost(b)])),
  });

  it('moves only the last pipelines of a stack a placed pipeline outgrew, and says which', () => {
    const placed = new Map([['a', 'Continuum'], ['b', 'Continuum'], ['c', 'Continuum'], ['d', 'Continuum-2']]);
    const plan = planStacks({ base: 'Continuum', pipelines: ['a', 'b', 'c', 'd'], placed, measures: [measure('Continuum', { a: 600_000, b: 200_000, c: 200_000 }), measure('Continuum-2', { d: 100_000 })] });
    expect(plan.stacks).toEqual([{ name: 'Continuum', pipelines: ['a', 'b'] }, { name: 'Continuum-2', pipelines: ['c', 'd'] }]);
    expect(plan.moved).toEqual([{ pipeline: 'c', from: 'Continuum', to: 'Continuum-2' }]);
    expect(movedWarning(plan.moved)).toContain('c: Continuum -> Continuum-2');
  });

  it('names state machines so that no stack prefix starts another', () => {
    const prefixes = Array.from({ length: 30 }, (_, i) => stateMachineNamePrefix('Continuum', i));
    expect(prefixes.slice(0, 3)).toEqual(['Continuum-', 'Continuum2-', 'Continuum3-']);
    for (const a of prefixes) for (const b of prefixes) if (a !== b) expect(b.startsWith(a), `${a} starts ${b}`).toBe(false);
    // First-stack machines are `Continuum-<pipeline>`; a pipeline name starts with a letter.
    for (const p of prefixes.slice(1)) expect(`Continuum-${'p-1'}`.startsWith(p)).toBe(false);
  });
});

describe('the placement file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'continuum-placement-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sits next to the config, round-trips, and is rewritten only when it changes', () => {
    const file = placementFileFor(join(dir, 'pipelines.yaml'));
    expect(file).toBe(join(dir, 'pipelines.placement.json'));
    expect(readPlacement(file)).toEqual(new Map());
    const placement = new Map([['a', 'Continuum'], ['b', 'Continuum-2']]);
    expect(writePlacement(file, placement)).toBe(true);
    expect(writePlacement(file, placement)).toBe(false);
    expect(readPlacement(file)).toEqual(placement);
    writeFileSync(file, '{"pipelines": ["a"]}');
    expect(() => readPlacement(file)).toThrow(`${file}: pipelines: must map each pipeline name to its stack name`);
    expect(readFileSync(file, 'utf8')).toContain('"a"');
  });
});
