/** The namespace and names of the metrics Continuum publishes (lambdas/metrics/) and its dashboards and alarms read. */
export const CONTINUUM_METRICS = {
  namespace: 'Continuum',
  jobDuration: 'JobDurationSeconds',
  runsSkipped: 'RunsSkipped',
} as const;
