/**
 * Regenerates every generated part of the README (`npm run docs`): the state machine diagrams,
 * the config reference (from the zod schemas), the troubleshooting table (from the error registry) and the deploy guide's secret commands. A test
 * compares the README with this output, so it fails when the README drifts from the code.
 */
import { loadConfig } from '../config/load';
import { toMermaid } from '../diagram/mermaid';
import { synthesizeForLocalRun } from '../local/synthesized';
import { configReference, configReferenceMarkdown } from './config-reference';
import { deploySecretsMarkdown } from './deploy-secrets';
import { troubleshootingMarkdown } from './troubleshooting';

/** `<!-- name -->` … `<!-- /name -->` blocks whose content is generated. */
export const GENERATED_BLOCKS = ['config-reference', 'deploy-secrets', 'troubleshooting'] as const;

/** `<!-- diagram:<pipeline> -->` … `<!-- /diagram -->`: a pipeline of the config as Mermaid. */
const DIAGRAM_BLOCK = /<!-- diagram:([a-z0-9-]+) -->[\s\S]*?<!-- \/diagram -->/g;

export function renderReadme(readme: string, configFile: string): string {
  const reference = configReference();
  const content: Record<(typeof GENERATED_BLOCKS)[number], string> = {
    'config-reference': configReferenceMarkdown(reference),
    'deploy-secrets': deploySecretsMarkdown(reference.systems),
    troubleshooting: troubleshootingMarkdown(),
  };
  let next = renderDiagrams(readme, configFile);
  for (const name of GENERATED_BLOCKS) next = replaceBlock(next, name, content[name]);
  return next;
}

function renderDiagrams(readme: string, configFile: string): string {
  if (![...readme.matchAll(DIAGRAM_BLOCK)].length) return readme;
  const app = synthesizeForLocalRun(loadConfig(configFile));
  return readme.replace(DIAGRAM_BLOCK, (_, name: string) => {
    const pipeline = app.pipelines.get(name);
    if (!pipeline) throw new Error(`README names a diagram for unknown pipeline '${name}'`);
    return `<!-- diagram:${name} -->\n\`\`\`mermaid\n${toMermaid(pipeline.definition)}\n\`\`\`\n<!-- /diagram -->`;
  });
}

function replaceBlock(readme: string, name: string, content: string): string {
  const block = new RegExp(`<!-- ${name} -->[\\s\\S]*?<!-- /${name} -->`, 'g');
  return readme.replace(block, () => `<!-- ${name} -->\n${content}\n<!-- /${name} -->`);
}
