/**
 * The Lambda bundles as `cdk deploy` uploads them: the example pipelines.yaml synthesized with
 * bundling (esbuild through NodejsFunction, exactly as deployed), then each bundle's size and its
 * cold module initialisation, measured by importing it in fresh Node processes.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { buildApp } from '../lib/app';
import { loadConfig } from '../lib/config/load';
import { HANDLER_BUNDLING, HANDLER_METADATA } from '../lib/constructs/handler-functions';
import type { CfnTemplate } from '../lib/local/synthesized';

const run = promisify(execFile);

export const BUNDLE_TARGETS = { bytes: 150 * 1024, initMs: 50 } as const;

export interface BundleResult {
  readonly handler: string;
  readonly bytes: number;
  /** `@aws-sdk/*` packages the bundle imports from the Lambda runtime (not bundled). */
  readonly sdkImports: string[];
  /** Medians of `runs` fresh processes, in ms: the SDK clients it imports, then the bundle itself. */
  readonly initMs: Timing;
  /** The same imports in CPU time (user + system): what a busy machine does not inflate. */
  readonly initCpuMs: Timing;
  readonly runs: number;
  readonly architecture: string;
}

interface Timing {
  readonly total: number;
  readonly sdk: number;
  readonly bundle: number;
}

export interface BundlesBench {
  readonly bundles: BundleResult[];
  /** Importing an empty module the same way: the floor of these timings on this machine. */
  readonly baseline: { readonly initMs: number; readonly initCpuMs: number };
  /**
   * Not deployed, for comparison: the first handler bundled the same way but as CommonJS, so
   * it `require`s the runtime's SDK instead of importing it through Node's ESM-to-CommonJS layer.
   */
  readonly commonJsVariant?: { readonly handler: string; readonly bytes: number; readonly initMs: Timing; readonly initCpuMs: Timing };
}

export async function benchBundles(outdir: string, runs = 10, log: (line: string) => void = () => undefined): Promise<BundlesBench> {
  rmSync(outdir, { recursive: true, force: true });
  const { app, stacks } = buildApp({ config: loadConfig('pipelines.yaml'), stackName: 'ContinuumBench', appProps: { outdir } });
  const assembly = app.synth();
  const bundles = new Map<string, { handler: string; dir: string; architecture: string }>();
  for (const stack of stacks) {
    const template = assembly.getStackByName(stack.stackName).template as CfnTemplate;
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const properties = resource.Properties as { Code?: { S3Key?: unknown }; Architectures?: string[] };
      const key = String(properties.Code?.S3Key ?? '').replace(/\.zip$/, '');
      const dir = join(outdir, `asset.${key}`);
      if (!key || !existsSync(join(dir, 'index.mjs'))) continue;
      const handler = String(resource.Metadata?.[HANDLER_METADATA] ?? logicalId.replace(/[A-F0-9]{8}$/, ''));
      bundles.set(key, { handler, dir, architecture: (properties.Architectures ?? ['x86_64']).join(',') });
    }
  }

  const results: BundleResult[] = [];
  for (const { handler, dir, architecture } of [...bundles.values()].sort((a, b) => a.handler.localeCompare(b.handler))) {
    const file = resolve(dir, 'index.mjs');
    const code = readFileSync(file, 'utf8');
    const sdkImports = [...new Set([...code.matchAll(/(?:from|import\()\s*["'](@aws-sdk\/[^"']+)["']/g)].map((m) => m[1]))].sort();
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) samples.push(await coldImport(file, sdkImports));
    const initMs = medians(samples.map((s) => s.wall));
    const initCpuMs = medians(samples.map((s) => s.cpu));
    log(`  ${handler}: ${(statSync(file).size / 1024).toFixed(1)} KB, init ${initMs.total.toFixed(1)} ms`);
    results.push({ handler, bytes: statSync(file).size, sdkImports, initMs, initCpuMs, runs, architecture });
  }

  const empty = join(outdir, 'empty.mjs');
  writeFileSync(empty, 'export {};\n');
  const floor: Sample[] = [];
  for (let i = 0; i < runs; i++) floor.push(await coldImport(empty, []));
  const baseline = { initMs: median(floor.map((s) => s.wall.bundle)), initCpuMs: median(floor.map((s) => s.cpu.bundle)) };
  log(`  empty module: init ${baseline.initMs.toFixed(1)} ms`);

  const first = results[0];
  const entry = first && resolve('lambdas', `${first.handler}.ts`);
  let commonJsVariant: BundlesBench['commonJsVariant'];
  if (entry && existsSync(entry)) {
    const dir = join(outdir, 'commonjs-variant');
    const file = join(dir, 'index.js');
    await build({
      entryPoints: [entry],
      outfile: file,
      bundle: true,
      // The deployed settings, as CommonJS (and so without the ESM require banner).
      minify: HANDLER_BUNDLING.minify,
      platform: 'node',
      target: HANDLER_BUNDLING.target,
      format: 'cjs',
      mainFields: [...HANDLER_BUNDLING.mainFields],
      external: [...HANDLER_BUNDLING.externalModules],
      logLevel: 'error',
    });
    // As in a Lambda package: no "type": "module" above it.
    writeFileSync(join(dir, 'package.json'), '{ "type": "commonjs" }\n');
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) samples.push(await coldImport(resolve(file), first.sdkImports, 'require'));
    commonJsVariant = { handler: first.handler, bytes: statSync(file).size, initMs: medians(samples.map((s) => s.wall)), initCpuMs: medians(samples.map((s) => s.cpu)) };
    log(`  ${first.handler} as CommonJS (not deployed): init ${commonJsVariant.initMs.total.toFixed(1)} ms`);
  }
  return { bundles: results, baseline, commonJsVariant };
}

type Sample = { wall: Timing; cpu: Timing };

function medians(timings: Timing[]): Timing {
  return { total: median(timings.map((t) => t.total)), sdk: median(timings.map((t) => t.sdk)), bundle: median(timings.map((t) => t.bundle)) };
}

/**
 * One fresh Node process: import the SDK clients the bundle imports (the Lambda runtime loads
 * them from its own node_modules), then the bundle; each timed. Together they are the bundle's
 * cold import.
 */
async function coldImport(file: string, sdkImports: string[], load: 'import' | 'require' = 'import'): Promise<Sample> {
  const script =
    load === 'import'
      ? `
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const t0 = performance.now(), c0 = cpu();
for (const name of ${JSON.stringify(sdkImports)}) await import(name);
const t1 = performance.now(), c1 = cpu();
await import(${JSON.stringify(pathToFileURL(file).href)});
const t2 = performance.now(), c2 = cpu();
console.log(JSON.stringify({ wall: { total: t2 - t0, sdk: t1 - t0, bundle: t2 - t1 }, cpu: { total: c2 - c0, sdk: c1 - c0, bundle: c2 - c1 } }));`
      : `
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const t0 = performance.now(), c0 = cpu();
for (const name of ${JSON.stringify(sdkImports)}) require(name);
const t1 = performance.now(), c1 = cpu();
require(${JSON.stringify(file)});
const t2 = performance.now(), c2 = cpu();
console.log(JSON.stringify({ wall: { total: t2 - t0, sdk: t1 - t0, bundle: t2 - t1 }, cpu: { total: c2 - c0, sdk: c1 - c0, bundle: c2 - c1 } }));`;
  const args = load === 'import' ? ['--no-warnings', '--input-type=module', '-e', script] : ['--no-warnings', '--input-type=commonjs', '-e', script];
  const { stdout } = await run(process.execPath, args, { cwd: process.cwd(), env: { ...process.env, NODE_OPTIONS: '' } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Sample;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
