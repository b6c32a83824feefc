/**
 * The in-process synth cache (lib/local/synth-cache.ts): a hit is exactly what the synth gives,
 * and anything the synth reads (the config, a records file it names, the placement file, CDK_*
 * variables) changing is a miss.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../lib/config/load';
import { cachedSynth, SYNTH_CACHE_ENV, synthKey } from '../lib/local/synth-cache';
import { synthesizeForLocalRun } from '../lib/local/synthesized';

const dir = mkdtempSync(join(tmpdir(), 'synth-cache-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const records = join(dir, 'records.jsonl');
writeFileSync(records, '{"id":"1"}\n');
const yaml = (project: string) => `pipelines:
  - name: nightly
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr
    steps:
      - kind: refreshUnifiedDataset
        project: "${project}"
      - kind: updateRecords
        datasetId: "3"
        records: ${records}
`;
const config = parseConfig(yaml('1'), join(dir, 'pipelines.yaml'));
const on = { [SYNTH_CACHE_ENV]: join(dir, 'cache') };

describe('synth cache', () => {
  it('is off without CONTINUUM_SYNTH_CACHE: every call synthesizes', () => {
    let calls = 0;
    for (let i = 0; i < 2; i++) cachedSynth('test', config, undefined, () => ({ calls: ++calls }), {});
    expect(calls).toBe(2);
  });

  it('synthesizes once, then answers the same result from the cache', () => {
    let calls = 0;
    const synth = () => ({ calls: ++calls, templates: [{ Resources: {} }] });
    const first = cachedSynth('test', config, 'Cached', synth, on);
    const second = cachedSynth('test', config, 'Cached', synth, on);
    expect(calls).toBe(1);
    expect(second).toEqual(first);
    expect(readdirSync(on[SYNTH_CACHE_ENV]).filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('misses when the config, a records file it names, the placement file, the stack name or a CDK_ variable changes', () => {
    const key = synthKey(config, undefined, {});
    expect(synthKey(config, undefined, { CONTINUUM_STATE_DIR: '/elsewhere' })).toBe(key);
    expect(synthKey(parseConfig(yaml('2'), join(dir, 'pipelines.yaml')), undefined, {})).not.toBe(key);
    expect(synthKey(config, 'Other', {})).not.toBe(key);
    expect(synthKey(config, undefined, { CDK_CONTEXT_JSON: '{"a":1}' })).not.toBe(key);
    writeFileSync(records, '{"id":"2"}\n');
    const afterRecords = synthKey(config, undefined, {});
    expect(afterRecords).not.toBe(key);
    writeFileSync(join(dir, 'pipelines.placement.json'), '{"nightly":"Continuum-2"}\n');
    expect(synthKey(config, undefined, {})).not.toBe(afterRecords);
    rmSync(join(dir, 'pipelines.placement.json'));
  });

  it('synthesizes again over an unreadable entry', () => {
    const cache = { [SYNTH_CACHE_ENV]: join(dir, 'corrupt') };
    cachedSynth('test', config, undefined, () => ({ n: 1 }), cache);
    const [entry] = readdirSync(cache[SYNTH_CACHE_ENV]);
    writeFileSync(join(cache[SYNTH_CACHE_ENV], entry), '{"n":');
    expect(cachedSynth('test', config, undefined, () => ({ n: 2 }), cache)).toEqual({ n: 2 });
    expect(cachedSynth('test', config, undefined, () => ({ n: 3 }), cache)).toEqual({ n: 2 });
  });

  it('gives the local runner the same app from a hit as from a synth', () => {
    const saved = process.env[SYNTH_CACHE_ENV];
    try {
      delete process.env[SYNTH_CACHE_ENV];
      const synthesized = synthesizeForLocalRun(config);
      process.env[SYNTH_CACHE_ENV] = join(dir, 'app');
      const missed = synthesizeForLocalRun(config);
      const hit = synthesizeForLocalRun(config);
      expect(readdirSync(join(dir, 'app'))).toHaveLength(1);
      for (const app of [missed, hit]) {
        expect(app.templates).toEqual(synthesized.templates);
        expect([...app.pipelines]).toEqual([...synthesized.pipelines]);
        expect(app.durationTables).toEqual(synthesized.durationTables);
      }
      // The records file is handed to the step by the URI its deployed step reads.
      expect([...hit.pipelines.get('nightly')!.localObjects.values()]).toEqual([records]);
    } finally {
      if (saved === undefined) delete process.env[SYNTH_CACHE_ENV];
      else process.env[SYNTH_CACHE_ENV] = saved;
    }
  });
});
