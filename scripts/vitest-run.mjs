/**
 * `npm test`: vitest run, with one exception to its exit code. On a loaded machine a test worker
 * blocked in a long synchronous CDK synth misses vitest's own 60 s RPC deadline for reporting
 * progress ("[vitest-worker]: Timeout calling \"onTaskUpdate\""): every test still passes, but
 * vitest counts those as unhandled errors and exits 1. This exits 0 in exactly that case — all
 * test files and tests passed, and every unhandled error is that RPC timeout — and says so.
 * Any failed test, or any other unhandled error, keeps vitest's exit code.
 *
 * The long blocks are gone from the suite (the deploy gate and the 100-pipeline scale test
 * synthesize in child processes), but every local-run test still synthesizes its config in the
 * worker (seconds of CPU), and at a load far above two busy cores that alone can pass 60 s: this
 * stays until vitest lets the deadline be configured.
 */
import { spawn } from 'node:child_process';

const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...process.argv.slice(2)], { stdio: ['inherit', 'pipe', 'pipe'] });
let output = '';
for (const [stream, target] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
  stream.on('data', (chunk) => {
    output += chunk.toString();
    target.write(chunk);
  });
}
child.on('close', (code) => {
  if (code === 0) process.exit(0);
  const text = output.replace(/\x1b\[[0-9;]*m/g, '');
  const files = /^\s*Test Files\s+(.*)$/m.exec(text)?.[1] ?? '';
  const tests = /^\s*Tests\s+(.*)$/m.exec(text)?.[1] ?? '';
  const unhandled = [...text.matchAll(/Unhandled Error ⎯+\n\s*(\S[^\n]*)/g)].map((m) => m[1]);
  const onlyRpcTimeouts = unhandled.length > 0 && unhandled.every((line) => line === 'Error: [vitest-worker]: Timeout calling "onTaskUpdate"');
  if (/passed/.test(files) && !/failed/.test(files) && /passed/.test(tests) && !/failed/.test(tests) && onlyRpcTimeouts) {
    console.error(`\nAll tests passed; ${unhandled.length} vitest progress-report timeout(s) from a busy machine ignored (scripts/vitest-run.mjs).`);
    process.exit(0);
  }
  process.exit(code ?? 1);
});
