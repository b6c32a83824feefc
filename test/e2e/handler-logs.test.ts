/**
 * Every handler log line of a local run is JSON naming the execution, the state that made the
 * call and the pipeline (the task context each Lambda task passes): what `continuum logs
 * --execution ARN --step` matches on AWS. A fan-out's iterations name their own states; the
 * secret is never in a line. And the same run's Map iterations named by their item in its
 * history and progress output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMOS } from '../../lib/local/demo';
import { eventLines, historyLines, lastRunRecord } from '../../lib/local/history';
import { summaryLines } from '../../lib/local/progress';
import { plainProgress } from '../../lib/local/progress-view';
import type { RunReport } from '../../lib/local/runner';
import type { LocalSession } from '../../lib/local/session';
import type { HttpSimulator } from '../../lib/local/simulators/http-simulator';
import { FAST, openSession, testConfig } from '../support/local-run';

const demo = DEMOS['tamr-cloud'];
let sim: HttpSimulator;
let session: LocalSession;
let report: RunReport;
const progressLines: string[] = [];

beforeAll(async () => {
  sim = demo.simulator();
  const root = await sim.start();
  session = await openSession(testConfig(), demo.secrets);
  const started = Date.now();
  const progress = plainProgress(started, (line) => progressLines.push(line));
  report = await session.run(demo.pipeline, { ...FAST, baseUrl: demo.baseUrl(root), input: demo.input, onEvent: (event) => progress.onEvent(event) });
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
      // The state's own name, never the local placeholder; the run-metrics function, which the
      // run's end invokes (no state of the pipeline), names the execution all the same.
      if (line.handler !== 'metrics/publish-run-metrics') expect(taskStates.has(String(line.state)), String(line.state)).toBe(true);
    }
    expect(lines.filter((l) => l.handler === 'metrics/publish-run-metrics')).toHaveLength(1);
    const states = new Set(lines.map((l) => l.state));
    for (const name of ['Load source', 'Get source load status', 'Update data product', 'Publish output']) expect(states.has(name), name).toBe(true);
    // Seven sources, each loaded once by the Map: seven 'done' lines of the submit state.
    expect(lines.filter((l) => l.state === 'Load source' && l.message === 'done')).toHaveLength(7);
    // The handler's own event never sees the task context; the secret is nowhere.
    expect(report.logs.join('\n')).not.toContain('taskContext');
    expect(report.logs.join('\n')).not.toContain('apk_local_demo');
  });

  it('name Map iterations by their item in history, events, progress and the summary', () => {
    const run = lastRunRecord(report, demo.input, session.pipeline(demo.pipeline).jobs);
    const table = historyLines(run).join('\n');
    expect(table).toMatch(/Load source \[src_crm_accounts\]\s+Task\s+Succeeded\s+id \S+/);
    expect(table).toMatch(/Get source load status \[src_partner_directory\]\s+Task/);
    expect(table).not.toContain('[item ');
    expect(eventLines(run).join('\n')).toMatch(/MapIterationStarted\s+Load sources \[src_erp_customers\]/);
    expect(progressLines.some((l) => /• Load source \[src_web_signups\]\s+id \S+/.test(l))).toBe(true);
    expect(progressLines.join('\n')).not.toContain('[item ');
    expect(report.steps.filter((s) => s.name === 'Load source').map((s) => s.itemLabel).sort()).toEqual(
      ['src_billing_accounts', 'src_crm_accounts', 'src_erp_customers', 'src_marketing_leads', 'src_partner_directory', 'src_support_contacts', 'src_web_signups'],
    );
    expect(summaryLines(report).join('\n')).toContain('Load source [src_support_contacts]');
  });
});
