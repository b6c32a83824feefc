/**
 * The slot table's partition key and the pool item's bookkeeping attributes; every other attribute
 * of a pool item is a holder. One definition for the table and its tasks (lib/constructs/job-slots.ts)
 * and the cleanup that releases an ended execution's slots (lambdas/cleanup/job-slots.ts).
 */
export const SLOT_TABLE_KEY = 'pool';
export const SLOT_COUNT = 'count';
export const SLOT_LIMIT = 'limit';
