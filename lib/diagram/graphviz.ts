/**
 * Renders a state machine as Graphviz DOT, then SVG (Graphviz compiled to WASM, @viz-js/viz)
 * and PNG (@resvg/resvg-js): no browser, no native Graphviz install.
 */
import { Resvg } from '@resvg/resvg-js';
import { instance } from '@viz-js/viz';
import type { AslDefinition } from '../local/synthesized';
import { stateGraph, type StateGraph } from './graph';

const SHAPES: Record<string, string> = {
  Task: 'shape=box, style="rounded,filled", fillcolor="#dbeafe"',
  Wait: 'shape=box, style="rounded,filled", fillcolor="#fef3c7"',
  Choice: 'shape=diamond, style=filled, fillcolor="#f3f4f6"',
  Pass: 'shape=box, style="rounded,filled", fillcolor="#ecfdf5"',
  Fail: 'shape=box, style="rounded,filled", fillcolor="#fee2e2"',
  Succeed: 'shape=box, style="rounded,filled", fillcolor="#dcfce7"',
  Map: 'shape=box, style="rounded,dashed"',
};

export function toDot(definition: AslDefinition, title: string): string {
  const lines = [
    'digraph pipeline {',
    `  label=${quote(title)}; labelloc=t; fontname="DejaVu Sans"; fontsize=16;`,
    '  node [fontname="DejaVu Sans", fontsize=11]; edge [fontname="DejaVu Sans", fontsize=9, color="#6b7280"];',
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
        lines.push(`${indent}${quote(node.name)} [${SHAPES[node.type] ?? 'shape=box'}];`);
      }
    }
    for (const edge of graph.edges) {
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

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
