/**
 * Renders a pipeline's graph (step or state level; a definition means its state graph) as a
 * Mermaid `stateDiagram-v2`, so the docs' diagrams are generated from the real template, not
 * drawn by hand.
 */
import type { AslDefinition } from '../local/synthesized';
import { asGraph, type StateGraph } from './graph';

export function toMermaid(source: StateGraph | AslDefinition): string {
  const ids = new Map<string, string>();
  const idOf = (name: string) => {
    if (!ids.has(name)) ids.set(name, `s${ids.size}`);
    return ids.get(name)!;
  };
  const lines = ['stateDiagram-v2'];
  render(asGraph(source), '  ', idOf, lines);
  return lines.join('\n');
}

function render(graph: StateGraph, indent: string, idOf: (name: string) => string, lines: string[]): void {
  lines.push(`${indent}[*] --> ${idOf(graph.start)}`);
  for (const node of graph.nodes) {
    const id = idOf(node.name);
    if (node.children) {
      lines.push(`${indent}state "${label(node.label ?? node.name)}" as ${id} {`);
      render(node.children, `${indent}  `, idOf, lines);
      lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}state "${label(node.label ?? node.name)}" as ${id}`);
    }
    for (const edge of graph.edges.filter((e) => e.from === node.name)) {
      lines.push(`${indent}${id} --> ${edge.to === '[*]' ? '[*]' : idOf(edge.to)}${edge.label ? ` : ${edge.label}` : ''}`);
    }
  }
}

function label(name: string): string {
  return name.replace(/"/g, "'").replace(/\n/g, ', ');
}
