/**
 * `npm run faults [-- <system|case filter>...]`: runs the fault-injection matrix (every system's
 * example pipeline of pipelines.yaml × every fault case, against the simulators) and prints the
 * table case × system → outcome and retries used. Exits 1 when a case did not end as expected,
 * or when an uncaught exception or unhandled rejection was seen.
 */
import '../lib/local/polyfill';
import { loadConfig } from '../lib/config/load';
import { FaultMatrix, formatTable, type CaseResult } from '../lib/local/faults/matrix';

async function main(filters: string[]): Promise<number> {
  const started = Date.now();
  process.stderr.write('Synthesizing the example pipelines…\n');
  const matrix = await FaultMatrix.open(loadConfig('pipelines.yaml'));
  const results: CaseResult[] = [];
  try {
    const cells = matrix.cells().filter(({ system, faultCase }) => filters.every((f) => system.includes(f) || faultCase.name.includes(f)));
    for (const [index, { system, faultCase }] of cells.entries()) {
      const result = await matrix.run(system, faultCase);
      results.push(result);
      const mark = result.problems.length === 0 ? '✔' : '✖';
      process.stderr.write(`[${index + 1}/${cells.length}] ${mark} ${system} / ${faultCase.name}: ${result.status}${result.error ? ` ${result.error}` : ''}, ${result.retries} retries, ${(result.ms / 1000).toFixed(1)} s\n`);
    }
  } finally {
    await matrix.close();
  }
  process.stdout.write(`${formatTable(results)}\n`);
  const uncaught = matrix.uncaught.length;
  process.stdout.write(`Uncaught exceptions / unhandled rejections: ${uncaught}\n`);
  for (const error of matrix.uncaught) process.stdout.write(`  ${(error as Error)?.stack ?? String(error)}\n`);
  process.stdout.write(`Matrix time: ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return results.every((r) => r.problems.length === 0) && uncaught === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(2);
  },
);
