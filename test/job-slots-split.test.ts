/**
 * A slot pool whose pipelines do not fit one stack: the stacks share the first stack's table
 * (exported, imported by the others), so a job in one stack waits for a slot held by a job in
 * another. Checked on the synthesized templates and by running one pipeline of each stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../lib/config/load';
import type { RunningExecution } from '../lib/local/runner';
import { LocalSession } from '../lib/local/session';
import { TamrMasteringSimulator } from '../lib/local/simulators/tamr-mastering';
import type { CfnTemplate } from '../lib/local/synthesized';
import { statesEntered, until } from './support/local-run';

/** Enough one-step pipelines that they are spread over two stacks. */
const COUNT = 45;
const config = parseConfig(
  `slotPools: [{ name: tenant, limit: 1, waitSeconds: 30, maxWaitMinutes: 1 }]\npipelines:\n${Array.from(
    { length: COUNT },
    (_, i) => `  - name: p-${i + 1}
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr-mastering
    slotPool: tenant
    steps:
      - kind: refreshUnifiedDataset
        project: "${i + 1}"
`,
  ).join('')}`,
  'split.yaml',
);

let session: LocalSession;
let sim: TamrMasteringSimulator;
let holder: RunningExecution | undefined;

beforeAll(async () => {
  session = await LocalSession.open(config, { 'continuum/tamr-mastering': { username: 'admin', password: 'dt' } });
  sim = new TamrMasteringSimulator({ operationDurationMs: 100 });
  await sim.start();
}, 300_000);

afterAll(async () => {
  holder?.abort();
  await holder?.done;
  await session?.close();
  await sim?.stop();
});

const ofType = (template: CfnTemplate, type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe('a slot pool spread over two stacks', { timeout: 300_000 }, () => {
  it('has one table, in the first stack; the others import it, in their state machines and their cleaner', () => {
    const { templates } = session.app;
    expect(templates.length).toBeGreaterThan(1);
    // Slot tables only (each stack may also have the StepDurations table of learned polling).
    const slotTables = (t: CfnTemplate) => ofType(t, 'AWS::DynamoDB::Table').filter(([, r]) => JSON.stringify(r.Metadata ?? {}).includes('continuum:job-slots'));
    expect(templates.map((t) => slotTables(t).length)).toEqual([1, ...templates.slice(1).map(() => 0)]);
    const [tableId] = slotTables(templates[0])[0];
    for (const template of templates.slice(1)) {
      const text = JSON.stringify(template);
      expect(text).toContain('Fn::ImportValue');
      const cleaner = ofType(template, 'AWS::Lambda::Function').find(([id]) => id.startsWith('ExecutionCleanup'))!;
      expect(JSON.stringify((cleaner[1].Properties as { Environment: unknown }).Environment)).toContain(`ExportsOutputRef${tableId}`);
    }
    // Flattened for local runs, every state machine names the same table.
    const tables = new Set([...session.app.pipelines.values()].map((p) => (p.definition.States['Acquire tenant job slot for unified dataset'].Parameters as { TableName: string }).TableName));
    expect([...tables]).toEqual([tableId]);
    expect(session.app.pipelines.size).toBe(COUNT);
  });

  it('makes a job of the last stack wait for the slot a job of the first stack holds', async () => {
    const first = 'p-1';
    const last = `p-${COUNT}`;
    const baseUrl = sim.url;
    sim.neverFinishNext();
    holder = session.start(first, { waitMs: 20, retryMs: 10, baseUrl });
    await until(() => sim.operations.length === 1, 180_000);

    const report = await session.run(last, { waitMs: 20, retryMs: 10, baseUrl });
    expect(report.status).toBe('FAILED');
    expect(report.error).toBe('SlotWaitTimedOut');
    expect(statesEntered(report)).toContain('Waiting for a tenant job slot for unified dataset');
    expect(sim.operations).toHaveLength(1);

    holder.abort();
    expect((await holder.done).cleanup.releasedSlots).toEqual([`${holder.executionArn}#refreshUnifiedDataset`]);
    holder = undefined;
    expect(await session.slotPool('tenant')).toMatchObject({ count: 0, holders: {} });
  });
});
