/**
 * Renders a state machine as Graphviz DOT, then SVG (Graphviz compiled to WASM, @viz-js/viz)
 * and PNG (@resvg/resvg-js): no browser, no native Graphviz install.
 */
import { Resvg } from '@resvg/resvg-js';
import { instance } from '@viz-js/viz';
import type { AslDefinition } from '../local/synthesized';
import { asGraph, type StateGraph } from './graph';

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
  // A Map state, or a fan-out step: dashed, as the cluster of its iterations is.
  Map: 'shape=box, style="rounded,filled,dashed", fillcolor="#dbeafe", color="#1d4ed8"',
};

/** Font sizes in points (SVG user units); a PNG at its natural size draws a point as 4/3 px. */
export const FONT_SIZES = { title: 20, node: 14, edge: 12 } as const;

/**
 * DOT for a pipeline's graph (step or state level; a definition means its state graph), top to
 * bottom. The fonts are sized for the PNG at its natural size: 14 pt node text is 18.7 px.
 */
export function toDot(source: StateGraph | AslDefinition, title: string): string {
  const graph = asGraph(source);
  const lines = [
    'digraph pipeline {',
    '  rankdir=TB; nodesep=0.3; ranksep=0.4; newrank=true; pad=0.2;',
    `  label=${quote(title)}; labelloc=t; fontname="DejaVu Sans"; fontsize=${FONT_SIZES.title};`,
    `  node [fontname="DejaVu Sans", fontsize=${FONT_SIZES.node}, height=0.4, margin="0.12,0.05"];`,
    `  edge [fontname="DejaVu Sans", fontsize=${FONT_SIZES.edge}, color="#6b7280", fontcolor="#374151", arrowsize=0.7];`,
    '  start [shape=circle, label="", width=0.25, style=filled, fillcolor=black];',
  ];
  if (hasEdgeToEnd(graph)) lines.push('  end [shape=doublecircle, label="", width=0.2, style=filled, fillcolor=black];');
  // Step graphs: failure edges do not pull their target into the main flow, so success is a straight line.
  const straight = graph.level === 'steps';
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
        const label = node.label ?? node.name;
        lines.push(`${indent}${quote(node.name)} [label=${quote(label.includes('\n') ? label : wrap(label))}, ${SHAPES[node.type] ?? 'shape=box'}];`);
      }
    }
    for (const edge of graph.edges) {
      if (edge.kind === 'end' && graph.nodes.find((n) => n.name === edge.from)?.type === 'Fail') continue;
      const style = edge.kind === 'catch' ? `, style=dashed, color="#dc2626"${straight ? ', fontcolor="#b91c1c", weight=0' : ''}` : edge.kind === 'next' && straight ? ', weight=8' : '';
      const to = edge.to === '[*]' ? 'end' : quote(edge.to);
      lines.push(`${indent}${quote(edge.from)} -> ${to} [label=${quote(edge.label)}${style}];`);
    }
  };
  lines.push(`  start -> ${quote(graph.start)};`);
  render(graph, '  ');
  lines.push('}');
  return lines.join('\n');
}

export async function toSvg(dot: string): Promise<string> {
  const viz = await instance();
  return viz.renderString(dot, { format: 'svg', engine: 'dot' });
}

/**
 * The PNG of an SVG: `width` pixels wide, or without it at the SVG's natural size (Graphviz
 * sizes it in points, 4/3 px each), where the text has the sizes of FONT_SIZES × 4/3.
 */
export function toPng(svg: string, width?: number): Buffer {
  const fitTo = width === undefined ? ({ mode: 'original' } as const) : ({ mode: 'width', value: width } as const);
  const resvg = new Resvg(svg, { fitTo, background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return resvg.render().asPng();
}

function hasEdgeToEnd(graph: StateGraph): boolean {
  return graph.edges.some((e) => e.to === '[*]') || graph.nodes.some((n) => n.children && hasEdgeToEnd(n.children));
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
