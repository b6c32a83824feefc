import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderReadme } from '../lib/diagram/readme';

describe('README', () => {
  it('has diagrams generated from the current state machines (run `npm run docs` when this fails)', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toContain('<!-- diagram:tamr-mastering-demo -->');
    expect(renderReadme(readme, 'pipelines.yaml')).toBe(readme);
  });

  it('quick start is the two commands CI and new users run', () => {
    const readme = readFileSync('README.md', 'utf8');
    expect(readme).toMatch(/npm ci && npm start/);
    expect(readme).toMatch(/^npm test/m);
    expect(readFileSync('.ci/run', 'utf8')).toMatch(/npm test/);
  });
});
