/**
 * Each test file gets a temporary directory of its own (TMPDIR, which os.tmpdir() and child
 * processes follow), removed after the file. Tests build CDK apps by the hundred, and an App
 * given no outdir leaves a `cdk.out*` directory in the temporary directory for good: a full run
 * used to leave over a thousand of them (a gigabyte) on the CI machine.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const machine = tmpdir();
const scratch = mkdtempSync(join(machine, 'continuum-test-'));
// tsx keeps its transform cache in the temporary directory: the CLI children of every file share
// the machine's (rmSync removes the link, not the cache).
const tsxCache = `tsx-${userInfo().uid}`;
mkdirSync(join(machine, tsxCache), { recursive: true });
symlinkSync(join(machine, tsxCache), join(scratch, tsxCache));
process.env.TMPDIR = scratch;

// Setup-file hooks run after the test file's own afterAll hooks (vitest's stacked order), so
// servers and children the file started are stopped before their files go.
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
