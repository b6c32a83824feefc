/**
 * Renders a state machine definition (ASL, as synthesized) as a Mermaid `stateDiagram-v2`, so
 * the README's diagrams are generated from the real template, not drawn by hand.
 */
import type { AslDefinition, AslState } from '../local/synthesized';

type Rule = { Next?: string; Variable?: string; And?: Rule[]; Or?: Rule[]; Not?: Rule; [op: string]: unknown };

export function toMermaid(definition: AslDefinition): string {
  const ids = new Map<string, string>();
  const idOf = (name: string) => {
    if (!ids.has(name)) ids.set(name, `s${ids.size}`);
    return ids.get(name)!;
  };
  const lines = ['stateDiagram-v2'];
  render(definition, '  ', idOf, lines);
  return lines.join('\n');
}

function render(definition: AslDefinition, indent: string, idOf: (name: string) => string, lines: string[]): void {
  lines.push(`${indent}[*] --> ${idOf(definition.StartAt)}`);
  for (const [name, state] of Object.entries(definition.States)) {
    const id = idOf(name);
    const nested = (state.ItemProcessor ?? state.Iterator) as AslDefinition | undefined;
    if (nested) {
      lines.push(`${indent}state "${label(name)}" as ${id} {`);
      render(nested, `${indent}  `, idOf, lines);
      lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}state "${label(name)}" as ${id}`);
    }
    for (const [target, text] of transitions(state)) lines.push(`${indent}${id} --> ${target === '[*]' ? '[*]' : idOf(target)}${text ? ` : ${text}` : ''}`);
  }
}

function transitions(state: AslState): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (state.Type === 'Choice') {
    for (const rule of (state.Choices as Rule[]) ?? []) out.push([rule.Next!, describe(rule)]);
    if (state.Default) out.push([String(state.Default), 'otherwise']);
  }
  if (typeof state.Next === 'string') out.push([state.Next, '']);
  for (const catcher of (state.Catch as Array<{ ErrorEquals: string[]; Next: string }>) ?? []) {
    out.push([catcher.Next, `error ${catcher.ErrorEquals.join(', ')}`.replace('States.ALL', 'any')]);
  }
  if (state.End === true || state.Type === 'Succeed' || state.Type === 'Fail') out.push(['[*]', state.Type === 'Fail' ? 'fails' : '']);
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
    NumericLessThan: '<', NumericLessThanEquals: '<=', IsNull: 'is null', IsPresent: 'is present',
  };
  for (const [op, symbol] of Object.entries(symbols)) {
    if (op in rule) return op.startsWith('Is') ? `${variable} ${rule[op] ? symbol : `not ${symbol.replace('is ', '')}`}` : `${variable} ${symbol} ${String(rule[op])}`;
  }
  return variable;
}

function label(name: string): string {
  return name.replace(/"/g, "'");
}
