/**
 * What deployed code (lambdas/) and the infrastructure (lib/) must agree on, and nothing else:
 * error names, state roles and job metadata, the stop descriptor, slot-table attributes, metric
 * names, the task context every handler call carries. It imports nothing from either side; handlers import lib/ only through here, and
 * infrastructure refers to handlers by entry path (lib/providers/job-spec.ts: handlerRef).
 * test/import-direction.test.ts keeps it that way.
 */
export * from './errors';
export * from './metrics';
export * from './slot-table';
export * from './state-roles';
export * from './task-context';
export type { StopDescriptor } from './stop';
export * from './step-durations';
