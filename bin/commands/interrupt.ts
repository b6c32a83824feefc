/**
 * Ctrl-C (SIGINT) and SIGTERM during a local run (#14 item 1). The first signal aborts the
 * execution; the run then ends as a deployed abort does: the execution cleanup stops every
 * unfinished remote job (in-flight submits included) and releases the tenant job slots, and the
 * history is saved as ABORTED. A second signal, or a cleanup that outlasts the bound, exits at
 * once and names the jobs that may still run, so a person can stop them by hand.
 */
import type { RunningExecution } from '../../lib/local/runner';

/**
 * How long the cleanup may take after the first signal before the CLI gives up on it. Each stop
 * call is bounded by its handler's HTTP timeout; this bounds them all, so the exit comes within
 * 30 s of the signal (a design bound: nothing tests elapsed time).
 */
export const CLEANUP_BOUND_MS = 25_000;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export interface Interruption {
  /** Whether a signal aborted the run. */
  readonly interrupted: () => boolean;
  /** Stop listening (the run ended). */
  dispose(): void;
}

/**
 * Listen for SIGINT and SIGTERM while `running` runs; `beforeAbort` puts the terminal back (the
 * live view's cursor) before anything is printed. Messages go to `out`.
 */
export function onInterrupt(running: RunningExecution, out: NodeJS.WritableStream, beforeAbort: () => void): Interruption {
  let signalled = false;
  let bound: ReturnType<typeof setTimeout> | undefined;
  const exitNow = (why: string) => {
    const jobs = running.jobsMayStillRun();
    out.write(
      jobs.length > 0
        ? `\n${why}: exiting now. These remote jobs may still run; stop them by hand:\n${jobs.map((job) => `  ${job}\n`).join('')}`
        : `\n${why}: exiting now. No remote job is known to be running.\n`,
    );
    process.exit(130);
  };
  const listener = (signal: NodeJS.Signals) => {
    if (signalled) return exitNow(`${signal} again`);
    signalled = true;
    beforeAbort();
    out.write(`\n${signal}: aborting the execution and stopping its remote jobs (${signal === 'SIGINT' ? 'Ctrl-C' : 'signal'} again to exit at once)…\n`);
    bound = setTimeout(() => exitNow(`the cleanup did not finish within ${CLEANUP_BOUND_MS / 1000} s`), CLEANUP_BOUND_MS);
    running.abort();
  };
  for (const signal of SIGNALS) process.on(signal, listener);
  return {
    interrupted: () => signalled,
    dispose: () => {
      if (bound) clearTimeout(bound);
      for (const signal of SIGNALS) process.removeListener(signal, listener);
    },
  };
}
