/**
 * Keeps the README's generated sections (state machine diagrams) in sync with the code.
 */
import { loadConfig } from '../config/load';
import { synthesizeForLocalRun } from '../local/synthesized';
import { toMermaid } from './mermaid';

const BLOCK = /<!-- diagram:([a-z0-9-]+) -->[\s\S]*?<!-- \/diagram -->/g;

export function renderReadme(readme: string, configFile: string): string {
  const names = [...readme.matchAll(BLOCK)].map((m) => m[1]);
  if (names.length === 0) return readme;
  const app = synthesizeForLocalRun(loadConfig(configFile));
  return readme.replace(BLOCK, (_, name: string) => {
    const pipeline = app.pipelines.get(name);
    if (!pipeline) throw new Error(`README names a diagram for unknown pipeline '${name}'`);
    return `<!-- diagram:${name} -->\n\`\`\`mermaid\n${toMermaid(pipeline.definition)}\n\`\`\`\n<!-- /diagram -->`;
  });
}
