/**
 * The state graph of an ASL definition as nodes and edges, shared by the Mermaid and Graphviz
 * renderers so both draw the same thing. `--level states` draws this graph; `--level steps`
 * (the default) draws the step graph of ./steps.ts, in the same shape.
 */
import type { AslDefinition, AslState } from '../local/synthesized';
import { stepGraph, type StepGraphSource } from './steps';

export const DIAGRAM_LEVELS = ['steps', 'states'] as const;
export type DiagramLevel = (typeof DIAGRAM_LEVELS)[number];

/** A pipeline's graph at one level of detail. */
export function pipelineGraph(pipeline: StepGraphSource, level: DiagramLevel = 'steps'): StateGraph {
  return level === 'steps' ? stepGraph(pipeline) : stateGraph(pipeline.definition);
}

/** A graph as given, or the state graph of a definition (what the renderers took before levels existed). */
export function asGraph(source: StateGraph | AslDefinition): StateGraph {
  return 'States' in source ? stateGraph(source) : source;
}

export interface GraphNode {
  /** Unique in the graph: a state name, or a step's job key. */
  readonly name: string;
  /** What the node shows, when it is not its name (a step's title). */
  readonly label?: string;
  /** An ASL state type; step graphs use Task for a step, Map for a fan-out, Succeed/Fail for the ends. */
  readonly type: string;
  /** States inside a Map/Parallel state. */
  readonly children?: StateGraph;
}

export interface GraphEdge {
  readonly from: string;
  /** A state name, or '[*]' for the end. */
  readonly to: string;
  readonly label: string;
  readonly kind: 'next' | 'choice' | 'default' | 'catch' | 'end';
}

export interface StateGraph {
  /** 'steps' for a step graph, whose success path is drawn as a straight line. */
  readonly level?: DiagramLevel;
  readonly start: string;
  readonly nodes: GraphNode[];
  readonly edges: GraphEdge[];
}

type Rule = { Next?: string; Variable?: string; And?: Rule[]; Or?: Rule[]; Not?: Rule; [op: string]: unknown };

export function stateGraph(definition: AslDefinition): StateGraph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    const nested = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
    nodes.push({ name, type: state.Type, ...(nested ? { children: stateGraph(nested) } : {}) });
    edges.push(...edgesOf(name, state));
  }
  return { start: definition.StartAt, nodes, edges };
}

function edgesOf(from: string, state: AslState): GraphEdge[] {
  const out: GraphEdge[] = [];
  if (state.Type === 'Choice') {
    for (const rule of (state.Choices as Rule[]) ?? []) out.push({ from, to: rule.Next!, label: describe(rule), kind: 'choice' });
    if (state.Default) out.push({ from, to: String(state.Default), label: 'otherwise', kind: 'default' });
  }
  if (typeof state.Next === 'string') out.push({ from, to: state.Next, label: '', kind: 'next' });
  for (const catcher of (state.Catch as Array<{ ErrorEquals: string[]; Next: string }>) ?? []) {
    out.push({ from, to: catcher.Next, label: `error ${catcher.ErrorEquals.join(', ')}`.replace('States.ALL', 'any'), kind: 'catch' });
  }
  if (state.End === true || state.Type === 'Succeed' || state.Type === 'Fail') {
    out.push({ from, to: '[*]', label: state.Type === 'Fail' ? 'fails' : '', kind: 'end' });
  }
  return out;
}

/** A short, readable condition: `outcome = succeeded`, `poll.count >= 28`. */
function describe(rule: Rule): string {
  if (rule.And) return rule.And.map(describe).join(' and ');
  if (rule.Or) return rule.Or.map(describe).join(' or ');
  if (rule.Not) return `not ${describe(rule.Not)}`;
  const variable = String(rule.Variable ?? '').replace(/^\$\.(job\.(status\.)?)?/, '');
  const symbols: Record<string, string> = {
    StringEquals: '=', NumericEquals: '=', BooleanEquals: '=', NumericGreaterThan: '>', NumericGreaterThanEquals: '>=',
    NumericLessThan: '<', NumericLessThanEquals: '<=',
  };
  if ('IsNull' in rule) return `${variable} ${rule.IsNull ? 'is null' : 'is not null'}`;
  if ('IsPresent' in rule) return `${variable} ${rule.IsPresent ? 'is present' : 'is absent'}`;
  for (const [op, symbol] of Object.entries(symbols)) if (op in rule) return `${variable} ${symbol} ${String(rule[op])}`;
  return variable;
}
