/**
 * Simulator shapes: the command-line parsing of `--job-seconds`, `--fail`, `--never-finish`,
 * `--quarantine`, and what each simulator does with a shape. Every simulator runs on a clock this
 * test moves by hand, so job lengths are exact simulated times and nothing waits.
 */
import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { BoomiHubSimulator, DEFAULT_UNIVERSE_ID, type BoomiHubSimulatorOptions } from '../../lib/local/simulators/boomi-hub';
import { CrossingMindsSimulator } from '../../lib/local/simulators/crossing-minds';
import type { HttpSimulator } from '../../lib/local/simulators/http-simulator';
import { SIMULATED_STEPS, shapeFromArgs, shapeHelpLines, simulatedFailure, SimulatorShapeError } from '../../lib/local/simulators/shape';
import { TamrCloudSimulator } from '../../lib/local/simulators/tamr-cloud';
import { TamrMasteringSimulator } from '../../lib/local/simulators/tamr-mastering';

const EPOCH = Date.UTC(2030, 0, 1);
let t = 0;
const clock = () => EPOCH + t;
let running: HttpSimulator | undefined;

/** Start `simulator` on the shared clock at 0, stopping the one before. */
async function started<S extends HttpSimulator>(simulator: S): Promise<S> {
  await running?.stop();
  t = 0;
  running = simulator;
  await simulator.start();
  return simulator;
}

afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function call(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${running!.url}${path}`, { method, headers, body });
  return { status: response.status, text: await response.text() };
}

describe('shape options from the command line', () => {
  const reject = (system: keyof typeof SIMULATED_STEPS, values: Record<string, string | string[]>) => {
    try {
      shapeFromArgs(system, values);
    } catch (error) {
      expect(error).toBeInstanceOf(SimulatorShapeError);
      return (error as Error).message;
    }
    throw new Error('expected a SimulatorShapeError');
  };

  it('parses every option, with repeatable steps', () => {
    expect(shapeFromArgs('tamr-cloud', { 'job-seconds': '90', fail: ['publish'], 'never-finish': ['update', 'load'] })).toEqual({
      jobSeconds: 90,
      fail: ['publish'],
      neverFinish: ['update', 'load'],
    });
    expect(shapeFromArgs('boomi-hub', { quarantine: '0.25', fail: ['batch'] })).toEqual({ quarantineRatio: 0.25, fail: ['batch'] });
    expect(shapeFromArgs('tamr-mastering', {})).toEqual({});
  });

  it('rejects an unknown step with a did-you-mean and the system\'s step names', () => {
    expect(reject('tamr-mastering', { fail: ['refreshPairs'] })).toBe(
      "--fail: tamr-mastering has no step 'refreshPairs'; did you mean 'refreshRecordPairs'? " +
        '(steps: refreshUnifiedDataset, refreshRecordPairs, refreshRecordClusters, refreshDataset, populateRecipe)',
    );
    expect(reject('crossing-minds', { 'never-finish': ['reco-export'] })).toContain("did you mean 'reco_export'?");
    expect(reject('tamr-cloud', { fail: ['Publsh'] })).toContain("did you mean 'publish'?");
    expect(reject('boomi-hub', { fail: ['zzz'] })).toBe("--fail: boomi-hub has no step 'zzz' (steps: batch)");
  });

  it('rejects bad numbers, a step that both fails and never finishes, and --quarantine off Boomi Hub', () => {
    expect(reject('tamr-cloud', { 'job-seconds': 'ten' })).toBe("--job-seconds takes a number of seconds, 0 or more, got 'ten'");
    expect(reject('tamr-cloud', { 'job-seconds': '-1' })).toContain('--job-seconds takes');
    expect(reject('boomi-hub', { quarantine: '1.5' })).toBe("--quarantine takes a ratio from 0 to 1, got '1.5'");
    expect(reject('tamr-cloud', { quarantine: '0.1' })).toBe('--quarantine: only the boomi-hub simulator quarantines entities, not tamr-cloud');
    expect(reject('tamr-cloud', { fail: ['load'], 'never-finish': ['load'] })).toContain("--fail and --never-finish both name 'load'");
  });

  it('help lists every option and each system\'s step names', () => {
    const help = shapeHelpLines().join('\n');
    for (const option of ['--job-seconds N', '--fail STEP', '--never-finish STEP', '--quarantine RATIO']) expect(help).toContain(option);
    // Every step once, after its system's name (long lists wrap onto indented lines).
    const listed = help.slice(help.indexOf('Steps per system')).replace(/,\n +/g, ', ');
    for (const [system, steps] of Object.entries(SIMULATED_STEPS)) expect(listed).toMatch(new RegExp(`^  ${system}: +${steps.join(', ')}$`, 'm'));
    expect(Math.max(...shapeHelpLines().map((line) => line.length))).toBeLessThanOrEqual(100);
  });
});

describe('Tamr Mastering with a shape', () => {
  const BASIC = { authorization: `BasicCreds ${Buffer.from('admin:dt').toString('base64')}` };
  const submit = async (path: string) => JSON.parse((await call('POST', `/api/versioned/v1/${path}`, BASIC)).text) as { id: string };
  const state = async (id: string) => (JSON.parse((await call('GET', `/api/versioned/v1/operations/${id}`, BASIC)).text) as { status: { state: string; message: string } }).status;

  it('jobSeconds sets the operation length on the simulator clock; failing and never-finishing steps', async () => {
    await started(new TamrMasteringSimulator({ clock, operationDurationMs: 1, shape: { jobSeconds: 600, fail: ['refreshRecordPairs'], neverFinish: ['refreshDataset'] } }));
    const unified = await submit('projects/1/unifiedDataset:refresh');
    const pairs = await submit('projects/1/recordPairs:refresh');
    const exported = await submit('datasets/5:refresh');
    t = 599_999;
    expect((await state(unified.id)).state).toBe('RUNNING');
    t = 600_000;
    expect((await state(unified.id)).state).toBe('SUCCEEDED');
    expect(await state(pairs.id)).toMatchObject({ state: 'FAILED', message: simulatedFailure('refreshRecordPairs') });
    t = 30 * 86_400_000;
    expect((await state(exported.id)).state).toBe('RUNNING');
    // A per-call knob still decides first.
    (running as TamrMasteringSimulator).noOpNext('recordPairs');
    expect((await call('POST', '/api/versioned/v1/projects/1/recordPairs:refresh', BASIC)).status).toBe(204);
  });
});

describe('Tamr Cloud with a shape', () => {
  const KEY = { 'x-api-key': 'apk_local_demo', 'content-type': 'application/json' };
  const create = async (configuration: object) => JSON.parse((await call('POST', '/api/v1beta1/jobs', KEY, JSON.stringify({ configuration }))).text) as { jobId: string };
  const status = async (id: string) => (JSON.parse((await call('GET', `/api/v1beta1/jobs/${id}`, KEY)).text) as { status: { state: string; error?: object } }).status;

  it('every job of a failing type ends DONE with an error, a never-finishing type stays RUNNING, all jobSeconds long', async () => {
    await started(new TamrCloudSimulator({ clock, shape: { jobSeconds: 120, fail: ['publish'], neverFinish: ['update'] } }));
    const load = await create({ load: { sourceId: 'src_1' } });
    const update = await create({ update: { dataProductId: 'dp_1' } });
    const publish = await create({ publish: { destinationId: 'dst_1', dataProductId: 'dp_1' } });
    t = 119_999;
    expect((await status(load.jobId)).state).toBe('RUNNING');
    t = 120_000;
    expect(await status(load.jobId)).toEqual({ state: 'DONE', stateStartTime: new Date(EPOCH + 120_000).toISOString() });
    expect(await status(publish.jobId)).toMatchObject({ state: 'DONE', error: { reason: 'INTERNAL', message: simulatedFailure('publish') } });
    t = 86_400_000;
    expect((await status(update.jobId)).state).toBe('RUNNING');
  });
});

describe('Crossing Minds with a shape', () => {
  const JWT = { authorization: 'Bearer cm-demo-jwt', 'content-type': 'application/json' };

  it('a failing task ends FAILED with the simulated message, a never-finishing one stays RUNNING', async () => {
    const sim = await started(new CrossingMindsSimulator({ clock, shape: { jobSeconds: 60, fail: ['ml_model_retrain'], neverFinish: ['ml_new_users'] } }));
    expect((await call('POST', '/tasks/ml_model_retrain/', JWT)).status).toBe(204);
    expect((await call('POST', '/tasks/ml_new_users/', JWT)).status).toBe(204);
    expect((await call('POST', '/tasks/ml_new_items/', JWT)).status).toBe(204);
    t = 59_999;
    expect(sim.tasks.map((task) => sim.statusOf(task))).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    t = 60_000;
    expect(sim.tasks.map((task) => sim.statusOf(task))).toEqual(['FAILED', 'RUNNING', 'COMPLETED']);
    const [retrain] = sim.tasks;
    const answer = JSON.parse((await call('GET', `/tasks/private/ml_model_retrain/${retrain.task_id}/`, JWT)).text) as { details: { progress: { message: string } } };
    expect(answer.details.progress.message).toBe(simulatedFailure('ml_model_retrain'));
  });
});

describe('Boomi Hub quarantines from the entities it receives', () => {
  const BASIC = { authorization: `Basic ${Buffer.from('boomi-user:boomi-token').toString('base64')}`, 'content-type': 'application/xml' };
  const RECORDS = `/mdm/universes/${DEFAULT_UNIVERSE_ID}/records`;
  const parser = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'entity' });
  const contacts = (ages: string[]) =>
    `<batch src="CRM">${ages.map((age, i) => `<contact><id>p${i + 1}</id><name>${i === 1 ? '' : `P${i + 1}`}</name><age>${age}</age></contact>`).join('')}</batch>`;

  async function finished(options: BoomiHubSimulatorOptions, body: string) {
    await started(new BoomiHubSimulator({ clock, ...options }));
    const id = (await call('POST', RECORDS, BASIC, body)).text.split('/').pop();
    t = 1500;
    const batch = parser.parse((await call('GET', `${RECORDS}/updates/${id}?includeEntities=true`, BASIC)).text).batch as {
      state: string;
      quarantinedCount: string;
      entities: { entity: Array<{ state: string; stateDetail?: string; message?: string; sourceEntityId: string }> };
    };
    return { ...batch, quarantined: batch.entities.entity.filter((e) => e.state === 'QUARANTINED').map((e) => [e.sourceEntityId, e.stateDetail, e.message]) };
  }

  it('a value breaking the model\'s type or required rule is quarantined with a message quoting it', async () => {
    const model = { contact: { name: { label: 'Name', required: true }, age: { type: 'INTEGER', label: 'Age' } } } as const;
    const batch = await finished({ model }, contacts(['36', '41', 'forty', '7']));
    expect(batch.state).toBe('COMPLETED_ERRORS');
    expect(batch.quarantined).toEqual([
      ['p2', 'REQUIRED_FIELD', "The record's {Name} field is required but has no value."],
      ['p3', 'FIELD_FORMAT_ERROR', "The record's {Age} field value 'forty' is not in a valid INTEGER format."],
    ]);
  });

  it('without a model or a ratio nothing is quarantined, whatever the data', async () => {
    const batch = await finished({}, contacts(['41a', 'x']));
    expect([batch.state, batch.quarantinedCount]).toEqual(['COMPLETED', '0']);
  });

  it('quarantineRatio quarantines that share of the batch, its last entities, each message naming the entity', async () => {
    const body = contacts(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    const batch = await finished({ shape: { quarantineRatio: 0.25 } }, body);
    // 0.25 × 10 = 2.5, rounded to 3.
    expect(batch.quarantined).toEqual(['p8', 'p9', 'p10'].map((id) => [id, 'REQUIRES_APPROVAL', `New contact entity '${id}' from source CRM requires approval.`]));
    // Deterministic: the same batch gets the same verdict.
    expect((await finished({ shape: { quarantineRatio: 0.25 } }, body)).quarantined).toEqual(batch.quarantined);
  });

  it('a failing batch ends ERRORED, a never-finishing one stays PROCESSING, each jobSeconds long', async () => {
    expect((await finished({ shape: { fail: ['batch'] } }, contacts(['1']))).state).toBe('ERRORED');

    const sim = await started(new BoomiHubSimulator({ clock, shape: { jobSeconds: 90, neverFinish: ['batch'] } }));
    await call('POST', RECORDS, BASIC, contacts(['1']));
    sim.errorNext(); // a per-call knob decides first
    await call('POST', RECORDS, BASIC, contacts(['1']));
    await call('POST', RECORDS, BASIC, contacts(['1']));
    t = 89_999;
    expect(sim.batches.map((batch) => sim.stateOf(batch))).toEqual(['PROCESSING', 'PROCESSING', 'PROCESSING']);
    t = 90_000;
    expect(sim.batches.map((batch) => sim.stateOf(batch))).toEqual(['PROCESSING', 'ERRORED', 'PROCESSING']);
    t = 30 * 86_400_000;
    expect(sim.stateOf(sim.batches[2])).toBe('PROCESSING');
  });
});
