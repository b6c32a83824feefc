/**
 * `npm run chaos [-- --seed N] [-- --runs N]`: the seeded chaos runs (lib/local/chaos.ts) and
 * their table: runs, faults injected per kind, aborts, jobs left running, duplicate submits and
 * slots held (each 0). A failing run names the seed that reproduces it. Exits 1 on a problem.
 */
import '../lib/local/polyfill';
import { ChaosLab, chaosTable, describePlan, type ChaosResult } from '../lib/local/chaos';

function seeds(args: string[]): number[] {
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const seed = value('--seed');
  if (seed !== undefined) return [seed];
  return Array.from({ length: value('--runs') ?? 64 }, (_, i) => i + 1);
}

async function main(args: string[]): Promise<number> {
  const started = Date.now();
  process.stderr.write('Synthesizing the chaos pipelines…\n');
  const lab = await ChaosLab.open();
  const results: ChaosResult[] = [];
  try {
    const all = seeds(args);
    for (const [i, seed] of all.entries()) {
      const result = await lab.run(seed);
      results.push(result);
      process.stderr.write(`[${i + 1}/${all.length}] ${result.problems.length ? '✖' : '✔'} seed ${seed} ${result.plan.pipeline}: ${describePlan(result.plan)} → ${result.status}\n`);
    }
  } finally {
    await lab.close();
  }
  process.stdout.write(`${chaosTable(results)}\nChaos time: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return results.every((r) => r.problems.length === 0) ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(2);
  },
);
