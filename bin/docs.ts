/**
 * `npm run docs`: regenerates the generated parts of README.md and of every docs/*.md from the
 * code: the diagrams of the synthesized state machines of pipelines.yaml
 * (`<!-- diagram:<pipeline>[:steps] -->` … `<!-- /diagram -->`), the config reference from the zod
 * schemas (`<!-- config-reference -->` … `<!-- /config-reference -->`) and the deploy guide's
 * secret commands (`<!-- deploy-secrets -->` … `<!-- /deploy-secrets -->`).
 * `npm run docs -- --check` exits 1 when a file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { renderDocs } from '../lib/docs/readme';

const check = process.argv.includes('--check');
const files = renderDocs('pipelines.yaml');
const stale = files.filter((f) => f.next !== f.current);
if (check) {
  for (const { file } of stale) console.error(`${file} is out of date (diagrams, config reference, troubleshooting or deploy secrets): run \`npm run docs\``);
  if (stale.length) process.exitCode = 1;
  else console.log(`up to date: ${files.map((f) => f.file).join(', ')}`);
} else {
  for (const { file, next } of stale) writeFileSync(file, next);
  console.log(stale.length ? `regenerated: ${stale.map((f) => f.file).join(', ')}` : `already up to date: ${files.map((f) => f.file).join(', ')}`);
}
