/**
 * A template value with real-length stand-ins for what deploy resolves: the longest partition
 * (`aws-us-gov`), a long region (`ap-southeast-2`), a 12-digit account and, for each state
 * machine referenced, an ARN with an 80-character name (Step Functions' maximum). For checking
 * limits on resolved sizes, such as EventBridge's 2,048 characters per pattern.
 */
import type { CfnTemplate } from '../../lib/local/synthesized';

const PSEUDO: Record<string, string> = { 'AWS::Partition': 'aws-us-gov', 'AWS::Region': 'ap-southeast-2', 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com' };
const LONG_NAME = 'n'.repeat(80);

function arnOf(template: CfnTemplate, logicalId: string): string {
  const type = template.Resources[logicalId]?.Type;
  if (type === 'AWS::StepFunctions::StateMachine') return `arn:aws-us-gov:states:ap-southeast-2:123456789012:stateMachine:${LONG_NAME}`;
  return `arn:aws-us-gov:${type ?? 'unknown'}:ap-southeast-2:123456789012:${LONG_NAME}`;
}

/** Resolves `value`'s intrinsic functions with real-length stand-ins. */
export function resolveRealLength(value: unknown, template: CfnTemplate): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveRealLength(v, template));
  if (!value || typeof value !== 'object') return value;
  const node = value as Record<string, unknown>;
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(resolveRealLength(part, template))).join(separator);
  }
  if ('Ref' in node) return PSEUDO[String(node.Ref)] ?? arnOf(template, String(node.Ref));
  if ('Fn::GetAtt' in node) return arnOf(template, (node['Fn::GetAtt'] as string[])[0]);
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, resolveRealLength(v, template)]));
}

/** An EventBridge pattern as EventBridge stores it (compact JSON), with real-length ARNs. */
export function realLengthPattern(pattern: unknown, template: CfnTemplate): string {
  return JSON.stringify(resolveRealLength(pattern, template));
}
