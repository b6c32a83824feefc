/**
 * One direction of imports between deployed code and infrastructure: handlers (lambdas/) reach
 * lib/ only through the contract (lib/contract/), the infrastructure (lib/ outside lib/local)
 * never imports handler code (it names handler entry files by path), and the contract imports
 * neither. lib/local is exempt: it runs handlers in-process. Reads the import lines of the source
 * files, so a new import the wrong way fails here before review.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The providers' runtime halves still live under lib/providers (parsers and result mappings the
 * handlers use, and infrastructure reads task names from): the known exception until they move
 * next to their handlers. Do not add to this list.
 */
const RUNTIME_HALVES = new Set(['lib/providers/boomi-hub/api.ts', 'lib/providers/crossing-minds/api.ts', 'lib/providers/tamr-cloud/api.ts', 'lib/providers/tamr-mastering/api.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Repo-relative targets of a file's relative imports and re-exports, with `.ts` added. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gm)].map((m) => m[1] ?? m[2]);
  return specifiers.map((specifier) => {
    const target = relative('.', normalize(join(dirname(file), specifier)));
    return target.endsWith('.ts') ? target : `${target}.ts`;
  });
}

const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

function wrongWay(files: string[], allowed: (target: string) => boolean): string[] {
  return files.flatMap((file) => importsOf(file).filter((target) => !allowed(target)).map((target) => `${file} → ${target}`));
}

describe('imports between lambdas/ and lib/', () => {
  it('handlers reach lib/ only through lib/contract', () => {
    const bad = wrongWay(sources('lambdas'), (target) => !under(target, 'lib') || under(target, 'lib/contract') || RUNTIME_HALVES.has(target.replace(/\/index\.ts$/, '.ts')));
    expect(bad).toEqual([]);
  });

  it('infrastructure never imports handler code', () => {
    const infrastructure = [...sources('lib'), ...sources('bin')].filter((file) => !under(file, 'lib/local') && !RUNTIME_HALVES.has(file));
    expect(infrastructure.length).toBeGreaterThan(20);
    expect(wrongWay(infrastructure, (target) => !under(target, 'lambdas'))).toEqual([]);
  });

  it('the contract imports neither side', () => {
    expect(wrongWay(sources('lib/contract'), (target) => under(target, 'lib/contract'))).toEqual([]);
  });

  it('finds imports the wrong way (the check itself can fail)', () => {
    expect(wrongWay(['lib/local/runner.ts'], (target) => !under(target, 'lambdas')).length).toBeGreaterThan(0);
  });
});
