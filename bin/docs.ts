/**
 * `npm run docs`: regenerates the README's diagrams from the synthesized state machines of
 * pipelines.yaml (between `<!-- diagram:<pipeline> -->` and `<!-- /diagram -->` markers).
 * `npm run docs -- --check` exits 1 when the README is out of date (used by a test).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReadme } from '../lib/diagram/readme';

const check = process.argv.includes('--check');
const current = readFileSync('README.md', 'utf8');
const next = renderReadme(current, 'pipelines.yaml');
if (check) {
  if (next !== current) {
    console.error('README.md diagrams are out of date: run `npm run docs`');
    process.exit(1);
  }
  console.log('README.md diagrams are up to date');
} else {
  writeFileSync('README.md', next);
  console.log(next === current ? 'README.md already up to date' : 'README.md diagrams regenerated');
}
