/**
 * End-to-end local executions of the synthesized Crossing Minds state machines: the real ASL run
 * by aws-local-stepfunctions, the real handlers, a real CrossingMindsSimulator over HTTP and the
 * local Secrets Manager stand-in. The simulator runs on a virtual clock that moves 300 ms every
 * time the execution enters a Wait state, so task lifecycles are deterministic and runs are fast.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config/load';
import type { RunReport } from '../../lib/local/runner';
import { LocalSession } from '../../lib/local/session';
import { CrossingMindsSimulator, type CrossingMindsSimulatorOptions } from '../../lib/local/simulators/crossing-minds';
import { htmlErrorPage } from '../../lib/local/simulators/http-simulator';
import { VirtualClock } from '../../lib/local/virtual-clock';
import { checkTimes, waitSchedule } from '../../lib/polling/wait-schedule';

/** Simulated milliseconds per Wait state; tasks take 1000 ms, so about four checks. */
const TICK_MS = 300;

const RECO_CONTEXT = `
          input_table: { connection: GCS, name: input-myfile.csv.gz }
          reco_params: { amt: 7, filters: ["price:eq:10", "tags:in:family,fiction"] }
          output_table: { connection: LOCAL, name: output-reco.parquet }`;

const pipeline = (name: string, secret: string, steps: string, extra = ''): string => `
  - name: ${name}
    system: crossing-minds
    baseUrl: https://api.crossingminds.com
    secretName: ${secret}
${extra}    steps:
${steps}`;

const CONFIG = `pipelines:
${pipeline(
  'cm-all',
  'cm/main',
  `      - kind: backgroundTask
        taskName: ml_new_items
      - kind: backgroundTask
        taskName: ml_model_retrain
      - kind: backgroundTask
        taskName: reco_export
        context:${RECO_CONTEXT}`,
)}
${pipeline('cm-retrain', 'cm/main', `      - kind: backgroundTask\n        taskName: ml_model_retrain`)}
${pipeline(
  'cm-retrain-skip',
  'cm/main',
  `      - kind: backgroundTask
        taskName: ml_model_retrain
        onAlreadyRunning: skip
      - kind: backgroundTask
        taskName: ml_new_users`,
)}
${pipeline('cm-retrain-fail', 'cm/main', `      - kind: backgroundTask\n        taskName: ml_model_retrain\n        onAlreadyRunning: fail`)}
${pipeline('cm-export', 'cm/main', `      - kind: backgroundTask\n        taskName: reco_export\n        context:${RECO_CONTEXT}`)}
${pipeline(
  'cm-export-short',
  'cm/main',
  `      - kind: backgroundTask\n        taskName: reco_export\n        context:${RECO_CONTEXT}`,
  `    polling: { initialIntervalSeconds: 30, maxIntervalSeconds: 60, backoffRate: 2, timeoutMinutes: 1 }\n`,
)}
${pipeline('cm-refresh', 'cm/refresh', `      - kind: backgroundTask\n        taskName: ml_new_items\n      - kind: backgroundTask\n        taskName: ml_model_retrain`)}
${pipeline('cm-refresh-again', 'cm/refresh-again', `      - kind: backgroundTask\n        taskName: ml_new_items\n      - kind: backgroundTask\n        taskName: ml_model_retrain`)}
${pipeline('cm-refresh-private', 'cm/refresh-private', `      - kind: backgroundTask\n        taskName: reco_export\n        context:${RECO_CONTEXT}`)}
${pipeline('cm-token-only', 'cm/token-only', `      - kind: backgroundTask\n        taskName: ml_new_items`)}
${pipeline('cm-wrong-token', 'cm/wrong-token', `      - kind: backgroundTask\n        taskName: ml_new_items`)}
`;

const SECRETS = {
  'cm/main': { token: 'cm-demo-jwt' },
  'cm/refresh': { token: 'cm-demo-jwt', refreshToken: 'cm-demo-refresh', note: 'kept' },
  'cm/refresh-again': { token: 'cm-demo-jwt', refreshToken: 'cm-demo-refresh' },
  'cm/refresh-private': { token: 'cm-demo-jwt', refreshToken: 'cm-demo-refresh' },
  'cm/token-only': { token: 'cm-demo-jwt' },
  'cm/wrong-token': { token: 'not-the-jwt' },
};

let session: LocalSession;
let sim: CrossingMindsSimulator;
let t: number;

beforeAll(async () => {
  session = await LocalSession.open(parseConfig(CONFIG, 'e2e-crossing-minds.yaml'), SECRETS);
});

afterAll(async () => {
  await session.close();
});

async function startSimulator(options: CrossingMindsSimulatorOptions = {}): Promise<void> {
  await sim?.stop();
  // Starts at the real time: a look after a lost answer compares task start times with the
  // state machine's clock. From there it moves only as the tests say.
  t = Date.now();
  sim = new CrossingMindsSimulator({ clock: () => t, taskDurationMs: 1000, cancelDelayMs: 100, ...options });
  await sim.start();
}

beforeEach(() => startSimulator());
afterEach(() => sim.stop());

/** Run a pipeline against the simulator; `onState` sees every state entered (by name). */
function run(name: string, onState?: (state: string) => void): Promise<RunReport> {
  return session.run(name, {
    baseUrl: sim.url,
    waitMs: 20,
    retryMs: 10,
    onEvent: (event) => {
      if (event.type !== 'StateEntered' || !event.state) return;
      if (event.state.type === 'Wait') t += TICK_MS;
      onState?.(event.state.name);
    },
  });
}

const paths = (): string[] => sim.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
const tasksNamed = (name: string) => sim.tasks.filter((task) => task.name === name);

describe('a whole pipeline', () => {
  it('triggers ml_new_items, ml_model_retrain and reco_export in order and follows each to COMPLETED', async () => {
    const report = await run('cm-all');

    expect(report.status).toBe('SUCCEEDED');
    expect(sim.tasks.map((task) => [task.name, sim.statusOf(task)])).toEqual([
      ['ml_new_items', 'COMPLETED'],
      ['ml_model_retrain', 'COMPLETED'],
      ['reco_export', 'COMPLETED'],
    ]);
    const [items, retrain, reco] = sim.tasks;
    expect(report.steps.map((s) => [s.name, s.remoteId, s.finalState])).toEqual([
      ['Trigger ML new items task', items.task_id, 'COMPLETED'],
      ['Trigger ML model retrain task', retrain.task_id, 'COMPLETED'],
      ['Trigger reco export task', reco.task_id, 'COMPLETED'],
    ]);
    for (const step of report.steps) expect(step.polls).toBeGreaterThanOrEqual(3);

    // Each trigger happens only after the previous task completed; public tasks are read from
    // the public recents list, the private one by id.
    const triggers = sim.requests.filter((r) => r.method === 'POST').map((r) => [r.path, sim.requests.indexOf(r)] as const);
    expect(triggers.map(([path]) => path)).toEqual(['/tasks/ml_new_items/', '/tasks/ml_model_retrain/', '/tasks/private/reco_export/']);
    expect(sim.requestsTo('GET', '/tasks/ml_new_items/recents/').every((r) => r.query.page === '1' && r.query.amt === '64')).toBe(true);
    expect(sim.requestsTo('GET', `/tasks/private/reco_export/${reco.task_id}/`).length).toBe(report.steps[2].polls);
    expect(sim.requests.every((r) => r.headers.authorization === 'Bearer cm-demo-jwt')).toBe(true);
    expect(sim.requests.every((r) => r.status === 200 || r.status === 204)).toBe(true);

    // The private trigger sent the step's context as context_task (no refresh token in this secret).
    const [trigger] = sim.requestsTo('POST', '/tasks/private/reco_export/');
    expect(JSON.parse(trigger.body)).toEqual({
      context_task: {
        input_table: { connection: 'GCS', name: 'input-myfile.csv.gz' },
        reco_params: { amt: 7, filters: ['price:eq:10', 'tags:in:family,fiction'] },
        output_table: { connection: 'LOCAL', name: 'output-reco.parquet' },
      },
    });
    expect(reco.payload).toEqual(JSON.parse(trigger.body).context_task);

    const output = report.output as { status: string; steps: Record<string, { id: string; state: string }> };
    expect(output.status).toBe('SUCCEEDED');
    expect(output.steps.mlNewItems).toMatchObject({ id: items.task_id, state: 'COMPLETED' });
    expect(output.steps.mlModelRetrain).toMatchObject({ id: retrain.task_id, state: 'COMPLETED' });
    expect(output.steps.recoExport).toMatchObject({ id: reco.task_id, state: 'COMPLETED' });
  });

  it('also follows public tasks whose trigger answers {task_id}', async () => {
    await startSimulator({ publicTriggerReturnsId: true });
    const report = await run('cm-retrain');

    expect(report.status).toBe('SUCCEEDED');
    expect(report.steps[0]).toMatchObject({ remoteId: sim.tasks[0].task_id, finalState: 'COMPLETED' });
  });
});

describe('checks placed by the task\'s progress', () => {
  it('a 20-minute reco export is checked when its pace says it will be done, not 45 times', async () => {
    // Real waits of the default polling on a virtual clock: every Wait moves the simulator clock
    // by its seconds. The task queues 2 minutes (REQUEST_SENT), then uploads for 18.
    const clock = new VirtualClock();
    await startSimulator({ clock: clock.now, taskDurationMs: 1_200_000 });
    const pipeline = session.pipeline('cm-export');
    const entered: string[] = [];
    const report = await session.run('cm-export', {
      baseUrl: sim.url,
      waitMs: 0,
      retryMs: 0,
      onEvent: clock.advanceOnWaits(pipeline, (event) => event.type === 'StateEntered' && entered.push(event.state!.name)),
    });

    expect(report.status).toBe('SUCCEEDED');
    const [trigger, ...checks] = sim.requests;
    const secondsAfterTrigger = checks.map((r) => (r.at - trigger.at) / 1000);
    const scheduleOnly = checkTimes(waitSchedule(pipeline.config.polling), 1200);
    // The schedule's checks while the task queues and until two readings give a pace (5 s … 136 s),
    // then 300 s waits and the estimate of the rest: 25 checks, the last at 1214 s finds it
    // COMPLETED, well within 10 % of its run time.
    expect(entered).toContain('Schedule reco export task check from its progress');
    expect(checks.length).toBeLessThanOrEqual(scheduleOnly.length - 15);
    expect(secondsAfterTrigger.at(-1)).toBeGreaterThanOrEqual(1200);
    expect(secondsAfterTrigger.at(-1)! - 1200).toBeLessThanOrEqual(120);
    expect(secondsAfterTrigger.at(-2)).toBeLessThan(1200);
  });
});

describe('tasks that end badly', () => {
  it('a FAILED public task fails the run with CrossingMindsTaskFailed and its message as the cause', async () => {
    sim.failNext('ml_model_retrain', 'not enough ratings to train the model');
    const report = await run('cm-all');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('CrossingMindsTaskFailed');
    expect(report.cause).toBe(`ml_model_retrain task ${tasksNamed('ml_model_retrain')[0].task_id} FAILED: not enough ratings to train the model`);
    expect(report.steps.map((s) => s.finalState)).toEqual(['COMPLETED', 'FAILED']);
    expect(tasksNamed('reco_export')).toHaveLength(0);
  });

  it('a FAILED private task fails the run with the message of details.progress', async () => {
    sim.failNext('reco_export', 'TABLE_NOT_FOUND: input-myfile.csv.gz');
    const report = await run('cm-export');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('CrossingMindsTaskFailed');
    expect(report.cause).toContain('FAILED: TABLE_NOT_FOUND: input-myfile.csv.gz');
  });

  it('a task cancelled by someone else fails the run with CrossingMindsTaskCancelled', async () => {
    sim.neverFinishNext('reco_export');
    let cancelled = false;
    const report = await run('cm-export', (state) => {
      if (state !== 'Wait for reco export task' || cancelled) return;
      cancelled = true;
      const task = sim.tasks[0];
      void fetch(`${sim.url}/tasks/private/reco_export/${task.task_id}/`, { method: 'DELETE', headers: { authorization: 'Bearer cm-demo-jwt' } });
    });

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('CrossingMindsTaskCancelled');
    expect(report.cause).toBe(`reco_export task ${sim.tasks[0].task_id} was CANCELLED: task cancelled`);
    // CANCELLED_REQUESTED kept the loop waiting until CANCELLED.
    const states = report.history
      .filter((e) => e.type === 'StateExited' && e.state?.name === 'Get reco export task status')
      .map((e) => (e.state!.output as { job: { status: { state: string } } }).job.status.state);
    expect(states).toContain('CANCELLED_REQUESTED');
    expect(states.at(-1)).toBe('CANCELLED');
  });

  it('a private task still running at the timeout is cancelled: the DELETE reaches the API', async () => {
    sim.neverFinishNext('reco_export');
    const report = await run('cm-export-short');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('JobTimedOut');
    expect(report.steps[0].finalState).toBe('TIMED_OUT');
    const [task] = sim.tasks;
    expect(sim.cancelRequests.map((c) => c.task_id)).toEqual([task.task_id]);
    expect(sim.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/tasks/private/reco_export/${task.task_id}/`, status: 204 });
    expect(report.history.some((e) => e.type === 'StateEntered' && e.state?.name === 'Stop reco export task')).toBe(true);
  });
});

describe('TASK_ALREADY_RUNNING', () => {
  it('attach (the default): follows the running task to COMPLETED without starting a second one', async () => {
    const running = sim.seedRunningTask('ml_model_retrain');
    const report = await run('cm-retrain');

    expect(report.status).toBe('SUCCEEDED');
    expect(tasksNamed('ml_model_retrain').map((task) => task.task_id)).toEqual([running]);
    expect(sim.statusOf(sim.tasks[0])).toBe('COMPLETED');
    expect(sim.requestsTo('POST', '/tasks/ml_model_retrain/').map((r) => r.status)).toEqual([409]);
    expect(report.steps[0]).toMatchObject({ remoteId: running, finalState: 'COMPLETED' });
    const entered = report.history.filter((e) => e.type === 'StateEntered').map((e) => e.state!.name);
    expect(entered).toContain('Find running ML model retrain task');
    expect(entered).toContain('Attach to running ML model retrain task');
  });

  it('a trigger whose answer was lost: the look in recents finds the task it started and follows it; no second trigger', async () => {
    sim.injectFault({ fault: { kind: 'lostAnswer' }, method: 'POST', path: '/tasks/private/reco_export/' });
    const report = await run('cm-export');

    expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
    const [task] = tasksNamed('reco_export');
    expect(tasksNamed('reco_export')).toHaveLength(1);
    expect(sim.requestsTo('POST', '/tasks/private/reco_export/').map((r) => [r.status, r.lostAnswer])).toEqual([[undefined, 200]]);
    expect(report.history.filter((e) => e.type === 'StateEntered' && e.state?.name === 'Attach to reco export task job started by the failed submit')).toHaveLength(1);
    expect(report.steps[0]).toMatchObject({ remoteId: task.task_id, finalState: 'COMPLETED' });
  });

  it('a trigger whose answer was lost and whose task COMPLETED before the look: attached, never triggered again', async () => {
    // The clock jumps past the task's end as soon as a request follows the lost answer: the look
    // always sees the task COMPLETED (the retry would no longer be refused TASK_ALREADY_RUNNING).
    const lookedAfterLoss = () => {
      const lost = sim.requests.findIndex((r) => r.lostAnswer !== undefined);
      return lost >= 0 && sim.requests.length > lost + 1;
    };
    await startSimulator({ clock: () => t + (lookedAfterLoss() ? 5000 : 0) });
    sim.injectFault({ fault: { kind: 'lostAnswer' }, method: 'POST', path: '/tasks/private/reco_export/' });
    const report = await run('cm-export');

    expect(report.status, `${report.error}: ${report.cause}`).toBe('SUCCEEDED');
    const tasks = tasksNamed('reco_export');
    expect(tasks).toHaveLength(1);
    expect(sim.requestsTo('POST', '/tasks/private/reco_export/')).toHaveLength(1);
    const [attach] = report.history.filter((e) => e.type === 'StateEntered' && e.state?.name === 'Attach to reco export task job started by the failed submit');
    expect(attach.state?.input).toMatchObject({ existing: { id: tasks[0].task_id, status: { state: 'COMPLETED', outcome: 'succeeded' } } });
    expect(report.steps[0]).toMatchObject({ remoteId: tasks[0].task_id, finalState: 'COMPLETED' });
  });

  it('attach: a running private task is followed by id', async () => {
    const running = sim.seedRunningTask('reco_export', { payload: { output_table: { connection: 'LOCAL', name: 'theirs.parquet' } } });
    const report = await run('cm-export');

    expect(report.status).toBe('SUCCEEDED');
    expect(tasksNamed('reco_export')).toHaveLength(1);
    expect(report.steps[0]).toMatchObject({ remoteId: running, finalState: 'COMPLETED' });
    expect(sim.requestsTo('GET', `/tasks/private/reco_export/${running}/`).length).toBeGreaterThan(0);
  });

  it('skip: skips the step while the task runs and goes on with the next one', async () => {
    const running = sim.seedRunningTask('ml_model_retrain', { neverFinish: true });
    const report = await run('cm-retrain-skip');

    expect(report.status).toBe('SUCCEEDED');
    expect(report.steps.map((s) => [s.name, s.finalState])).toEqual([
      ['Trigger ML model retrain task', 'SKIPPED'],
      ['Trigger ML new users task', 'COMPLETED'],
    ]);
    expect(tasksNamed('ml_model_retrain').map((task) => task.task_id)).toEqual([running]);
    expect(sim.requestsTo('GET', '/tasks/ml_model_retrain/recents/')).toHaveLength(1);
  });

  it('fail: fails the run with JobConflict and starts nothing', async () => {
    sim.seedRunningTask('ml_model_retrain', { neverFinish: true });
    const report = await run('cm-retrain-fail');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('JobConflict');
    expect(report.cause).toContain('Trigger ML model retrain task: another ML model retrain task job is still running');
    expect(report.steps[0].finalState).toBe('CONFLICT');
    expect(sim.tasks).toHaveLength(1);
  });
});

describe('the token', () => {
  it('expired: the first call renews it with the refresh token, stores the new pair, and the run succeeds', async () => {
    sim.expireToken();
    const report = await run('cm-refresh');

    expect(report.status).toBe('SUCCEEDED');
    expect(paths().slice(0, 3)).toEqual(['POST /tasks/ml_new_items/ 401', 'POST /login/refresh-token/ 200', 'POST /tasks/ml_new_items/ 204']);
    expect(sim.requestsTo('POST', '/login/refresh-token/')).toHaveLength(1);
    expect(JSON.parse(sim.requests[1].body)).toEqual({ refresh_token: 'cm-demo-refresh' });
    // Every later call, from every handler, used the renewed JWT.
    expect(sim.requests.slice(2).every((r) => r.headers.authorization === `Bearer ${sim.token}`)).toBe(true);
    // The rotated pair is in the secret (other fields kept): the next cold start needs it.
    expect(JSON.parse(String(session.secrets.value('cm/refresh')))).toEqual({ token: sim.token, refreshToken: sim.refreshToken, note: 'kept' });
    expect(report.history.filter((e) => e.type === 'StateRetried')).toHaveLength(1);

    // Nothing of either pair reaches the history or the logs.
    const text = JSON.stringify(report.history) + report.logs.join('\n');
    for (const secret of ['cm-demo-jwt', 'cm-demo-refresh', sim.token!, sim.refreshToken]) expect(text).not.toContain(secret);
  });

  it('expiring again mid-run: renewed with the rotated refresh token the secret now holds', async () => {
    sim.expireToken();
    const first = await run('cm-refresh-again');
    expect(first.status).toBe('SUCCEEDED');
    // A fresh simulator state is not needed: the same API expires the renewed JWT during the next run.
    const before = sim.requests.length;
    let expired = false;
    const report = await run('cm-refresh-again', (state) => {
      if (state === 'Trigger ML model retrain task' && !expired) {
        expired = true;
        sim.expireToken();
      }
    });

    expect(report.status).toBe('SUCCEEDED');
    const calls = sim.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(calls.filter((c) => c.includes('/login/refresh-token/'))).toEqual(['POST /login/refresh-token/ 200']);
    expect(calls).toContain('POST /tasks/ml_model_retrain/ 401');
    expect(sim.requestsTo('POST', '/login/refresh-token/').map((r) => r.status)).toEqual([200, 200]);
  });

  it('a private trigger passes the current refresh token on as refresh_token', async () => {
    sim.expireToken();
    const report = await run('cm-refresh-private');

    expect(report.status).toBe('SUCCEEDED');
    const [trigger] = sim.requestsTo('POST', '/tasks/private/reco_export/').filter((r) => r.status === 200);
    expect(JSON.parse(trigger.body).refresh_token).toBe(sim.refreshToken);
    expect(sim.tasks[0].refreshToken).toBe(sim.refreshToken);
  });

  it('expired with no refresh token in the secret: AuthFailed that says so', async () => {
    sim.expireToken();
    const report = await run('cm-token-only');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('AuthFailed');
    expect(report.cause).toBe(`the token in secret 'cm/token-only' has expired and the secret has no "refreshToken" to renew it`);
    expect(sim.requestsTo('POST', '/login/refresh-token/')).toHaveLength(0);
  });
});

describe('API errors', () => {
  it('401 AUTH_JWT_MISSING_OR_INVALID fails the run with AuthFailed and the server message', async () => {
    const report = await run('cm-wrong-token');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('AuthFailed');
    expect(report.cause).toBe('POST /tasks/ml_new_items/ answered 401: AUTH_JWT_MISSING_OR_INVALID: missing or invalid JWT in the Authorization header');
    expect(report.steps[0].finalState).toBe('REQUEST_FAILED');
  });

  it('429 and 503 with an HTML page are retried and the run succeeds', async () => {
    sim.injectFault({ fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' } }, method: 'POST' });
    sim.injectFault({ fault: { kind: 'status', status: 503, body: htmlErrorPage(503, 'Service Unavailable'), contentType: 'text/html' }, path: '/recents/' });
    const report = await run('cm-retrain');

    expect(report.status).toBe('SUCCEEDED');
    expect(paths().slice(0, 4)).toEqual([
      'POST /tasks/ml_model_retrain/ 429',
      'POST /tasks/ml_model_retrain/ 204',
      'GET /tasks/ml_model_retrain/recents/ 503',
      'GET /tasks/ml_model_retrain/recents/ 200',
    ]);
    expect(report.history.filter((e) => e.type === 'StateRetried')).toHaveLength(2);
  });

  it('5xx until the retries are used up fails the run with TransientApiError naming the page', async () => {
    sim.injectFault({ fault: { kind: 'status', status: 502, body: htmlErrorPage(502, 'Bad Gateway'), contentType: 'text/html' }, method: 'POST', times: Infinity });
    const report = await run('cm-retrain');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('TransientApiError');
    expect(report.cause).toBe('POST /tasks/ml_model_retrain/ answered 502: 502 Bad Gateway');
    // The trigger and its 4 retries, each followed by a look in recents for a task it may have started.
    expect(paths()).toEqual(Array.from({ length: 5 }, () => ['POST /tasks/ml_model_retrain/ 502', 'GET /tasks/ml_model_retrain/recents/ 200']).flat());
  });

  it('5xx on every call: the look after the failed trigger is retried, then fails the run naming the list', async () => {
    sim.injectFault({ fault: { kind: 'status', status: 502, body: htmlErrorPage(502, 'Bad Gateway'), contentType: 'text/html' }, times: Infinity });
    const report = await run('cm-retrain');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('TransientApiError');
    expect(report.cause).toBe('GET /tasks/ml_model_retrain/recents/ answered 502: 502 Bad Gateway');
    expect(sim.requests).toHaveLength(6); // the trigger, then the look and its 4 retries
  });

  it('a malformed status answer fails the run with MalformedResponse', async () => {
    sim.injectFault({ fault: { kind: 'malformed', body: '{"has_next": false, "tasks": [{"task_id": 1}]}' }, path: '/recents/' });
    const report = await run('cm-retrain');

    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('MalformedResponse');
    expect(report.cause).toMatch(/^GET \/tasks\/ml_model_retrain\/recents\/\?page=1&amt=64: not a recents list: /);
  });
});
