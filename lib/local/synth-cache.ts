/**
 * An opt-in cache of the in-process synth (`CONTINUUM_SYNTH_CACHE=<dir>`): the templates a config
 * synthesizes to, keyed by everything the synth reads, so the same config is synthesized once
 * per source tree instead of once per process. The test suite turns it on for its own run (a
 * fresh directory, removed after: test/support/synth-cache.ts); a full run used to spend ten
 * minutes of CPU synthesizing the same few configs again in every file and CLI child.
 *
 * The key: the config as loaded (and the working directory its relative paths resolve from), the
 * stack name, the placement file, every local file a config string names (records), the sources
 * under lib/ and lambdas/, the lockfile, and the CDK_* environment. A failed synth is
 * never cached; an unreadable entry is synthesized again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '../config/load';
import { placementFileFor } from '../placement';

export const SYNTH_CACHE_ENV = 'CONTINUUM_SYNTH_CACHE';
/** Bump when what is stored changes shape. */
const FORMAT = 1;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * `synth()`'s result for this config, from the cache when it holds one (JSON-serializable results
 * only). `kind` names what `synth` computes from the app (two kinds of result never share an entry).
 */
export function cachedSynth<T>(kind: string, config: LoadedConfig, stackName: string | undefined, synth: () => T, env: Readonly<Record<string, string | undefined>> = process.env): T {
  const dir = env[SYNTH_CACHE_ENV];
  if (!dir) return synth();
  const file = join(dir, `${kind}-${synthKey(config, stackName, env)}.json`);
  if (existsSync(file)) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as T;
    } catch {
      // Unreadable (another process's crash mid-write cannot cause this: writes are renamed in).
    }
  }
  const result = synth();
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, JSON.stringify(result));
  renameSync(partial, file);
  return result;
}

export function synthKey(config: LoadedConfig, stackName: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  const hash = createHash('sha256');
  const add = (label: string, value: string | Buffer) => hash.update(`${label}\0`).update(value).update('\0');
  add('format', String(FORMAT));
  add('sources', sourcesFingerprint());
  add('cwd', process.cwd());
  add('config', JSON.stringify(config));
  add('stack', stackName ?? '');
  const placement = placementFileFor(config.file);
  if (existsSync(placement)) add('placement', readFileSync(placement));
  for (const file of namedFiles(config)) add(`file ${file}`, readFileSync(file));
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    // The CDK reads its context and default environment from CDK_* (nothing of Continuum's own
    // environment reaches the synth: the state directory and log options are the runner's).
    if (name.startsWith('CDK_')) add(`env ${name}`, value ?? '');
  }
  return hash.digest('hex').slice(0, 32);
}

/** Every existing file a string of the config names, as is or relative to the config's directory. */
function namedFiles(config: LoadedConfig): string[] {
  const files = new Set<string>();
  const visit = (value: unknown) => {
    if (typeof value === 'string' && value.length < 1024 && !value.includes('://')) {
      for (const path of isAbsolute(value) ? [value] : [resolve(value), resolve(dirname(config.file), value)]) {
        if (existsSync(path) && statSync(path).isFile()) files.add(path);
      }
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(config.pipelines);
  return [...files].sort();
}

let sources: string | undefined;

/** One hash of the code a synth runs: lib/, lambdas/ and the lockfile (the CDK's version). */
function sourcesFingerprint(): string {
  if (sources) return sources;
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) hash.update(path).update(readFileSync(path));
    }
  };
  for (const dir of ['lib', 'lambdas']) walk(join(ROOT, dir));
  hash.update(readFileSync(join(ROOT, 'package-lock.json')));
  sources = hash.digest('hex');
  return sources;
}
