/**
 * End to end: the synthesized Boomi Hub state machines executed locally by aws-local-stepfunctions
 * (LocalSession), every Lambda task bound to the real handler, against a real BoomiHubSimulator.
 * Waits are shortened to 20 ms and retries to 10 ms; batches take 120 ms of real time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../lib/config/load';
import { DEMOS } from '../../lib/local/demo';
import type { RunReport } from '../../lib/local/runner';
import { LocalSession } from '../../lib/local/session';
import { BoomiHubSimulator, DEFAULT_UNIVERSE_ID } from '../../lib/local/simulators/boomi-hub';
import { htmlErrorPage } from '../../lib/local/simulators/http-simulator';

const UNIVERSE = DEFAULT_UNIVERSE_ID;
const RECORDS_PATH = `/mdm/universes/${UNIVERSE}/records`;
const STATUS_PATH = `${RECORDS_PATH}/updates/42`;
const BASIC = `Basic ${Buffer.from('boomi-user:boomi-token').toString('base64')}`;
const SEED_QUARANTINE_MESSAGE = "The record's {Age} field value '41a' is not in a valid INTEGER format.";
/** What the simulator says of an entity a knob quarantined: it names the entity that was sent. */
const awaitingApproval = (id: string) => `entity ${id}: New contact entity '${id}' from source SF requires approval.`;
const FAST = { waitMs: 20, retryMs: 10 };

let workDir: string;
let session: LocalSession;
let sim: BoomiHubSimulator;

function pipelines(records: string): string {
  const pipeline = (name: string, extra: string, step = '') => `
  - name: ${name}
    system: boomi-hub
    baseUrl: https://c01-usa-east.hub.boomi.com
    universeId: ${UNIVERSE}
    secretName: continuum/${name}
${extra}    steps:
      - kind: updateGoldenRecords
        records: ${records}
${step}`;
  return `pipelines:${[
    pipeline('hub-basic', ''),
    pipeline('hub-lenient', '', '        quarantineThreshold: 0.5\n'),
    pipeline('hub-jwt', '    repositoryId: repo-1\n'),
    pipeline('hub-wrong-secret', ''),
    pipeline('hub-timeout', '    polling:\n      initialIntervalSeconds: 5\n      maxIntervalSeconds: 30\n      timeoutMinutes: 1\n'),
  ].join('')}`;
}

const run = (name: string): Promise<RunReport> => session.run(name, { baseUrl: sim.url, ...FAST });

/** Names of the states entered, in order. */
const entered = (report: RunReport): string[] => report.history.filter((e) => e.type === 'StateEntered').map((e) => e.state!.name);

/** The step's record in the execution output (`$.steps.updateGoldenRecords`). */
const stepOutput = (report: RunReport) => (report.output as { steps: Record<string, { id: string; state: string; polls: number; summary: Record<string, unknown> }> }).steps.updateGoldenRecords;

const includeEntitiesRequests = () => sim.requests.filter((r) => r.query.includeEntities === 'true');

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'continuum-boomi-e2e-'));
  const contacts = Array.from({ length: 5 }, (_, i) => `  <contact><id>c${i + 1}</id><name>Person ${i + 1}</name></contact>`).join('\n');
  await writeFile(join(workDir, 'contacts.xml'), `<batch src="SF">\n${contacts}\n</batch>\n`);
  const file = join(workDir, 'pipelines.yaml');
  await writeFile(file, pipelines('contacts.xml'));
  const basic = { username: 'boomi-user', password: 'boomi-token' };
  session = await LocalSession.open(loadConfig(file), {
    'continuum/hub-basic': basic,
    'continuum/hub-lenient': basic,
    'continuum/hub-timeout': basic,
    'continuum/hub-jwt': { token: 'boomi-jwt' },
    'continuum/hub-wrong-secret': { username: 'boomi-user', password: 'not-the-token' },
  });
});

afterAll(async () => {
  await session?.close();
  await rm(workDir, { recursive: true, force: true });
});

beforeEach(async () => {
  sim = new BoomiHubSimulator({ batchDurationMs: 120 });
  await sim.start();
});

afterEach(async () => {
  await sim.stop();
});

describe('boomi-hub pipelines, executed locally', () => {
  it('a COMPLETED batch succeeds with its counts in the step output', async () => {
    const report = await run('hub-basic');

    expect(report.status).toBe('SUCCEEDED');
    expect(report.error).toBeUndefined();
    const step = stepOutput(report);
    expect(step).toMatchObject({
      id: '42',
      state: 'COMPLETED',
      summary: { entityCount: 5, createdCount: 5, updatedCount: 0, deletedCount: 0, quarantinedCount: 0 },
    });
    expect(step.polls).toBeGreaterThanOrEqual(1);
    expect(report.steps).toEqual([{ name: 'Update golden records', key: 'updateGoldenRecords', remoteId: '42', finalState: 'COMPLETED', polls: step.polls }]);

    // One submit, then status polls only (no entity report for a clean batch), all with Basic auth.
    expect(sim.requests[0]).toMatchObject({ method: 'POST', path: RECORDS_PATH, query: {} });
    expect(sim.requests[0].body).toContain('<contact><id>c5</id>');
    expect(sim.requests.slice(1).map((r) => [r.method, r.path, r.query])).toEqual(Array.from({ length: step.polls }, () => ['GET', STATUS_PATH, {}]));
    expect(sim.requests.every((r) => r.headers.authorization === BASIC)).toBe(true);
    expect(entered(report)).not.toContain('Fetch quarantine report');
    expect(entered(report)).toEqual(expect.arrayContaining(['Update golden records', 'Get batch update status', 'Wait for batch update', 'Batch update done', 'Pipeline finished']));
  });

  it('an ERRORED batch fails the run with BoomiBatchErrored and the batch facts as cause', async () => {
    sim.errorNext();
    const report = await run('hub-basic');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('BoomiBatchErrored');
    expect(report.cause).toMatch(/^batch 42 \(source SF\) ERRORED: processing failed for all 5 entities with an unexpected error \(ended \S+Z\); created 0, updated 0, deleted 0, quarantined 0$/);
    expect(report.steps).toMatchObject([{ remoteId: '42', finalState: 'ERRORED' }]);
    expect(entered(report).at(-1)).toBe('Batch update failed');
    expect(includeEntitiesRequests()).toHaveLength(0);
  });

  it('COMPLETED_ERRORS within quarantineThreshold succeeds with warnings and the quarantine report in the output', async () => {
    sim.quarantineNext(2);
    const report = await run('hub-lenient');

    expect(report.status).toBe('SUCCEEDED');
    const step = stepOutput(report);
    expect(step).toMatchObject({ id: '42', state: 'COMPLETED_ERRORS' });
    expect(step.summary).toEqual({
      entityCount: 5,
      createdCount: 3,
      updatedCount: 0,
      deletedCount: 0,
      quarantinedCount: 2,
      quarantinedFraction: 0.4,
      quarantineThreshold: 0.5,
      quarantineReport: [
        { stateDetail: 'REQUIRES_APPROVAL', count: 2, samples: [awaitingApproval('c4'), awaitingApproval('c5')] },
      ],
      warnings: [expect.stringMatching(/^batch 42 ended COMPLETED_ERRORS: 2 of 5 entities quarantined \(40%\), within quarantineThreshold 0\.5 \(50%\); REQUIRES_APPROVAL: 2 /)],
    });
    expect(report.steps).toMatchObject([{ remoteId: '42', finalState: 'COMPLETED_ERRORS' }]);

    // The entity report is fetched exactly once, after the status call that saw the final state.
    const states = entered(report);
    expect(states.filter((s) => s === 'Fetch quarantine report')).toHaveLength(1);
    // The report's answer replaced the status: it carries no durations, so none are recorded.
    expect(states.slice(states.indexOf('Fetch quarantine report'))).toEqual([
      'Fetch quarantine report',
      'Batch update report outcome',
      'Batch update done',
      'Is there a batch update duration to record',
      'Keep batch update durations',
      'Pipeline finished',
    ]);
    expect(includeEntitiesRequests()).toHaveLength(1);
    expect(sim.requests.at(-1)).toMatchObject({ method: 'GET', path: STATUS_PATH, query: { includeEntities: 'true' } });
  });

  it('COMPLETED_ERRORS above quarantineThreshold fails with BoomiQuarantineThresholdExceeded and the grouped report in the cause', async () => {
    sim.quarantineNext(2);
    const report = await run('hub-basic');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('BoomiQuarantineThresholdExceeded');
    expect(report.cause).toBe(
      'batch 42 ended COMPLETED_ERRORS: 2 of 5 entities quarantined (40%), more than quarantineThreshold 0 (0%) allows; created 3, updated 0, deleted 0. ' +
        `Not incorporated: REQUIRES_APPROVAL: 2 (${awaitingApproval('c4')}; ${awaitingApproval('c5')})`,
    );
    expect(entered(report).slice(-3)).toEqual(['Fetch quarantine report', 'Batch update report outcome', 'Batch update failed']);
    expect(includeEntitiesRequests()).toHaveLength(1);
  });

  it('JWT auth: every request sends Bearer and repositoryId', async () => {
    sim.quarantineNext(1);
    const report = await run('hub-jwt');

    // 1 of 5 quarantined with the default threshold 0: fails, after the report call.
    expect(report.error).toBe('BoomiQuarantineThresholdExceeded');
    expect(sim.requests.length).toBeGreaterThanOrEqual(3);
    for (const request of sim.requests) {
      expect(request.headers.authorization).toBe('Bearer boomi-jwt');
      expect(request.query.repositoryId).toBe('repo-1');
    }
    expect(sim.requests.map((r) => r.query)).toContainEqual({ includeEntities: 'true', repositoryId: 'repo-1' });
  });

  it('wrong credentials: the 401 HTML page becomes AuthFailed with its text', async () => {
    const report = await run('hub-wrong-secret');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('AuthFailed');
    expect(report.cause).toBe(`POST ${RECORDS_PATH} answered 401: HTTP ERROR 401 Problem accessing /mdm/universes. Reason: Invalid credentials.`);
    expect(entered(report).at(-1)).toBe('Batch update request failed');
    expect(report.steps).toMatchObject([{ finalState: 'REQUEST_FAILED' }]);
    expect(sim.batches).toHaveLength(0);
  });

  it('a 503 on a status poll is retried, then the run succeeds through the report', async () => {
    sim.quarantineNext(1);
    sim.injectFault({ fault: { kind: 'status', status: 503, body: htmlErrorPage(503, 'Service Unavailable') }, method: 'GET', path: '/updates/' });
    const report = await run('hub-lenient');

    expect(report.status).toBe('SUCCEEDED');
    expect(report.history.filter((e) => e.type === 'StateRetried').map((e) => e.state?.name)).toEqual(['Get batch update status']);
    expect(stepOutput(report).summary).toMatchObject({ quarantinedCount: 1, quarantineReport: [{ stateDetail: 'REQUIRES_APPROVAL', count: 1 }] });
  });

  it('the report task retries like every task and sends API errors to "request failed"', () => {
    const definition = session.pipeline('hub-basic').definition;
    const reportState = definition.States['Fetch quarantine report'] as unknown as { Retry: Array<{ ErrorEquals: string[] }>; Catch: Array<{ ErrorEquals: string[]; Next: string }>; Next: string };
    expect(reportState.Retry.map((r) => r.ErrorEquals)).toEqual(expect.arrayContaining([['RateLimited'], ['TransientApiError']]));
    expect(reportState.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Batch update request failed' })]);
    expect(reportState.Next).toBe('Batch update report outcome');
    // The status Choice sends only final results that ask for it to the report, before done/failed.
    const choices = (definition.States['Batch update status'] as unknown as { Choices: Array<{ Next: string }> }).Choices.map((c) => c.Next);
    expect(choices.slice(0, 3)).toEqual(['Fetch quarantine report', 'Batch update done', 'Batch update failed']);
  });

  it('a batch that never finishes ends in JobTimedOut after the poll budget', async () => {
    sim.neverFinishNext();
    const report = await run('hub-timeout');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('JobTimedOut');
    // Default backoffRate 1.1: waits stay at the 5 s minimum until the job has run 50 s, so a
    // 1-minute budget is 12 checks.
    expect(report.cause).toBe('Update golden records did not finish within 1 minutes (12 status checks).');
    expect(sim.requestsTo('GET', STATUS_PATH)).toHaveLength(12);
    expect(report.steps).toMatchObject([{ remoteId: '42', finalState: 'TIMED_OUT', polls: 12 }]);
  });
});

describe('the boomi-hub demo', () => {
  it('runs pipelines.yaml\'s boomi-hub-demo against its simulator and succeeds with a quarantine warning', async () => {
    const setup = DEMOS['boomi-hub'];
    const demoSim = setup.simulator() as BoomiHubSimulator;
    const root = await demoSim.start();
    const demo = await LocalSession.open(loadConfig('pipelines.yaml'), setup.secrets);
    try {
      // The CLI's default wait: the demo's batch takes 1.2 s, longer than 20 ms waits x the poll budget.
      const report = await demo.run(setup.pipeline, { baseUrl: setup.baseUrl(root), input: setup.input, waitMs: 300, retryMs: 10 });

      expect([report.status, report.error, report.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
      const summary = stepOutput(report).summary;
      expect(summary).toMatchObject({ entityCount: 10, createdCount: 9, quarantinedCount: 1, quarantineThreshold: 0.2 });
      expect(summary.quarantineReport).toEqual([
        { stateDetail: 'FIELD_FORMAT_ERROR', count: 1, samples: [`entity ee80eb70-202f-4baf-aa30-d09110a16589: ${SEED_QUARANTINE_MESSAGE}`] },
      ]);
      expect(summary.warnings).toEqual([expect.stringContaining('1 of 10 entities quarantined (10%), within quarantineThreshold 0.2 (20%)')]);
      // The example batch went over the wire as written.
      expect(demoSim.requests[0].body).toContain('<age>41a</age>');
    } finally {
      await demo.close();
      await demoSim.stop();
    }
  });
});

describe('boomi-hub config', () => {
  it('resolves a local records path against the config file and keeps s3:// URIs', () => {
    const config = parseConfig(pipelines('s3://bucket/hub/contacts.xml'), join(workDir, 'p.yaml'));
    expect(config.pipelines[0].steps[0]).toEqual({ kind: 'updateGoldenRecords', records: 's3://bucket/hub/contacts.xml', quarantineThreshold: 0 });
    const local = parseConfig(pipelines('data/contacts.xml'), join(workDir, 'p.yaml'));
    expect(local.pipelines[0].steps[0]).toMatchObject({ records: join(workDir, 'data/contacts.xml') });
  });
});
