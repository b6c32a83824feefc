import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../lib/config/load';
import { ERRORS, exitCodeOf, RETRYABLE_ERRORS } from '../lib/contract/errors';
import { pipelineSchema, SYSTEMS } from '../lib/config/schema';
import { configReference, configReferenceMarkdown, jsonSchemaOf, type JsonSchema } from '../lib/docs/config-reference';
import { renderReadme } from '../lib/docs/readme';
import { allStates, synthesizeForLocalRun } from '../lib/local/synthesized';

const readme = readFileSync('README.md', 'utf8');

/** The text between `<!-- name -->` and `<!-- /name -->`. */
function block(text: string, name: string): string {
  const match = new RegExp(`<!-- ${name} -->\\n([\\s\\S]*?)\\n<!-- /${name} -->`).exec(text);
  if (!match) throw new Error(`README has no ${name} block`);
  return match[1];
}

describe('README', () => {
  it('is what `npm run docs` generates: diagrams, config reference, deploy secrets (run `npm run docs` when this fails)', () => {
    expect(readme).toContain('<!-- diagram:tamr-mastering-demo -->');
    expect(readme).toContain('<!-- config-reference -->');
    expect(readme).toContain('<!-- deploy-secrets -->');
    expect(renderReadme(readme, 'pipelines.yaml')).toBe(readme);
  });

  it('drift in a generated block is detected, not kept', () => {
    const reference = block(readme, 'config-reference');
    const edited = readme.replace(reference, reference.replace(/\| `polling\.timeoutMinutes` \|[^\n]*\n/, ''));
    expect(edited).not.toBe(readme);
    expect(renderReadme(edited, 'pipelines.yaml')).toBe(readme);

    const stale = readme.replace(reference, reference.replace('`120`', '`90`'));
    expect(renderReadme(stale, 'pipelines.yaml')).not.toBe(stale);
  });

  it('quick start is the two commands CI and new users run', () => {
    expect(readme).toMatch(/npm ci && npm start/);
    expect(readme).toMatch(/^npm test/m);
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/npm test/);
  });

  it('has the sections users look for, in order', () => {
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    const order = ['Quick start', 'Running pipelines locally', 'Config reference', 'Deploy', 'Troubleshooting', 'Design notes'];
    const positions = order.map((h) => headings.indexOf(h));
    expect(positions.every((p) => p >= 0), `headings: ${headings.join(', ')}`).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('troubleshooting explains every error a run can end with', () => {
    const section = readme.slice(readme.indexOf('## Troubleshooting'), readme.indexOf('## Design notes'));
    const runErrors = Object.entries(ERRORS).filter(([, entry]) => entry.raisedBy !== 'cli').map(([name]) => name);
    for (const error of runErrors) expect(section, error).toContain(`\`${error}\``);
    // Every Fail state of the synthesized pipelines ends with a registered name (or the remote job's own).
    const app = synthesizeForLocalRun(parseConfig(readFileSync('test/fixtures/snapshot-configs/options.yaml', 'utf8'), 'test/fixtures/snapshot-configs/options.yaml'));
    const example = synthesizeForLocalRun(loadConfig('pipelines.yaml'));
    const fixed = [...app.pipelines.values(), ...example.pipelines.values()].flatMap((p) => allStates(p.definition).flatMap(([, s]) => (s.Type === 'Fail' && typeof s.Error === 'string' ? [s.Error] : [])));
    expect(fixed.length).toBeGreaterThan(0);
    for (const error of new Set(fixed)) expect(runErrors, error).toContain(error);
  });

  it('maps errors a user can fix to exit code 2, and bugs to none', () => {
    expect(exitCodeOf(Object.assign(new Error('x'), { name: 'ConfigError' }))).toBe(2);
    expect(exitCodeOf(new TypeError('x'))).toBeUndefined();
    expect(exitCodeOf(undefined)).toBeUndefined();
    expect(RETRYABLE_ERRORS).toEqual({ rateLimited: ['RateLimited'], transient: ['TransientApiError'], tokenExpired: ['TokenExpired'] });
  });

  it('documents every CLI command', () => {
    for (const command of ['validate', 'demo', 'run', 'history', 'graph', 'synth', 'simulate']) {
      expect(readme, command).toMatch(new RegExp(`npx continuum ${command}\\b`));
    }
  });

  it('shows the committed PNG diagram next to the Mermaid one', () => {
    expect(readme).toContain('](docs/tamr-mastering-demo.png)');
    const png = readFileSync('docs/tamr-mastering-demo.png');
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(800);
  });

  it('the config example in the reference is a valid pipelines file', () => {
    const section = readme.slice(readme.indexOf('## Config reference'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const config = parseConfig(yaml, 'README.md');
    expect(config.pipelines[0].steps.length).toBeGreaterThan(0);
  });

  it('every deploy secret command names a secret a pipeline of pipelines.yaml reads', () => {
    const config = readFileSync('pipelines.yaml', 'utf8');
    const names = [...block(readme, 'deploy-secrets').matchAll(/create-secret --name (\S+)/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(config).toContain(`secretName: ${name}`);
    // Shapes only: the demo credentials are never printed.
    expect(block(readme, 'deploy-secrets')).not.toContain('"dt"');
  });
});

describe('generated config reference', () => {
  const markdown = configReferenceMarkdown();

  /** Every field path of a JSON schema object, nested objects as `a.b`. */
  function paths(schema: JsonSchema, prefix = ''): string[] {
    return Object.entries(schema.properties ?? {}).flatMap(([key, child]) => [
      `${prefix}${key}`,
      ...(child.type === 'object' && child.properties ? paths(child, `${prefix}${key}.`) : []),
    ]);
  }

  it('has a section for every system and every step kind, and a row for every field', () => {
    const union = jsonSchemaOf(pipelineSchema);
    const systems = union.oneOf ?? union.anyOf ?? [];
    expect(systems.map((s) => s.properties?.system?.const)).toEqual(SYSTEMS);
    for (const system of systems) {
      expect(markdown).toContain(`(\`system: ${String(system.properties!.system!.const)}\`)`);
      for (const path of paths(system).filter((p) => p !== 'steps')) expect(markdown, path).toContain(`| \`${path}\` |`);
      for (const kind of system.properties!.steps!.items!.oneOf ?? system.properties!.steps!.items!.anyOf ?? []) {
        expect(markdown).toContain(`#### \`${String(kind.properties!.kind!.const)}\``);
        for (const path of paths(kind)) expect(markdown, path).toContain(`| \`${path}\` |`);
      }
    }
  });

  it('takes defaults from the schema, including those of a parent object', () => {
    const rows = new Map(configReference().pipelineFields.map((r) => [r.field, r]));
    expect(rows.get('`polling.timeoutMinutes`')).toMatchObject({ type: 'integer 1–10080', default: '`120`' });
    expect(rows.get('`retry.rateLimited.intervalSeconds`')).toMatchObject({ type: 'integer 1–600', default: '`10`' });
    expect(rows.get('`retry.transient.maxAttempts`')?.default).toBe('`4`');
    expect(rows.get('`schedule.expression`')?.default).toBe('required');
    expect(rows.get('`description`')?.default).toBe('—');
    expect(rows.get('`system`')?.type).toBe(SYSTEMS.map((s) => `\`${s}\``).join(' \\| '));
  });

  it('describes every shared field, and every field and step kind of every system', () => {
    const reference = configReference();
    for (const row of [...reference.pipelineFields, ...reference.stepFields]) expect(row.description, row.field).not.toBe('');
    expect(reference.systems.map((s) => s.system)).toEqual(SYSTEMS);
    for (const system of reference.systems) {
      expect(system.title, system.system).toMatch(/^[A-Z]/);
      expect(system.description, system.system).not.toBe('');
      expect(system.kinds.length, system.system).toBeGreaterThan(0);
      for (const row of system.fields) expect(row.description, `${system.system} ${row.field}`).not.toBe('');
      for (const kind of system.kinds) {
        expect(kind.description, `${system.system} ${kind.kind}`).not.toBe('');
        for (const row of kind.fields) expect(row.description, `${system.system} ${kind.kind} ${row.field}`).not.toBe('');
      }
    }
    expect(reference.systems.map((s) => s.title)).toEqual(['Tamr Mastering', 'Tamr Cloud', 'Crossing Minds', 'Boomi Hub']);
  });

  it('keeps every table row on one line with escaped pipes', () => {
    for (const line of markdown.split('\n').filter((l) => l.startsWith('| `'))) {
      expect(line.endsWith(' |'), line).toBe(true);
      expect(line.replace(/\\\|/g, '').split('|').length, line).toBe(6);
    }
  });
});
