/**
 * Every handler log line of a local run is JSON naming the execution, the state that made the
 * call and the pipeline (the task context each Lambda task passes): what `continuum logs
 * --execution ARN --step` matches on AWS. A fan-out's iterations name their own states; the
 * secret is never in a line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMOS } from '../../lib/local/demo';
import type { RunReport } from '../../lib/local/runner';
import type { LocalSession } from '../../lib/local/session';
import type { HttpSimulator } from '../../lib/local/simulators/http-simulator';
import { FAST, openSession, testConfig } from '../support/local-run';

const demo = DEMOS['tamr-cloud'];
let sim: HttpSimulator;
let session: LocalSession;
let report: RunReport;

beforeAll(async () => {
  sim = demo.simulator();
  const root = await sim.start();
  session = await openSession(testConfig(), demo.secrets);
  report = await session.run(demo.pipeline, { ...FAST, baseUrl: demo.baseUrl(root), input: demo.input });
});

afterAll(async () => {
  await session?.close();
  await sim?.stop();
});

describe('handler log lines', () => {
  it('each carry the execution ARN, the calling state and the pipeline', () => {
    expect(report.status, report.cause).toBe('SUCCEEDED');
    expect(report.logs.length).toBeGreaterThanOrEqual(report.lambdaInvocations);
    const lines = report.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    const taskStates = new Set(report.history.filter((e) => e.type === 'StateEntered' && e.state?.type === 'Task').map((e) => e.state!.name));
    for (const line of lines) {
      expect(line).toMatchObject({ execution: report.executionArn, pipeline: 'tamr-cloud-demo', handler: expect.any(String) });
      // The state's own name, never the local placeholder.
      expect(taskStates.has(String(line.state)), String(line.state)).toBe(true);
    }
    const states = new Set(lines.map((l) => l.state));
    for (const name of ['Load source', 'Get source load status', 'Update data product', 'Publish output']) expect(states.has(name), name).toBe(true);
    // Seven sources, each loaded once by the Map: seven 'done' lines of the submit state.
    expect(lines.filter((l) => l.state === 'Load source' && l.message === 'done')).toHaveLength(7);
    // The handler's own event never sees the task context; the secret is nowhere.
    expect(report.logs.join('\n')).not.toContain('taskContext');
    expect(report.logs.join('\n')).not.toContain('apk_local_demo');
  });
});
