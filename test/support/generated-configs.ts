/**
 * Generated configs for scale checks: small scheduled pipelines (cheap to synthesize,
 * resource-bound: 14 resources each, so 45 of them need two stacks) and a mixed config of every system with S3 records and schedules.
 */
import { parseConfig, type LoadedConfig } from '../../lib/config/load';

/** One scheduled Tamr Mastering pipeline named `name` with `steps` unified-dataset refreshes (projects 1..steps). */
export function smallPipeline(name: string, steps = 1): string {
  const stepLines = Array.from({ length: steps }, (_, s) => `      - kind: refreshUnifiedDataset\n        project: "${s + 1}"\n${steps > 1 ? `        name: Refresh unified dataset ${s + 1}\n        subject: unified dataset ${s + 1}\n` : ''}`);
  return `  - name: ${name}
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr-mastering
    schedule:
      expression: rate(1 day)
    steps:
${stepLines.join('')}`;
}

/** A config of the given pipeline texts (see smallPipeline). */
export function configOf(pipelines: readonly string[], file = 'generated.yaml'): LoadedConfig {
  return parseConfig(`pipelines:\n${pipelines.join('')}`, file);
}

const EXAMPLE_FILE = 'pipelines.yaml';
const S3_RECORDS: Record<string, string> = {
  'examples/tamr-records.jsonl': 's3://acme-landing/tamr/records.jsonl',
  'examples/boomi-hub-contacts.xml': 's3://acme-landing/boomi/contacts.xml',
};

/** pipelines.yaml's text with its local `records:` files replaced by S3 objects (as deployed). */
export function exampleTextWithS3Records(text: string): string {
  return Object.entries(S3_RECORDS).reduce((t, [local, s3]) => t.replaceAll(`records: ${local}`, `records: ${s3}`), text);
}

/**
 * `perSystem` copies of each pipeline of pipelines.yaml (one per system), named `<name>-<n>`,
 * with S3 records and every schedule enabled: 40 per system is the 160-pipeline deploy check.
 */
export function mixedPipelines(exampleText: string, perSystem: number): LoadedConfig {
  const body = exampleTextWithS3Records(exampleText).replaceAll('enabled: false', 'enabled: true');
  const blocks = body.split(/\n(?=  - name: )/).slice(1);
  const copies = blocks.flatMap((block) =>
    Array.from({ length: perSystem }, (_, i) => `${block.replace(/^  - name: ([a-z0-9-]+)/, (_m, name: string) => `  - name: ${name}-${i + 1}`).trimEnd()}\n`),
  );
  return parseConfig(`pipelines:\n${copies.join('')}`, `generated-mixed-${perSystem * blocks.length}.yaml`);
}

export { EXAMPLE_FILE };
