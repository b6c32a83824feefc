/**
 * `npm run docs`: regenerates the README's generated parts from the code: the diagrams of the
 * synthesized state machines of pipelines.yaml (`<!-- diagram:<pipeline> -->` … `<!-- /diagram -->`),
 * the config reference from the zod schemas (`<!-- config-reference -->` … `<!-- /config-reference -->`)
 * and the deploy guide's secret commands (`<!-- deploy-secrets -->` … `<!-- /deploy-secrets -->`).
 * `npm run docs -- --check` exits 1 when the README is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReadme } from '../lib/docs/readme';

const check = process.argv.includes('--check');
const current = readFileSync('README.md', 'utf8');
const next = renderReadme(current, 'pipelines.yaml');
if (check) {
  if (next !== current) {
    console.error('README.md is out of date (diagrams, config reference, deploy secrets or troubleshooting): run `npm run docs`');
    process.exit(1);
  }
  console.log('README.md is up to date');
} else {
  writeFileSync('README.md', next);
  console.log(next === current ? 'README.md already up to date' : 'README.md regenerated (diagrams, config reference, deploy secrets, troubleshooting)');
}
