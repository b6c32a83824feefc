/**
 * CloudFormation values as a person reads them before a deploy: pseudo parameters become
 * `<region>`, `<account>`, `<partition>`; a state machine's Ref becomes its ARN (its name is
 * fixed); any other resource's Ref or attribute is shown as `<after deploy: LogicalId[.Attribute]>`.
 */
import type { Stack } from 'aws-cdk-lib';

const PSEUDO: Record<string, string> = {
  'AWS::Region': '<region>',
  'AWS::AccountId': '<account>',
  'AWS::Partition': '<partition>',
  'AWS::StackName': '<stack name>',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Logical id → what its Ref renders as, for the resources whose Ref is known at synth. */
export type KnownRefs = ReadonlyMap<string, string>;

/** Render `value` (a construct value: tokens allowed) of `stack` as text. */
export function renderValue(stack: Stack, value: unknown, known: KnownRefs = new Map()): string {
  return render(stack.resolve(value), known);
}

function render(value: unknown, known: KnownRefs): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => render(v, known)).join(', ');
  if (value && typeof value === 'object') {
    const [fn, arg] = Object.entries(value)[0] ?? [];
    if (fn === 'Ref' && typeof arg === 'string') return PSEUDO[arg] ?? known.get(arg) ?? `<after deploy: ${arg}>`;
    if (fn === 'Fn::Join' && Array.isArray(arg)) return (arg[1] as unknown[]).map((part) => render(part, known)).join(String(arg[0]));
    if (fn === 'Fn::GetAtt' && Array.isArray(arg)) return `<after deploy: ${arg.join('.')}>`;
  }
  return JSON.stringify(value);
}
