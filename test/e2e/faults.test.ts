/**
 * The fault-injection matrix (lib/local/faults/matrix.ts), asserted: for every system's example
 * pipeline and every fault case, the run ends — SUCCEEDED when the fault is transient and within
 * the retry budget, FAILED with the expected named error and an actionable cause otherwise — and
 * no exception escapes. `npm run faults` runs the same matrix and prints it as a table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEMS, type SystemName } from '../../lib/config/schema';
import { FAULT_CASES, FaultMatrix, formatTable, type CaseResult } from '../../lib/local/faults/matrix';
import { testConfig } from '../support/local-run';

const CELLS = SYSTEMS.flatMap((system) => FAULT_CASES.map((faultCase) => [system, faultCase.name] as [SystemName, string]));

describe('fault matrix: system × case', { timeout: 180_000 }, () => {
  let matrix: FaultMatrix;
  const results: CaseResult[] = [];

  beforeAll(async () => {
    matrix = await FaultMatrix.open(testConfig());
  }, 180_000);

  afterAll(async () => {
    await matrix?.close();
    // The table helps whoever reads a failure; a green run stays quiet.
    if (results.some((r) => r.problems.length > 0)) console.log(formatTable(results));
  });

  it.each(CELLS)('%s: %s', async (system, caseName) => {
    const faultCase = FAULT_CASES.find((c) => c.name === caseName)!;
    const result = await matrix.run(system, faultCase);
    results.push(result);

    // Every case ends: a stuck run would have been aborted and reported STUCK.
    expect(result.status).not.toBe('STUCK');
    expect(result.status).toBe(result.expected.status);
    if (result.expected.status === 'FAILED') {
      expect(result.error).toBe(result.expected.error);
      for (const fragment of result.expected.causeContains) expect(result.cause).toContain(fragment);
      expect(result.cause).not.toMatch(/\[object Object\]/);
    } else {
      expect(result.retries).toBeGreaterThanOrEqual(result.expected.retries);
    }
    expect(result.problems).toEqual([]);
  });

  it('saw no uncaught exception or unhandled rejection', () => {
    expect(results).toHaveLength(CELLS.length);
    expect(matrix.uncaught).toEqual([]);
  });
});

describe('fault matrix: the judge', () => {
  it('calls a cause that is empty, an object dump or missing the call not actionable', async () => {
    const { causeProblems } = await import('../../lib/local/faults/matrix');
    expect(causeProblems('', ['GET /x'])).toEqual(['the cause is empty']);
    expect(causeProblems('[object Object]', [])).toEqual(['the cause is not readable: [object Object]']);
    expect(causeProblems('{"errorType":"Error"}', [])).toEqual(['the cause is raw JSON: {"errorType":"Error"}']);
    expect(causeProblems('POST /jobs answered 503: 503 Service Unavailable', ['GET /jobs/'])).toHaveLength(1);
    expect(causeProblems('GET /jobs/job_1 answered 503: 503 Service Unavailable', ['GET /jobs/', 'answered 503'])).toEqual([]);
  });
});
