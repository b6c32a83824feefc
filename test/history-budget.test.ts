/**
 * The worst-case execution history of a run (Step Functions fails a Standard execution at
 * 25,000 events): per-state counts and loop cycles read from the ASL, the estimate the stack
 * checks equal to one computed on the synthesized definition, and configs over 20,000 refused
 * at synth with the field to change.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app';
import { FROM_STEP_CHOICE } from '../lib/constructs/from-step';
import { ConfigError, loadConfig, parseConfig, type LoadedConfig } from '../lib/config/load';
import { synthesizeForLocalRun } from '../lib/local/synthesized';
import { cycleEvents, estimateHistory, HISTORY_EVENT_BUDGET, retryEvents, stateEvents, type HistoryBounds } from '../lib/polling/history-budget';
import { MAX_WINDOW_CHECKS } from '../lib/contract/step-durations';

const cause = (field: string) => ({ field, what: field, advice: `change ${field}` });
const noBounds: HistoryBounds = { loops: [], fanOuts: [], retries: cause('retry'), steps: cause('steps') };

describe('events per state, as Step Functions records them', () => {
  it('counts a Task 5, each retry 3, Pass/Wait/Choice 2, Fail 1, Map 4', () => {
    expect(stateEvents({ Type: 'Task' })).toBe(5);
    expect(stateEvents({ Type: 'Pass' })).toBe(2);
    expect(stateEvents({ Type: 'Wait' })).toBe(2);
    expect(stateEvents({ Type: 'Choice' })).toBe(2);
    expect(stateEvents({ Type: 'Fail' })).toBe(1);
    expect(stateEvents({ Type: 'Map' })).toBe(4);
    // MaxAttempts defaults to 3; 0 retries nothing.
    expect(retryEvents({ Type: 'Task', Retry: [{ MaxAttempts: 2 }, {}, { MaxAttempts: 0 }] })).toBe(15);
  });

  it('takes the costliest path, each loop at its bound, and every Map item', () => {
    const inner = { StartAt: 'Work', States: { Work: { Type: 'Task', Next: 'Poll' }, Poll: { Type: 'Wait', Seconds: 5, Next: 'Check' }, Check: { Type: 'Choice', Choices: [{ Next: 'Poll' }], Default: 'Done' }, Done: { Type: 'Succeed' } } };
    const definition = {
      StartAt: 'Start',
      States: {
        Start: { Type: 'Choice', Choices: [{ Next: 'Short' }], Default: 'Long' },
        Short: { Type: 'Pass', Next: 'Items' },
        Long: { Type: 'Task', Retry: [{ MaxAttempts: 1 }], Next: 'Items' },
        Items: { Type: 'Map', ItemProcessor: inner, End: true },
      },
    };
    const estimate = estimateHistory(definition, {
      ...noBounds,
      loops: [{ wait: 'Poll', iterations: 10, ...cause('polls') }],
      fanOuts: [{ map: 'Items', items: 3, ...cause('items') }],
    });
    // Poll → Check → Poll: 4 events, 10 times per item, 3 items.
    expect(cycleEvents(inner, 'Poll')).toBe(4);
    expect(estimate.parts.find((p) => p.cause.field === 'polls')!.events).toBe(120);
    // Start 2 + Long 5 + Items 4, then per item Work 5 + Poll 2 + Check 2 + Done 2, and the execution's 2.
    expect(estimate.parts.find((p) => p.cause.field === 'steps')!.events).toBe(2 + 5 + 4 + 3 * 11 + 2);
    expect(estimate.parts.find((p) => p.cause.field === 'retry')!.events).toBe(3);
    expect(estimate.parts.find((p) => p.cause.field === 'items')!.events).toBe(6);
    expect(estimate.total).toBe(120 + 46 + 3 + 6);
  });

  it('refuses a Wait loop nobody bounded', () => {
    const definition = { StartAt: 'Poll', States: { Poll: { Type: 'Wait', Seconds: 5, Next: 'Check' }, Check: { Type: 'Choice', Choices: [{ Next: 'Poll' }], Default: 'Done' }, Done: { Type: 'Succeed' } } };
    expect(() => estimateHistory(definition, noBounds)).toThrow("Wait state 'Poll' is on a loop without a bound");
  });
});

describe('the example pipelines.yaml', () => {
  const config = loadConfig('pipelines.yaml');
  const { stack } = buildApp({ config, bundle: false });
  const synthesized = synthesizeForLocalRun(config);

  it('stays within the budget, every pipeline', () => {
    for (const pipeline of stack.pipelines.values()) {
      expect(pipeline.history.total).toBeGreaterThan(0);
      expect(pipeline.history.total).toBeLessThanOrEqual(HISTORY_EVENT_BUDGET);
    }
  });

  it('costs what the synthesized definitions cost: poll cycles of 11 events (13 with the id noted), the same totals', () => {
    const tamr = synthesized.pipelines.get('tamr-mastering-demo')!.definition;
    // Wait 2 + the status Lambda task 5 + the outcome Choice 2 + the schedule Pass 2.
    expect(cycleEvents(tamr, 'Wait for record clusters')).toBe(11);
    // Crossing Minds notes the task id after each check: one Pass more.
    expect(cycleEvents(synthesized.pipelines.get('crossing-minds-demo')!.definition, 'Wait for ML model retrain task')).toBe(13);
    const built = stack.pipelines.get('tamr-mastering-demo')!.history;
    const bounds: HistoryBounds = {
      ...noBounds,
      // 68 checks of the schedule, and at most 25 more a duration history places (its first check and its window's 24).
      loops: ['unified dataset', 'recipe', 'record pairs', 'record clusters', 'dataset export'].map((subject) => ({ wait: `Wait for ${subject}`, iterations: 68 + 25, ...cause('polls') })),
    };
    expect(estimateHistory(tamr, bounds).total).toBe(built.total);
  });

  it('counts the choice of the first step (fromStep): its 2 events are on the costliest path, the skip states are not', () => {
    const tamr = synthesized.pipelines.get('tamr-mastering-demo')!.definition;
    const bounds: HistoryBounds = {
      ...noBounds,
      loops: ['unified dataset', 'recipe', 'record pairs', 'record clusters', 'dataset export'].map((subject) => ({ wait: `Wait for ${subject}`, iterations: 68 + 1 + MAX_WINDOW_CHECKS, ...cause('polls') })), // + the checks a duration history may add
    };
    // The same graph without the choice: the run start leads straight to the first step.
    const states = Object.fromEntries(Object.entries(tamr.States).filter(([name]) => name !== FROM_STEP_CHOICE && !name.startsWith('Skip to ') && name !== 'Unknown first step'));
    const without = { ...tamr, States: { ...states, 'Start run': { ...states['Start run'], Next: String(tamr.States[FROM_STEP_CHOICE].Default) } } };
    expect(estimateHistory(tamr, bounds).total - estimateHistory(without, bounds).total).toBe(stateEvents({ Type: 'Choice' }));
    expect(stack.pipelines.get('tamr-mastering-demo')!.history.total).toBe(estimateHistory(tamr, bounds).total);
  });

  it('counts a slot wait cycle from the graph: 11 events (wait, acquire, decide, count; the check only after an error)', () => {
    // Two steps of the example: six jobs waiting 4 hours each for a slot would exceed the budget.
    const pooled = { ...config, slotPools: [{ name: 'tenant', limit: 5, waitSeconds: 30, maxWaitMinutes: 240 }], pipelines: [{ ...config.pipelines[0], steps: config.pipelines[0].steps.slice(3, 5), slotPool: 'tenant' } as LoadedConfig['pipelines'][number]] };
    const definition = synthesizeForLocalRun(pooled).pipelines.get('tamr-mastering-demo')!.definition;
    expect(cycleEvents(definition, 'Waiting for a tenant job slot for record pairs')).toBe(11);
  });
});

describe('a config over the budget', () => {
  const yaml = (polling: string) => `pipelines:
  - name: demo
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr
    polling: { ${polling} }
    steps:
      - kind: refreshUnifiedDataset
        project: "1"
`;
  const synthError = (text: string): unknown => {
    try {
      buildApp({ config: parseConfig(text, resolve('budget.yaml')), bundle: false });
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it("fails synth naming the field: the issue's 10 s fixed interval on a 6-hour job", () => {
    const error = synthError(yaml('initialIntervalSeconds: 10, backoffRate: 1, timeoutMinutes: 360'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `${resolve('budget.yaml')}: pipelines[0].polling.initialIntervalSeconds: worst case 24,193 history events per run (Step Functions fails a run at 25,000; keep it under 20,000): ` +
        // 2,160 checks of the schedule and 25 a duration history may add.
        '24,035 of them from 2,185 status checks of unified dataset × 11 events; raise it (checks may come this often), or lower polling.timeoutMinutes',
    );
  });

  it('passes once the interval is raised', () => {
    expect(synthError(yaml('initialIntervalSeconds: 15, backoffRate: 1, timeoutMinutes: 360'))).toBeUndefined();
  });
});
