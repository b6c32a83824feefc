/**
 * The deploy guide's `aws secretsmanager create-secret` commands, one per system that has a demo
 * (lib/local/demo.ts): the secret's name and JSON shape come from the demo's credentials, with
 * every value replaced by a placeholder, so a new system's shape shows up by itself.
 */
import { demoOf } from '../local/demo';
import type { SystemDoc } from './config-reference';

export function deploySecretsMarkdown(systems: readonly Pick<SystemDoc, 'system' | 'title'>[]): string {
  const blocks: string[] = [];
  for (const { system, title } of systems) {
    const setup = demoOf(system);
    if (!setup) continue;
    for (const [name, value] of Object.entries(setup.secrets)) {
      blocks.push(
        `# ${title} (secretName ${name} in pipelines.yaml)`,
        `aws secretsmanager create-secret --name ${name} \\`,
        `    --secret-string '${JSON.stringify(placeholders(value))}'`,
      );
    }
  }
  return ['```bash', ...blocks, '```'].join('\n');
}

/** `{"username": "admin"}` → `{"username": "<username>"}`: the shape, never a demo value. */
export function placeholders(value: unknown, key = 'value'): unknown {
  if (Array.isArray(value)) return value.map((v) => placeholders(v, key));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placeholders(v, k)]));
  if (typeof value === 'string') return `<${key}>`;
  return value;
}
