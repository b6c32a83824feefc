import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../lib/config/load';
import { ERRORS, exitCodeOf, RETRYABLE_ERRORS } from '../lib/contract/errors';
import { pipelineSchema, SYSTEMS } from '../lib/config/schema';
import { pipelineGraph } from '../lib/diagram/graph';
import { toDot, toPng, toSvg } from '../lib/diagram/graphviz';
import { configReference, configReferenceMarkdown, jsonSchemaOf, type JsonSchema } from '../lib/docs/config-reference';
import { documentationFiles, filesWithBlocks, renderDoc, renderDocs } from '../lib/docs/readme';
import { allStates, synthesizeForLocalRun, type SynthesizedApp } from '../lib/local/synthesized';

const read = (file: string) => readFileSync(file, 'utf8');
const readme = read('README.md');
const files = documentationFiles();
// One synthesis for every render here: each takes seconds on a shared machine.
let synthesized: SynthesizedApp | undefined;
const app = () => (synthesized ??= synthesizeForLocalRun(loadConfig('pipelines.yaml')));

/** The text between `<!-- name -->` and `<!-- /name -->`. */
function block(text: string, name: string): string {
  const match = new RegExp(`<!-- ${name} -->\\n([\\s\\S]*?)\\n<!-- /${name} -->`).exec(text);
  if (!match) throw new Error(`no ${name} block`);
  return match[1];
}

/** The `## Heading` section of a Markdown text, up to the next heading of that level or higher. */
function section(text: string, heading: string): string {
  const level = /^#+/.exec(heading)![0].length;
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section '${heading}'`);
  const rest = text.slice(start + heading.length + 2);
  const next = new RegExp(`^#{1,${level}} `, 'm').exec(rest);
  return next ? rest.slice(0, next.index) : rest;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as dashes, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const counts = new Map<string, number>();
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, title] of prose.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = title.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const n = counts.get(slug) ?? 0;
    counts.set(slug, n + 1);
    anchors.add(n ? `${slug}-${n}` : slug);
  }
  for (const [, id] of prose.matchAll(/<a (?:id|name)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

/** Every relative link of a Markdown file (outside code), as written. */
function linksOf(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((link) => !/^[a-z]+:/.test(link));
}

describe('documentation files', () => {
  it('README.md is a short front door', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(400);
    // No state-level diagram up front: the reader looking for "deploy" does not scroll past one.
    expect(readme).not.toContain('```mermaid');
    expect(readme).not.toContain('<!-- config-reference -->');
  });

  it('are what `npm run docs` generates: diagrams, config reference, deploy secrets, troubleshooting (run `npm run docs` when this fails)', () => {
    const rendered = renderDocs('pipelines.yaml', '.', app());
    expect(rendered.map((r) => r.file).sort()).toEqual(['docs/config-reference.md', 'docs/deploy.md', 'docs/operate.md', 'docs/systems.md', 'docs/troubleshooting.md']);
    for (const { file, current, next } of rendered) expect(next, `${file} is out of date: run \`npm run docs\``).toBe(current);
    expect(read('docs/systems.md')).toContain('<!-- diagram:tamr-mastering-demo -->');
    for (const system of ['tamr-cloud', 'crossing-minds', 'boomi-hub']) expect(read('docs/systems.md')).toContain(`<!-- diagram:${system}-demo -->`);
    expect(read('docs/config-reference.md')).toContain('<!-- config-reference -->');
    expect(read('docs/deploy.md')).toContain('<!-- deploy-secrets -->');
  });

  it('drift in a generated block of any file is detected, not kept', () => {
    const reference = read('docs/config-reference.md');
    const table = block(reference, 'config-reference');
    const edited = reference.replace(table, table.replace(/\| `polling\.timeoutMinutes` \|[^\n]*\n/, ''));
    expect(edited).not.toBe(reference);
    expect(renderDoc(edited, 'pipelines.yaml', 'docs/config-reference.md', app)).toBe(reference);
    const stale = reference.replace(table, table.replace('`120`', '`90`'));
    expect(renderDoc(stale, 'pipelines.yaml', 'docs/config-reference.md', app)).not.toBe(stale);

    const systems = read('docs/systems.md');
    const diagram = systems.replace(/state "Get record clusters status" as (s\d+)/, 'state "Get record clusters" as $1');
    expect(diagram).not.toBe(systems);
    expect(renderDoc(diagram, 'pipelines.yaml', 'docs/systems.md', app)).toBe(systems);
  });

  it('renders a step-level diagram block and names the file of a bad block', () => {
    const steps = renderDoc('<!-- diagram:tamr-cloud-demo:steps -->\n<!-- /diagram -->', 'pipelines.yaml', 'x.md', app);
    expect(steps).toContain('state "Load sources ×7, 5 at a time"');
    expect(steps).not.toContain('Get source load status');
    expect(() => renderDoc('<!-- diagram:nope -->\n<!-- /diagram -->', 'pipelines.yaml', 'docs/x.md', app)).toThrow(
      "docs/x.md: names a diagram for unknown pipeline 'nope'",
    );
    expect(() => renderDoc('<!-- diagram:tamr-cloud-demo:nodes -->\n<!-- /diagram -->', 'pipelines.yaml', 'docs/x.md', app)).toThrow(/docs\/x\.md: diagram:tamr-cloud-demo:nodes/);
  });

  it('every relative link and #anchor resolves to an existing file and heading', () => {
    expect(files.length).toBeGreaterThan(5);
    const broken: string[] = [];
    let checked = 0;
    for (const file of files) {
      for (const link of linksOf(read(file))) {
        checked++;
        const [path, anchor] = link.split('#');
        const target = path ? normalize(join(dirname(file), decodeURI(path))) : file;
        if (!existsSync(target)) broken.push(`${file}: ${link}: no file ${target}`);
        else if (anchor !== undefined && (!target.endsWith('.md') || !anchorsOf(read(target)).has(anchor))) broken.push(`${file}: ${link}: no heading #${anchor} in ${target}`);
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(broken).toEqual([]);
  });

  it('the link check finds a broken anchor and a missing file', () => {
    expect(anchorsOf('# A title\n## Tamr Cloud (`system: tamr-cloud`)\n## Tamr Cloud: how it runs\n## Same\n## Same\n```\n# not a heading\n```')).toEqual(
      new Set(['a-title', 'tamr-cloud-system-tamr-cloud', 'tamr-cloud-how-it-runs', 'same', 'same-1']),
    );
    expect(linksOf('[a](docs/x.md#y) `[b](nope.md)` [c](https://example.com) [d](#z)')).toEqual(['docs/x.md#y', '#z']);
  });

  it('quick start is the two commands CI and new users run', () => {
    expect(section(readme, '## Quick start')).toMatch(/npm ci && npm start/);
    expect(section(readme, '## Quick start')).toMatch(/^npm test/m);
    expect(read('.ci/run')).toMatch(/npm test/);
  });

  it('README has the sections users look for, in order, and links into docs/', () => {
    const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    const order = ['Quick start', 'Running pipelines locally', 'Deploy', 'Operating pipelines', 'Documentation'];
    const positions = order.map((h) => headings.indexOf(h));
    expect(positions.every((p) => p >= 0), `headings: ${headings.join(', ')}`).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    for (const file of files.filter((f) => f.startsWith('docs/'))) expect(readme, file).toContain(`](${file})`);
  });

  it("README's cost table is the bench's last learned-polling figures (bench/results.json)", () => {
    const results = JSON.parse(read('bench/results.json')) as { learnedPolling: Array<{ checks: Record<string, number>; latencyPct: { learned: number } }>; makespanDetail: { continuumRatio: number } };
    const rows = [...section(readme, '## Cost').matchAll(/^\| \d+ (?:min|h) +\| ([\d. /]+?) +\| ([\d.]+) % +\|$/gm)].map((m) => [m[1], Number(m[2])]);
    expect(rows).toEqual(results.learnedPolling.map((r) => [`${r.checks.fixed30} / ${r.checks.adaptive} / ${r.checks.learned} / ${r.checks.oracle}`, r.latencyPct.learned]));
    expect(section(readme, '## Cost')).toContain(`${results.makespanDetail.continuumRatio} × the ideal`);
  });

  it('each reference moved to docs/ keeps its headings', () => {
    expect(read('docs/config-reference.md')).toMatch(/^# Config reference$/m);
    expect(read('docs/systems.md')).toMatch(/^## One pipeline, as deployed$/m);
    for (const system of ['Tamr Mastering', 'Tamr Cloud', 'Crossing Minds', 'Boomi Hub']) expect(read('docs/systems.md')).toContain(`### ${system}: how it runs`);
    expect(read('docs/deploy.md')).toMatch(/^# Deploy$/m);
    expect(read('docs/troubleshooting.md')).toMatch(/^# Troubleshooting$/m);
    expect(read('docs/design.md')).toMatch(/^## Tenant job slots$/m);
    expect(read('docs/design.md')).toMatch(/^## Project layout$/m);
    expect(read('docs/cost.md')).toMatch(/^### The transition arithmetic$/m);
    expect(read('docs/local.md')).toMatch(/^# Running pipelines locally$/m);
  });

  it('troubleshooting explains every error a run can end with', () => {
    const section = read('docs/troubleshooting.md');
    const runErrors = Object.entries(ERRORS).filter(([, entry]) => entry.raisedBy !== 'cli').map(([name]) => name);
    for (const error of runErrors) expect(section, error).toContain(`\`${error}\``);
    // Every Fail state of the synthesized pipelines ends with a registered name (or the remote job's own).
    const options = synthesizeForLocalRun(parseConfig(readFileSync('test/fixtures/snapshot-configs/options.yaml', 'utf8'), 'test/fixtures/snapshot-configs/options.yaml'));
    const example = app();
    const fixed = [...options.pipelines.values(), ...example.pipelines.values()].flatMap((p) => allStates(p.definition).flatMap(([, s]) => (s.Type === 'Fail' && typeof s.Error === 'string' ? [s.Error] : [])));
    expect(fixed.length).toBeGreaterThan(0);
    for (const error of new Set(fixed)) expect(runErrors, error).toContain(error);
  });

  it('maps errors a user can fix to exit code 2, and bugs to none', () => {
    expect(exitCodeOf(Object.assign(new Error('x'), { name: 'ConfigError' }))).toBe(2);
    expect(exitCodeOf(new TypeError('x'))).toBeUndefined();
    expect(exitCodeOf(undefined)).toBeUndefined();
    // OperateError carries its own code: 2 a mistake, 1 a resource that is not deployed.
    expect(exitCodeOf(Object.assign(new Error('x'), { name: 'OperateError' }))).toBe(2);
    expect(exitCodeOf(Object.assign(new Error('x'), { name: 'OperateError', exitCode: 1 }))).toBe(1);
    expect(exitCodeOf(Object.assign(new TypeError('x'), { exitCode: 2 }))).toBeUndefined();
    expect(RETRYABLE_ERRORS).toEqual({ rateLimited: ['RateLimited'], transient: ['TransientApiError'], tokenExpired: ['TokenExpired'] });
  });

  it('documents every CLI command, in the README and in docs/local.md', () => {
    for (const command of ['validate', 'demo', 'run', 'history', 'graph', 'synth', 'simulate']) {
      expect(readme, command).toMatch(new RegExp(`npx continuum ${command}\\b`));
      expect(read('docs/local.md'), command).toMatch(new RegExp(`npx continuum ${command}\\b`));
    }
    // The commands on deployed pipelines: in the README's table and in docs/operate.md.
    for (const command of ['status', 'start', 'rerun', 'pause', 'resume', 'history --execution', 'logs --execution']) {
      expect(section(readme, '## Operating pipelines'), command).toContain(`\`${command}`);
      expect(read('docs/operate.md'), command).toContain(`\`${command}`);
    }
  });

  it('the committed PNG diagrams are step level, as `continuum graph` draws them now', async () => {
    expect(readme).toContain('](docs/tamr-cloud-demo.png)');
    expect(read('docs/systems.md')).toContain('](tamr-mastering-demo.png)');
    for (const name of ['tamr-cloud-demo', 'tamr-mastering-demo']) {
      const pipeline = app().pipelines.get(name)!;
      const fresh = toPng(await toSvg(toDot(pipelineGraph(pipeline, 'steps'), `${name} (${pipeline.config.system})`)));
      const committed = readFileSync(`docs/${name}.png`);
      expect(committed.subarray(1, 4).toString('ascii')).toBe('PNG');
      // Same size as a fresh step-level render (a state-level one is thousands of pixels wide).
      expect([committed.readUInt32BE(16), committed.readUInt32BE(20)], `docs/${name}.png: run continuum graph --pipeline ${name} --format png --out docs`).toEqual([
        fresh.readUInt32BE(16),
        fresh.readUInt32BE(20),
      ]);
    }
  });

  it('the config example in the reference is a valid pipelines file', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(read('docs/config-reference.md'))![1];
    const config = parseConfig(yaml, 'docs/config-reference.md');
    expect(config.pipelines[0].steps.length).toBeGreaterThan(0);
  });

  it('every deploy secret command names a secret a pipeline of pipelines.yaml reads', () => {
    const config = read('pipelines.yaml');
    const secrets = block(read('docs/deploy.md'), 'deploy-secrets');
    const names = [...secrets.matchAll(/create-secret --name (\S+)/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(config).toContain(`secretName: ${name}`);
    // Shapes only: the demo credentials are never printed.
    expect(secrets).not.toContain('"dt"');
    // The README's one example command is one of them.
    expect(secrets).toContain(/aws secretsmanager create-secret --name \S+ \\\n\s+--secret-string '[^']+'/.exec(readme)![0].replace(/\n\s+/, '\n    '));
  });

  it('lists the files with blocks among README.md and docs/*.md', () => {
    expect(files[0]).toBe('README.md');
    expect(files).toContain('docs/cost.md');
    expect(filesWithBlocks(files)).not.toContain('README.md');
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
