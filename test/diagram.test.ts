/**
 * The diagrams `continuum graph` draws, rendered for real: every pipeline of pipelines.yaml goes
 * ASL → DOT → SVG (Graphviz as WebAssembly) → PNG (resvg), and the SVG must name every state.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../lib/config/load';
import { toDot, toPng, toSvg, wrap } from '../lib/diagram/graphviz';
import { toMermaid } from '../lib/diagram/mermaid';
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

/** The label of every node group of a Graphviz SVG: its `<text>` lines joined by a space. */
function nodeLabels(svg: string): string[] {
  const groups = [...svg.matchAll(/<g id="node\d+" class="node">([\s\S]*?)<\/g>/g)].map((m) => m[1]);
  return groups.map((group) => [...group.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => unescapeXml(m[1])).join(' ')).filter(Boolean);
}

describe.each(pipelines.map((p) => [p.config.name, p] as const))('diagram of %s', (name, pipeline) => {
  it('renders to an SVG naming every state and a PNG of sensible size', async () => {
    const dot = toDot(pipeline.definition, `${name} (${pipeline.config.system})`);
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
    const mermaid = toMermaid(pipeline.definition);
    for (const [state] of allStates(pipeline.definition)) expect(mermaid).toContain(`state "${state.replace(/"/g, "'")}"`);
  });
});

describe('DOT details', () => {
  it('escapes quotes and backslashes, and draws no edge from a Fail state to the end', () => {
    const dot = toDot(
      {
        StartAt: 'Say "hi"',
        States: {
          'Say "hi"': { Type: 'Pass', Next: 'Back\\slash failed' },
          'Back\\slash failed': { Type: 'Fail', Error: 'X' },
        },
      },
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
