/**
 * End-to-end test support: the real synthesized state machine, executed by aws-local-stepfunctions
 * with the real handlers, against a vendor simulator over HTTP. Nothing is mocked: secrets come
 * from the local Secrets Manager stand-in, exactly as `continuum run --secrets` does.
 */
import { loadConfig, parseConfig, type LoadedConfig } from '../../lib/config/load';
import type { HistoryEvent, RunReport } from '../../lib/local/runner';
import { LocalSession } from '../../lib/local/session';

/** The example pipelines.yaml, or a YAML text read as if it were a file at the repo root. */
export function testConfig(yaml?: string): LoadedConfig {
  return yaml === undefined ? loadConfig('pipelines.yaml') : parseConfig(yaml, 'test-pipelines.yaml');
}

/** until()'s default bound: below vitest's 120 s test timeout, so the wait is named when it fails. */
export const UNTIL_BACKSTOP_MS = 110_000;

/** Short waits and retries so an execution takes about a second. */
export const FAST = { waitMs: 20, retryMs: 10 } as const;

export async function openSession(config: LoadedConfig, secrets: Record<string, unknown>): Promise<LocalSession> {
  return LocalSession.open(config, secrets);
}

/** Names of the states entered, in order (Map iterations included). */
export function statesEntered(report: RunReport): string[] {
  return report.history.filter((e) => e.type === 'StateEntered').map((e) => e.state!.name);
}

/** Every event of a given type, e.g. StateRetried. */
export function eventsOf(report: RunReport, type: string): HistoryEvent[] {
  return report.history.filter((e) => e.type === type);
}

/**
 * Resolves once `predicate` holds, polling every 10 ms. The bound is only a backstop that names
 * the wait in the failure: a condition that comes from events holds sooner or later however
 * loaded the machine, so it sits just below vitest's test timeout (vitest.config.ts), not at a
 * guess of how fast the machine is.
 */
export async function until(predicate: () => boolean, ms = UNTIL_BACKSTOP_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not reached within ${ms / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
