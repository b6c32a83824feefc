/**
 * How long each step's remote jobs ran, read from an execution's history: from the first state
 * that knew a job's id (its submit) to the last one (its "done"), by the history's timestamps.
 * A step that ran one job per item (a Map) lasts from its first submit to its last "done".
 * Pure, so the deployed run-metrics function and the local runner compute the same figures.
 */

/** One history event's time and state data (input or output), in history order. */
export interface TimedState {
  readonly timestamp: number;
  readonly data: unknown;
}

type StepRecord = { id?: unknown; items?: Array<{ id?: unknown } | null> };
type Data = { job?: { id?: unknown }; steps?: Record<string, StepRecord | null> };

/** Seconds per step key (`refreshRecordClusters`, `load`, ...), for steps whose jobs had an id. */
export function jobDurations(states: readonly TimedState[]): Record<string, number> {
  const span = new Map<string, { first: number; last: number }>();
  const stepOf = new Map<string, string>();
  for (const { timestamp, data } of states) {
    const { job, steps } = (data ?? {}) as Data;
    if (job && typeof job.id === 'string' && job.id) {
      const seen = span.get(job.id);
      span.set(job.id, { first: seen?.first ?? timestamp, last: timestamp });
    }
    for (const [key, record] of Object.entries(steps ?? {})) {
      if (typeof record?.id === 'string') stepOf.set(record.id, key);
      for (const item of record?.items ?? []) if (typeof item?.id === 'string') stepOf.set(item.id, key);
    }
  }
  const steps = new Map<string, { first: number; last: number }>();
  for (const [id, { first, last }] of span) {
    const key = stepOf.get(id);
    if (!key) continue;
    const step = steps.get(key);
    steps.set(key, { first: Math.min(step?.first ?? first, first), last: Math.max(step?.last ?? last, last) });
  }
  return Object.fromEntries([...steps].map(([key, { first, last }]) => [key, Math.round((last - first) / 100) / 10]));
}

/** The namespace and names of the metrics Continuum publishes (dashboards read them): lib/contract/metrics.ts. */
export { CONTINUUM_METRICS } from '../../lib/contract/metrics';
