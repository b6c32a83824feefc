/**
 * No secret leaks: every pipeline of pipelines.yaml (read from the file, so a new pipeline is
 * covered as soon as it is added) runs locally against its system's simulator with a sentinel
 * credential in its secret. The simulator accepts only that credential, so a SUCCEEDED run proves
 * the credential went over the wire; then the sentinel, in every form it takes (raw, base64 of
 * `user:pass` for Basic auth), must occur nowhere in what a person or a log system can read: the
 * synthesized template, every history event (each state's input and output), the handlers' logs,
 * the run report and the CLI's outputs (progress lines, summary, --output json, the saved run and
 * `continuum history`). Failing runs (rejected credentials, 5xx until the retries are used up)
 * are searched the same way: error paths are where a header ends up in a message.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineConfig } from '../../lib/config/schema';
import { HARNESSES } from '../../lib/local/faults/systems';
import { eventLines, historyLines, lastRunRecord } from '../../lib/local/history';
import { jsonReport, progressLine, summaryLines } from '../../lib/local/progress';
import type { RunReport } from '../../lib/local/runner';
import type { LocalSession } from '../../lib/local/session';
import type { CrossingMindsSimulator } from '../../lib/local/simulators/crossing-minds';
import { htmlErrorPage, type HttpSimulator } from '../../lib/local/simulators/http-simulator';
import { FAST, openSession, testConfig } from '../support/local-run';

const CONFIG = testConfig();
/** One sentinel per pipeline, unlikely to occur anywhere by chance. */
const SENTINELS = new Map(CONFIG.pipelines.map((p) => [p.name, `Sentinel${randomBytes(8).toString('hex')}`]));

let session: LocalSession;
const simulators: HttpSimulator[] = [];

beforeAll(async () => {
  const secrets = Object.fromEntries(CONFIG.pipelines.map((p) => [p.secretName, HARNESSES[p.system].secret(p, SENTINELS.get(p.name)!)]));
  session = await openSession(CONFIG, secrets);
}, 180_000);

afterAll(async () => {
  await session?.close();
  await Promise.all(simulators.map((sim) => sim.stop()));
});

/** A simulator of the pipeline's system that accepts `credential`; jobs take 150 ms. */
async function simulatorFor(pipeline: PipelineConfig, credential: string): Promise<{ sim: HttpSimulator; baseUrl: string }> {
  const harness = HARNESSES[pipeline.system];
  const sim = harness.simulator({ credential, pipeline, jobMs: 150 });
  simulators.push(sim);
  const root = await sim.start();
  return { sim, baseUrl: harness.baseUrl(root) };
}

function run(pipeline: PipelineConfig, baseUrl: string): Promise<RunReport> {
  return session.run(pipeline.name, { ...FAST, baseUrl, input: HARNESSES[pipeline.system].input });
}

/** Everything a run leaves that a person or a log system can read, by where it is. */
function haystacks(report: RunReport, pipeline: PipelineConfig): Record<string, string> {
  const input = HARNESSES[pipeline.system].input;
  const saved = lastRunRecord(report, input, session.pipeline(pipeline.name).jobs);
  const started = report.history[0]?.timestamp ?? 0;
  const out: Record<string, string> = {
    'synthesized template': JSON.stringify(session.app.template),
    'handler logs': report.logs.join('\n'),
    'run report': JSON.stringify(report),
    'progress lines': report.history.map((e) => progressLine(e, started) ?? '').join('\n'),
    'summary lines': summaryLines(report).join('\n'),
    '--output json': JSON.stringify(jsonReport(report)),
    'saved last run': JSON.stringify(saved),
    'continuum history': [...historyLines(saved), ...eventLines(saved)].join('\n'),
  };
  report.history.forEach((event, i) => {
    out[`history event ${i} (${event.type}${event.state ? ` ${event.state.name}` : ''})`] = JSON.stringify(event);
  });
  return out;
}

/** Where any form of the credential occurs (empty: nowhere). */
function leaks(report: RunReport, pipeline: PipelineConfig, forms: readonly string[]): string[] {
  return Object.entries(haystacks(report, pipeline)).flatMap(([where, text]) =>
    forms.filter((form) => text.includes(form)).map((form) => `${where} contains ${form === forms[0] ? 'the secret' : `a derived form (${form})`}`),
  );
}

describe.each(CONFIG.pipelines.map((p) => [p.name, p] as const))('secret of %s', { timeout: 180_000 }, (_name, pipeline) => {
  const sentinel = SENTINELS.get(pipeline.name)!;
  const harness = HARNESSES[pipeline.system];
  const forms = harness.credentialForms(pipeline, sentinel);

  it('a successful run sends it and shows it nowhere', async () => {
    const { sim, baseUrl } = await simulatorFor(pipeline, sentinel);
    const report = await run(pipeline, baseUrl);

    expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
    // The simulator received it (so the search below would find it if it leaked), on every call.
    expect(sim.requests.length).toBeGreaterThan(1);
    for (const request of sim.requests) expect(forms.some((form) => harness.sentCredential(request).includes(form))).toBe(true);
    // Something to search: the handlers logged their calls, and states carried data.
    expect(report.logs.length).toBeGreaterThan(sim.requests.length);
    expect(report.history.length).toBeGreaterThan(10);
    expect(leaks(report, pipeline, forms)).toEqual([]);
  });

  it('a run whose credentials are rejected shows it nowhere', async () => {
    // A simulator that accepts another credential: the sentinel is sent, and refused.
    const { sim, baseUrl } = await simulatorFor(pipeline, `other${randomBytes(4).toString('hex')}`);
    const report = await run(pipeline, baseUrl);

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('AuthFailed');
    expect(report.cause).toContain('401');
    expect(sim.requests.some((r) => forms.some((form) => harness.sentCredential(r).includes(form)))).toBe(true);
    expect(leaks(report, pipeline, forms)).toEqual([]);
  });

  it('a run that fails on 5xx after its retries shows it nowhere', async () => {
    const { sim, baseUrl } = await simulatorFor(pipeline, sentinel);
    sim.injectFault({ fault: { kind: 'status', status: 500, body: htmlErrorPage(500, 'Internal Server Error') }, times: Infinity });
    const report = await run(pipeline, baseUrl);

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('TransientApiError');
    expect(report.cause).toContain('answered 500: 500 Internal Server Error');
    expect(sim.requests.length).toBeGreaterThanOrEqual(pipeline.retry.transient.maxAttempts + 1);
    for (const request of sim.requests) expect(forms.some((form) => harness.sentCredential(request).includes(form))).toBe(true);
    expect(leaks(report, pipeline, forms)).toEqual([]);
  });
});

const CROSSING_MINDS = CONFIG.pipelines.filter((p) => p.system === 'crossing-minds');

describe.runIf(CROSSING_MINDS.length > 0)('Crossing Minds token renewal', { timeout: 180_000 }, () => {
  it('neither the refresh token nor the renewed pair shows anywhere', async () => {
    const pipeline = CROSSING_MINDS[0];
    const sentinel = SENTINELS.get(pipeline.name)!;
    const { sim, baseUrl } = await simulatorFor(pipeline, sentinel);
    (sim as CrossingMindsSimulator).expireToken();
    const report = await run(pipeline, baseUrl);

    expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
    // The sentinel refresh token was exchanged, and the API's new pair was used from then on.
    const [refresh] = sim.requestsTo('POST', '/login/refresh-token/');
    expect(JSON.parse(refresh.body)).toEqual({ refresh_token: `${sentinel}-refresh` });
    const renewed = sim as CrossingMindsSimulator;
    expect(renewed.token).toMatch(/^cm-jwt-/);
    expect(sim.requests.at(-1)!.headers.authorization).toBe(`Bearer ${renewed.token}`);
    expect(leaks(report, pipeline, [sentinel, renewed.token!, renewed.refreshToken])).toEqual([]);
  });
});

describe('the sentinel search', () => {
  it('finds a credential that does leak (the search is not vacuous)', () => {
    const pipeline = CONFIG.pipelines[0];
    const sentinel = SENTINELS.get(pipeline.name)!;
    const forms = HARNESSES[pipeline.system].credentialForms(pipeline, sentinel);
    const report = {
      pipeline: pipeline.name,
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:x:y',
      status: 'FAILED',
      skipped: false,
      error: 'AuthFailed',
      cause: `bad header Authorization: Basic ${forms.at(-1)}`,
      steps: [],
      stateTransitions: 1,
      lambdaInvocations: 1,
      history: [{ type: 'StateEntered', timestamp: 0, state: { name: 'x', type: 'Task', input: { password: sentinel } } }],
      logs: [],
      cleanup: { stopped: [], failed: [] },
      metrics: [],
    } satisfies RunReport;
    const found = leaks(report, pipeline, forms);
    expect(found).toContain('history event 0 (StateEntered x) contains the secret');
    expect(found.some((where) => where.startsWith('summary lines contains'))).toBe(true);
  });
});

describe('a secrets file without the pipeline\'s secret', { timeout: 180_000 }, () => {
  it('fails the run with SecretNotFound naming the secret and the region, as a deployed run does', async () => {
    const pipeline = CONFIG.pipelines[0];
    const others = Object.fromEntries(CONFIG.pipelines.filter((p) => p.secretName !== pipeline.secretName).map((p) => [p.secretName, 'unused']));
    const missing = await openSession(CONFIG, others);
    try {
      const { sim, baseUrl } = await simulatorFor(pipeline, SENTINELS.get(pipeline.name)!);
      const report = await missing.run(pipeline.name, { ...FAST, baseUrl, input: HARNESSES[pipeline.system].input });

      expect(report.status).toBe('FAILED');
      expect(report.error).toBe('SecretNotFound');
      expect(report.cause).toContain(`secret '${pipeline.secretName}' in region us-east-1`);
      expect(report.cause).not.toContain('Failed to resolve internal values');
      // Not retried, and nothing reached the API without credentials.
      expect(sim.requests).toEqual([]);
    } finally {
      await missing.close();
    }
  });
});
