/**
 * Renders a state machine as Graphviz DOT, then SVG (Graphviz compiled to WASM, @viz-js/viz)
 * and PNG (@resvg/resvg-js): no browser, no native Graphviz install.
 */
import { Resvg } from '@resvg/resvg-js';
import { instance } from '@viz-js/viz';
import type { AslDefinition } from '../local/synthesized';
import { stateGraph, type StateGraph } from './graph';

const SHAPES: Record<string, string> = {
  Task: 'shape=box, style="rounded,filled", fillcolor="#dbeafe", color="#1d4ed8"',
  Wait: 'shape=box, style="rounded,filled", fillcolor="#fef3c7", color="#b45309"',
  // Hexagons: diamonds around long names grow very wide.
  Choice: 'shape=hexagon, style=filled, fillcolor="#f3f4f6", color="#4b5563"',
  Pass: 'shape=box, style="rounded,filled", fillcolor="#ecfdf5", color="#047857"',
  // A Fail state ends the execution: drawn with a double border instead of an edge to the end
  // node, whose long lines from every job would cross the whole diagram.
  Fail: 'shape=box, style="rounded,filled", fillcolor="#fee2e2", color="#b91c1c", peripheries=2',
  Succeed: 'shape=box, style="rounded,filled", fillcolor="#dcfce7", color="#15803d"',
  Map: 'shape=box, style="rounded,dashed"',
};

/**
 * DOT for a state machine, top to bottom. Sizes are chosen to stay legible when the PNG of a
 * 60-state pipeline is scaled to about 1600 px wide.
 */
export function toDot(definition: AslDefinition, title: string): string {
  const lines = [
    'digraph pipeline {',
    '  rankdir=TB; nodesep=0.25; ranksep=0.35; newrank=true; pad=0.2;',
    `  label=${quote(title)}; labelloc=t; fontname="DejaVu Sans"; fontsize=20;`,
    '  node [fontname="DejaVu Sans", fontsize=14, height=0.4, margin="0.12,0.05"];',
    '  edge [fontname="DejaVu Sans", fontsize=11, color="#6b7280", fontcolor="#374151", arrowsize=0.7];',
    '  start [shape=circle, label="", width=0.25, style=filled, fillcolor=black];',
    '  end [shape=doublecircle, label="", width=0.2, style=filled, fillcolor=black];',
  ];
  let clusters = 0;
  const render = (graph: StateGraph, indent: string) => {
    for (const node of graph.nodes) {
      if (node.children) {
        lines.push(`${indent}subgraph cluster_${clusters++} {`, `${indent}  label=${quote(`${node.name} (each item)`)}; style=dashed;`);
        lines.push(`${indent}  ${quote(node.name)} [${SHAPES.Map}];`);
        render(node.children, `${indent}  `);
        lines.push(`${indent}  ${quote(node.name)} -> ${quote(node.children.start)} [style=dotted];`);
        lines.push(`${indent}}`);
      } else {
        lines.push(`${indent}${quote(node.name)} [label=${quote(wrap(node.name))}, ${SHAPES[node.type] ?? 'shape=box'}];`);
      }
    }
    for (const edge of graph.edges) {
      if (edge.kind === 'end' && graph.nodes.find((n) => n.name === edge.from)?.type === 'Fail') continue;
      const style = edge.kind === 'catch' ? ', style=dashed, color="#dc2626"' : '';
      const to = edge.to === '[*]' ? 'end' : quote(edge.to);
      lines.push(`${indent}${quote(edge.from)} -> ${to} [label=${quote(edge.label)}${style}];`);
    }
  };
  const graph = stateGraph(definition);
  lines.push(`  start -> ${quote(graph.start)};`);
  render(graph, '  ');
  lines.push('}');
  return lines.join('\n');
}

export async function toSvg(dot: string): Promise<string> {
  const viz = await instance();
  return viz.renderString(dot, { format: 'svg', engine: 'dot' });
}

export function toPng(svg: string, width = 1600): Buffer {
  const resvg = new Resvg(svg, { fitTo: { mode: 'width', value: width }, background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return resvg.render().asPng();
}

/**
 * Long state names on two lines ("Schedule unified dataset / check at max interval"): a graph
 * with one-line names is too wide to read once scaled to a page.
 */
export function wrap(name: string, max = 26): string {
  if (name.length <= max) return name;
  const words = name.split(' ');
  let best = name;
  let bestWidth = Infinity;
  for (let i = 1; i < words.length; i++) {
    const first = words.slice(0, i).join(' ');
    const second = words.slice(i).join(' ');
    const width = Math.max(first.length, second.length);
    if (width < bestWidth) {
      bestWidth = width;
      best = `${first}\n${second}`; // quote() turns the newline into DOT's line break escape
    }
  }
  return best;
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
