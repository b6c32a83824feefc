/**
 * Regenerates every generated part of the README and of docs/*.md (`npm run docs`): the state
 * machine diagrams, the config reference (from the zod schemas), the troubleshooting table (from
 * the error registry), the deploy guide's secret commands and the pipelines' input schemas. A test compares each file with this output, so it fails when a file drifts from the
 * code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config/load';
import { DIAGRAM_LEVELS, pipelineGraph, type DiagramLevel } from '../diagram/graph';
import { toMermaid } from '../diagram/mermaid';
import { synthesizeForLocalRun, type SynthesizedApp } from '../local/synthesized';
import { configReference, configReferenceMarkdown } from './config-reference';
import { deploySecretsMarkdown } from './deploy-secrets';
import { inputSchemasMarkdown } from './input-schemas';
import { troubleshootingMarkdown } from './troubleshooting';

/** `<!-- name -->` … `<!-- /name -->` blocks whose content is generated. */
export const GENERATED_BLOCKS = ['config-reference', 'deploy-secrets', 'troubleshooting', 'input-schemas'] as const;

/**
 * `<!-- diagram:<pipeline> -->` … `<!-- /diagram -->`: a pipeline of the config as Mermaid, every
 * state; `<!-- diagram:<pipeline>:steps -->` draws one node per step instead.
 */
const DIAGRAM_BLOCK = /<!-- diagram:([a-z0-9-]+)(?::([a-z]+))? -->[\s\S]*?<!-- \/diagram -->/g;

/** Any generated block's opening marker: a file with one is rendered by `npm run docs`. */
const ANY_BLOCK = new RegExp(`<!-- (?:diagram:[a-z0-9-]+(?::[a-z]+)?|${GENERATED_BLOCKS.join('|')}) -->`);

/** README.md and every docs/*.md, relative to `root`: the files `npm run docs` keeps current. */
export function documentationFiles(root = '.'): string[] {
  const docs = existsSync(join(root, 'docs')) ? readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort() : [];
  return ['README.md', ...docs.map((f) => `docs/${f}`)];
}

/** The files among `files` that hold generated blocks. */
export function filesWithBlocks(files: readonly string[], root = '.'): string[] {
  return files.filter((file) => ANY_BLOCK.test(readFileSync(join(root, file), 'utf8')));
}

/**
 * One file's text with every generated block rendered. `file` names it in errors; `app` lets a
 * caller rendering several files synthesize the config once.
 */
export function renderDoc(text: string, configFile: string, file = 'README.md', app?: () => SynthesizedApp): string {
  const reference = configReference();
  const content: Record<(typeof GENERATED_BLOCKS)[number], string> = {
    'config-reference': configReferenceMarkdown(reference),
    'deploy-secrets': deploySecretsMarkdown(reference.systems),
    troubleshooting: troubleshootingMarkdown(),
    'input-schemas': text.includes('<!-- input-schemas -->') ? inputSchemasMarkdown(loadConfig(configFile)) : '',
  };
  let next = renderDiagrams(text, file, app ?? (() => synthesizeForLocalRun(loadConfig(configFile))));
  for (const name of GENERATED_BLOCKS) next = replaceBlock(next, name, content[name]);
  return next;
}

/** The README's generated parts (what `renderDoc` does for README.md). */
export function renderReadme(readme: string, configFile: string): string {
  return renderDoc(readme, configFile, 'README.md');
}

/** Every documentation file with blocks: its current text and what `npm run docs` makes of it. */
export function renderDocs(configFile: string, root = '.', synthesizedApp?: SynthesizedApp): Array<{ file: string; current: string; next: string }> {
  let app = synthesizedApp;
  const synthesized = () => (app ??= synthesizeForLocalRun(loadConfig(configFile)));
  return filesWithBlocks(documentationFiles(root), root).map((file) => {
    const current = readFileSync(join(root, file), 'utf8');
    return { file, current, next: renderDoc(current, configFile, file, synthesized) };
  });
}

function renderDiagrams(text: string, file: string, app: () => SynthesizedApp): string {
  if (![...text.matchAll(DIAGRAM_BLOCK)].length) return text;
  const { pipelines } = app();
  return text.replace(DIAGRAM_BLOCK, (_, name: string, level: string | undefined) => {
    const pipeline = pipelines.get(name);
    if (!pipeline) throw new Error(`${file}: names a diagram for unknown pipeline '${name}'`);
    if (level !== undefined && !(DIAGRAM_LEVELS as readonly string[]).includes(level)) {
      throw new Error(`${file}: diagram:${name}:${level}: the level is one of ${DIAGRAM_LEVELS.join(', ')}`);
    }
    // Without a level, a block keeps drawing every state, as blocks did before levels existed.
    const graph = pipelineGraph(pipeline, (level as DiagramLevel | undefined) ?? 'states');
    return `<!-- diagram:${name}${level ? `:${level}` : ''} -->\n\`\`\`mermaid\n${toMermaid(graph)}\n\`\`\`\n<!-- /diagram -->`;
  });
}

function replaceBlock(text: string, name: string, content: string): string {
  const block = new RegExp(`<!-- ${name} -->[\\s\\S]*?<!-- /${name} -->`, 'g');
  return text.replace(block, () => `<!-- ${name} -->\n${content}\n<!-- /${name} -->`);
}
