/**
 * Regenerates every generated part of the README (`npm run docs`): the state machine diagrams,
 * the config reference (from the zod schemas) and the deploy guide's secret commands. A test
 * compares the README with this output, so it fails when the README drifts from the code.
 */
import { renderReadme as renderDiagrams } from '../diagram/readme';
import { configReference, configReferenceMarkdown } from './config-reference';
import { deploySecretsMarkdown } from './deploy-secrets';

/** `<!-- name -->` … `<!-- /name -->` blocks whose content is generated. */
export const GENERATED_BLOCKS = ['config-reference', 'deploy-secrets'] as const;

export function renderReadme(readme: string, configFile: string): string {
  const reference = configReference();
  const content: Record<(typeof GENERATED_BLOCKS)[number], string> = {
    'config-reference': configReferenceMarkdown(reference),
    'deploy-secrets': deploySecretsMarkdown(reference.systems),
  };
  let next = renderDiagrams(readme, configFile);
  for (const name of GENERATED_BLOCKS) next = replaceBlock(next, name, content[name]);
  return next;
}

function replaceBlock(readme: string, name: string, content: string): string {
  const block = new RegExp(`<!-- ${name} -->[\\s\\S]*?<!-- /${name} -->`, 'g');
  return readme.replace(block, () => `<!-- ${name} -->\n${content}\n<!-- /${name} -->`);
}
