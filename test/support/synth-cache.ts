/**
 * vitest globalSetup: the in-process synth cache (lib/local/synth-cache.ts) for this run only, in a
 * fresh directory removed after it. Workers and the CLI children tests start inherit the variable,
 * so each config is synthesized once per run instead of once per file and per child.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SYNTH_CACHE_ENV } from '../../lib/local/synth-cache';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'continuum-synth-cache-'));
  process.env[SYNTH_CACHE_ENV] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
