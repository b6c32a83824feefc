/**
 * The diagrams `continuum graph` draws, rendered for real: every pipeline of pipelines.yaml goes
 * ASL → graph (step or state level) → DOT → SVG (Graphviz as WebAssembly) → PNG (resvg). At state
 * level the SVG must name every state; at step level, every step once, the guard and the ends.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../lib/config/load';
import { OVERLAP_GUARD_STATE } from '../lib/constructs/overlap-guard';
import { pipelineGraph, stateGraph } from '../lib/diagram/graph';
import { FONT_SIZES, toDot, toPng, toSvg, wrap } from '../lib/diagram/graphviz';
import { toMermaid } from '../lib/diagram/mermaid';
import { STEP_ENDS, stepGraph } from '../lib/diagram/steps';
import { allStates, synthesizeForLocalRun } from '../lib/local/synthesized';

const app = synthesizeForLocalRun(loadConfig('pipelines.yaml'));
const pipelines = [...app.pipelines.values()];

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&#45;/g, '-')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&amp;/g, '&');
}

/** The `<text>` elements of every node group of a Graphviz SVG. */
function nodeTexts(svg: string): Array<Array<{ text: string; y: number; fontSize: number }>> {
  const groups = [...svg.matchAll(/<g id="node\d+" class="node">([\s\S]*?)<\/g>/g)].map((m) => m[1]);
  return groups.map((group) =>
    [...group.matchAll(/<text[^>]*? y="([-\d.]+)"[^>]*? font-size="([\d.]+)">([^<]*)<\/text>/g)].map((m) => ({
      text: unescapeXml(m[3]),
      y: Number(m[1]),
      fontSize: Number(m[2]),
    })),
  );
}

/** The label of every node group of a Graphviz SVG: its `<text>` lines joined by a space. */
function nodeLabels(svg: string): string[] {
  return nodeTexts(svg).map((lines) => lines.map((l) => l.text).join(' ')).filter(Boolean);
}

/** The label of every edge of a Graphviz SVG. */
function edgeLabels(svg: string): string[] {
  const groups = [...svg.matchAll(/<g id="edge\d+" class="edge">([\s\S]*?)<\/g>/g)].map((m) => m[1]);
  return groups.flatMap((group) => [...group.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => unescapeXml(m[1])));
}

describe.each(pipelines.map((p) => [p.config.name, p] as const))('step-level diagram of %s', (name, pipeline) => {
  const graph = pipelineGraph(pipeline); // steps: the default level

  it('has exactly one node per step, the overlap guard and the ends', async () => {
    expect(pipeline.jobs).toHaveLength(pipeline.config.steps.length);
    const svg = await toSvg(toDot(graph, `${name} (${pipeline.config.system})`));
    const steps = pipeline.jobs.map((job) => job.states.fanOut ?? job.title);
    const labels = nodeLabels(svg);
    // The start dot has no label; the guard's name wraps onto two lines.
    expect(labels).toHaveLength(1 + steps.length + 3);
    for (const fixed of [OVERLAP_GUARD_STATE, 'Pipeline finished', 'Skipped', 'Run failed']) expect(labels.filter((l) => l === fixed), fixed).toHaveLength(1);
    // A fan-out's label goes on with its item count ("Load sources ×7 …").
    for (const step of steps) expect(labels.filter((l) => l === step || l.startsWith(`${step} ×`)), step).toHaveLength(1);
    const edges = edgeLabels(svg);
    expect(edges).toContain('fails');
    for (const label of edges) expect(label).not.toMatch(/\$\.|outcome|summary/);
  });

  it('folds failures into one "fails" edge per step, success flowing to the next step, labels in plain words', () => {
    const keys = pipeline.jobs.map((job) => job.key);
    for (const key of keys) {
      const out = graph.edges.filter((e) => e.from === key);
      expect(out.filter((e) => e.kind === 'catch'), key).toEqual([{ from: key, to: STEP_ENDS.failed, label: 'fails', kind: 'catch' }]);
      expect(out.filter((e) => e.kind === 'next'), key).toHaveLength(1);
      expect(out, key).toHaveLength(2);
    }
    const path = [OVERLAP_GUARD_STATE, ...keys, STEP_ENDS.finished];
    for (let i = 0; i + 1 < path.length; i++) expect(graph.edges.some((e) => e.from === path[i] && e.to === path[i + 1] && e.kind === 'next')).toBe(true);
    for (const edge of graph.edges) {
      expect(edge.label, `${edge.from} -> ${edge.to}`).not.toMatch(/\$\.|outcome|summary|States\.|is present|[<>=]/);
      expect(edge.label.length).toBeLessThanOrEqual(30);
    }
  });

  it('Mermaid text has the same nodes', () => {
    const mermaid = toMermaid(graph);
    expect(mermaid).toMatch(/^stateDiagram-v2\n/);
    for (const node of graph.nodes) expect(mermaid).toContain(`state "${(node.label ?? node.name).replace(/\n/g, ', ')}"`);
    expect(mermaid).not.toMatch(/\$\.|outcome/);
  });
});

describe('step graph', () => {
  it('says in plain words that a step with runIf may be skipped', () => {
    const pipeline = app.pipelines.get('tamr-mastering-demo')!;
    const recipe = pipeline.jobs.find((job) => job.states.skipped)!;
    expect(stepGraph(pipeline).edges.find((e) => e.from === recipe.key && e.kind === 'next')?.label).toBe('done or skipped');
  });

  it('names the state it cannot find instead of drawing a wrong graph', () => {
    const pipeline = app.pipelines.get('boomi-hub-demo')!;
    const jobs = pipeline.jobs.map((job) => ({ ...job, states: { ...job.states, done: 'No such state' } }));
    expect(() => stepGraph({ definition: pipeline.definition, jobs })).toThrow("step graph: the definition has no state 'No such state'");
  });
});

describe('step-level PNG of the four-step Tamr Cloud pipeline', () => {
  const pipeline = app.pipelines.get('tamr-cloud-demo')!;

  it('draws the Map as one step with its item count', () => {
    expect(pipeline.config.steps).toHaveLength(4);
    const load = stepGraph(pipeline).nodes.find((n) => n.name === 'load')!;
    expect(load).toMatchObject({ type: 'Map', label: 'Load sources ×7\n5 at a time' });
  });

  it('flows top to bottom with state text at least 12 px high at natural size', async () => {
    const svg = await toSvg(toDot(pipelineGraph(pipeline, 'steps'), 'tamr-cloud-demo (tamr-cloud)'));
    const viewBoxWidth = Number(/viewBox="[\d.]+ [\d.]+ ([\d.]+) [\d.]+"/.exec(svg)![1]);
    const png = toPng(svg);
    const scale = png.readUInt32BE(16) / viewBoxWidth;
    expect(scale).toBeCloseTo(4 / 3, 1);
    const texts = nodeTexts(svg).flat();
    expect(Math.min(...texts.map((t) => t.fontSize))).toBe(FONT_SIZES.node);
    expect(Math.min(...texts.map((t) => t.fontSize)) * scale).toBeGreaterThanOrEqual(12);
    expect(FONT_SIZES.edge * scale).toBeGreaterThanOrEqual(12);
    // Small enough to see whole at 100 %: a page, not a poster.
    expect(png.readUInt32BE(16)).toBeLessThan(1200);
    expect(png.readUInt32BE(20)).toBeLessThan(1400);

    // Top to bottom: each step's text lies below the one before (SVG y grows downwards).
    const ys = ['Check for a', 'Load sources ×7', 'Update data product', 'Update RealTime workflow', 'Publish output', 'Pipeline finished'].map(
      (text) => texts.find((t) => t.text === text)!.y,
    );
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    expect(new Set(ys).size).toBe(ys.length);
  });
});

describe.each(pipelines.map((p) => [p.config.name, p] as const))('state-level diagram of %s', (name, pipeline) => {
  it('renders to an SVG naming every state and a PNG of sensible size', async () => {
    const dot = toDot(pipelineGraph(pipeline, 'states'), `${name} (${pipeline.config.system})`);
    const svg = await toSvg(dot);

    expect(svg).toMatch(/^<\?xml/);
    const labels = nodeLabels(svg);
    const states = allStates(pipeline.definition).map(([stateName]) => stateName);
    expect(states.length).toBeGreaterThan(5);
    for (const state of states) expect(labels, `state '${state}' is drawn`).toContain(state);
    expect(labels).toHaveLength(states.length); // no state drawn twice, nothing else labelled

    const png = toPng(svg, 1600);
    expect(png.length).toBeGreaterThan(20_000);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    const width = png.readUInt32BE(16);
    const height = png.readUInt32BE(20);
    expect(width).toBe(1600);
    // Tall pipelines are fine, but not a sliver or an endless strip.
    expect(height).toBeGreaterThan(400);
    expect(height / width).toBeLessThan(6);
  });

  it('Mermaid text names every state', () => {
    const mermaid = toMermaid(stateGraph(pipeline.definition));
    for (const [state] of allStates(pipeline.definition)) expect(mermaid).toContain(`state "${state.replace(/"/g, "'")}"`);
  });
});

describe('DOT details', () => {
  it('escapes quotes and backslashes, and draws no edge from a Fail state to the end', () => {
    const dot = toDot(
      stateGraph({
        StartAt: 'Say "hi"',
        States: {
          'Say "hi"': { Type: 'Pass', Next: 'Back\\slash failed' },
          'Back\\slash failed': { Type: 'Fail', Error: 'X' },
        },
      }),
      'title',
    );
    expect(dot).toContain('"Say \\"hi\\"" [label="Say \\"hi\\"", shape=box');
    expect(dot).toContain('"Back\\\\slash failed" [label="Back\\\\slash failed"');
    expect(dot).toContain('peripheries=2');
    expect(dot).not.toMatch(/"Back\\\\slash failed" -> end/);
  });

  it('wraps long names onto two balanced lines and leaves short ones alone', () => {
    expect(wrap('Start run')).toBe('Start run');
    expect(wrap('Schedule unified dataset check at max interval')).toBe('Schedule unified dataset\ncheck at max interval');
    expect(wrap('Averyveryverylongnamewithoutanyspaces')).toBe('Averyveryverylongnamewithoutanyspaces');
  });
});
