/**
 * The local runs `continuum history` keeps: the last KEPT_RUNS, one file each under
 * `<state dir>/runs/` (git-ignored with the rest of `.continuum`), named by start time and
 * execution name so the names sort oldest first. Saving a run drops the oldest beyond the limit.
 * `last-run.json` stays as the newest run, for tools that read it.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLastRun, type LastRun } from './history';

export const RUNS_DIR = 'runs';
export const KEPT_RUNS = 20;

/** A kept run as `history --list` shows it. */
export interface RunSummary {
  /** The execution's name (`local-…`): what `history --run ID` and a local rerun take. */
  readonly id: string;
  readonly pipeline: string;
  readonly status: string;
  readonly skipped: boolean;
  /** ISO time the execution started. */
  readonly start: string;
  readonly durationSeconds?: number;
  readonly file: string;
}

const runId = (run: Pick<LastRun, 'executionArn'>): string => run.executionArn.split(':').pop()!;

function startOf(run: Pick<LastRun, 'history'>): number {
  return run.history.find((e) => e.type === 'ExecutionStarted')?.timestamp ?? run.history[0]?.timestamp ?? 0;
}

/** Keep `run` in `dir`; the oldest runs beyond `keep` are deleted. Returns the run's id. */
export function keepRun(dir: string, run: LastRun, keep = KEPT_RUNS): string {
  const runs = join(dir, RUNS_DIR);
  mkdirSync(runs, { recursive: true });
  const id = runId(run);
  writeFileSync(join(runs, `${String(startOf(run)).padStart(15, '0')}-${id}.json`), `${JSON.stringify(run)}\n`);
  const files = runFiles(dir);
  for (const file of files.slice(0, Math.max(0, files.length - keep))) rmSync(join(runs, file), { force: true });
  return id;
}

/** The kept runs' file names, oldest first. */
function runFiles(dir: string): string[] {
  try {
    return readdirSync(join(dir, RUNS_DIR))
      .filter((name) => /^\d{15}-.+\.json$/.test(name))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The kept runs, newest first; a file that is not a saved run is left out. */
export function keptRuns(dir: string): RunSummary[] {
  return runFiles(dir)
    .reverse()
    .flatMap((name): RunSummary[] => {
      const file = join(dir, RUNS_DIR, name);
      let run: LastRun;
      try {
        run = parseLastRun(readFileSync(file, 'utf8'));
      } catch {
        return [];
      }
      const start = startOf(run);
      const end = [...run.history].reverse().find((e) => e.type.startsWith('Execution') && e.type !== 'ExecutionStarted')?.timestamp;
      return [
        {
          id: runId(run),
          pipeline: run.pipeline,
          status: run.status,
          skipped: run.skipped,
          start: new Date(start).toISOString(),
          ...(end !== undefined ? { durationSeconds: Math.round(end - start) / 1000 } : {}),
          file,
        },
      ];
    });
}

/** The kept run `id` (its execution name, or a prefix only it starts with). */
export function keptRun(dir: string, id: string): LastRun {
  const runs = keptRuns(dir);
  const exact = runs.find((r) => r.id === id);
  const matches = exact ? [exact] : runs.filter((r) => r.id.startsWith(id) || r.id.startsWith(`local-${id}`));
  if (matches.length === 1) return parseLastRun(readFileSync(matches[0].file, 'utf8'));
  const known = runs.length === 0 ? 'no run is kept yet' : `kept runs: ${runs.map((r) => r.id).join(', ')}`;
  throw new RunNotKeptError(matches.length === 0 ? `no kept local run '${id}' (${known})` : `'${id}' names ${matches.length} kept runs: give more of the id (${matches.map((r) => r.id).join(', ')})`);
}

/** `history --list` as text: one row per kept run, newest first. */
export function runListLines(runs: readonly RunSummary[]): string[] {
  if (runs.length === 0) return ['no local run kept yet: run `continuum demo` or `continuum run` first'];
  const rows = runs.map((r) => [r.id, r.pipeline, r.skipped ? 'SKIPPED' : r.status, r.start, r.durationSeconds !== undefined ? `${r.durationSeconds.toFixed(1)}s` : '…']);
  const header = ['id', 'pipeline', 'status', 'started', 'duration'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const format = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');
  return [format(header), format(widths.map((w) => '─'.repeat(w))), ...rows.map(format)];
}

export class RunNotKeptError extends Error {
  readonly name = 'RunNotKeptError';
}
