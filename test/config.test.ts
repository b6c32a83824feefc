/**
 * Config loading: the bad-config corpus (every broken file must fail with a precise
 * `file: path: reason` line), the example config, defaults, and the polling/schedule arithmetic.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rateSeconds, scheduleExpressionProblem, scheduleFrequencyProblem } from '../lib/config/common';
import { buildApp } from '../lib/app';
import { ConfigError, loadConfig, parseConfig } from '../lib/config/load';
import { checkTimes, waitAfter, waitedBefore, waitSchedule } from '../lib/polling/wait-schedule';

const here = dirname(fileURLToPath(import.meta.url));
const corpusDir = join(here, 'fixtures', 'bad-config');
const exampleFile = resolve(here, '..', 'pipelines.yaml');

/**
 * `# expect: <path>: <reason>`; `(file)` stands for a whole-file problem (no path), `(file:L:C)`
 * for a problem reading the YAML at line L, column C (reported as `file:L:C: reason`).
 */
function expectation(file: string): { path: string; reason: string; at?: string } {
  const first = readFileSync(file, 'utf8').split('\n')[0];
  const match = /^# expect: (\(file:\d+:\d+\)|.+?): (.+)$/.exec(first);
  if (!match) throw new Error(`${file}: first line must be '# expect: <path>: <reason>', got '${first}'`);
  const at = /^\(file(:\d+:\d+)\)$/.exec(match[1])?.[1];
  return { path: match[1] === '(file)' || at ? '' : match[1], reason: match[2], at };
}

/** What loading the file, then building its app (as synth does), throws first. */
function loadError(file: string): unknown {
  try {
    // Some problems (the history budget) are found while the state machines are built.
    buildApp({ config: loadConfig(file), bundle: false });
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('bad-config corpus', () => {
  const files = readdirSync(corpusDir)
    .filter((name) => name.endsWith('.yaml'))
    .sort();

  it('has at least 28 cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(28);
  });

  it.each(files)('%s is rejected with the expected path and reason', (name) => {
    const file = join(corpusDir, name);
    const { path, reason, at } = expectation(file);
    const error = loadError(file);

    expect(error, 'the file must not load').toBeDefined();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    const lines = message.split('\n');

    // Every line is `file: path: reason` (or `file: reason`), never a stack trace or zod's own text.
    for (const line of lines) {
      expect(line.startsWith(`${file}: `) || /^:\d+:\d+: /.test(line.slice(file.length)), line).toBe(true);
      expect(line).not.toMatch(/^\s+at |Error:|Invalid input|Too (small|big)|received \w+|\[object Object\]/);
    }
    const prefix = at ? `${file}${at}: ` : path ? `${file}: ${path}: ` : `${file}: `;
    expect(message).toContain(prefix);
    const line = lines.find((l) => l.startsWith(prefix) && l.includes(reason));
    expect(line, `no line starts with '${prefix}' and contains '${reason}' in:\n${message}`).toBeDefined();
    // The problem list agrees with the message.
    expect((error as ConfigError).problems.some((p) => p.path === path && p.reason.includes(reason))).toBe(true);
  });
});

describe('loadConfig', () => {
  it('loads the example pipelines.yaml and resolves local record paths against it', () => {
    const config = loadConfig(exampleFile);
    expect(config.file).toBe(exampleFile);
    expect(config.pipelines.map((p) => p.name)).toEqual(['tamr-mastering-demo', 'tamr-cloud-demo', 'crossing-minds-demo', 'boomi-hub-demo']);
    const update = config.pipelines[0].steps.find((step) => step.kind === 'updateRecords');
    expect(update).toBeDefined();
    const records = (update as { records: string }).records;
    expect(isAbsolute(records)).toBe(true);
    expect(records).toBe(resolve(dirname(exampleFile), 'examples/tamr-records.jsonl'));
  });

  it('resolves a relative records path even when the file path is relative, and leaves s3:// alone', () => {
    const text = minimal(`
      - kind: updateRecords
        datasetId: 1
        records: data/records.jsonl
      - kind: updateRecords
        name: Update archive records
        datasetId: 2
        records: s3://bucket/records.jsonl`);
    const config = parseConfig(text, 'configs/p.yaml');
    const [local, s3] = config.pipelines[0].steps as { records: string; datasetId: string }[];
    expect(local.records).toBe(resolve('configs', 'data/records.jsonl'));
    expect(local.datasetId).toBe('1'); // numeric ids become strings
    expect(s3.records).toBe('s3://bucket/records.jsonl');
  });

  it('fills defaults for polling, retry, http, schedule and steps', () => {
    const text = minimal(`
      - kind: updateRecords
        datasetId: "1"
        records: s3://bucket/records.jsonl
      - kind: populateRecipe
        recipeId: "2"`, '    schedule:\n      expression: rate(6 hours)');
    const [pipeline] = parseConfig(text, '/tmp/defaults.yaml').pipelines;
    expect(pipeline.polling).toEqual({ initialIntervalSeconds: 5, maxIntervalSeconds: 300, backoffRate: 1.1, timeoutMinutes: 120, learnFromHistory: true });
    expect(pipeline.retry).toEqual({
      rateLimited: { intervalSeconds: 10, maxAttempts: 6, backoffRate: 2 },
      transient: { intervalSeconds: 5, maxAttempts: 4, backoffRate: 2 },
    });
    expect(pipeline.http).toEqual({ timeoutSeconds: 20 });
    expect(pipeline.schedule).toEqual({ expression: 'rate(6 hours)', enabled: true, timezone: 'UTC', input: {} });
    expect(pipeline.steps[0]).toMatchObject({ recordIdField: 'id' });
    expect(pipeline.steps[1]).toMatchObject({ inputFlag: 'mlConfigurationChanged' });
  });

  it('fills the rest of a partly given polling block', () => {
    const text = minimal('', '    polling:\n      timeoutMinutes: 30');
    const [pipeline] = parseConfig(text, '/tmp/partial.yaml').pipelines;
    expect(pipeline.polling).toEqual({ initialIntervalSeconds: 5, maxIntervalSeconds: 300, backoffRate: 1.1, timeoutMinutes: 30, learnFromHistory: true });
  });

  it('accepts a rate exactly as long as the job timeout, and cron schedules whatever the timeout', () => {
    for (const schedule of ['rate(2 hours)', 'rate(120 minutes)', 'cron(0/5 * ? * * *)']) {
      const text = minimal('', `    schedule:\n      expression: ${schedule}`);
      expect(() => parseConfig(text, '/tmp/ok.yaml'), schedule).not.toThrow();
    }
  });

  it('reports every problem of a file, one per line', () => {
    const text = `pipelines:
  - name: Bad Name
    system: tamr-mastering
    baseUrl: https://tamr.example.com
    steps:
      - kind: refreshRecordPairs
`;
    const error = (() => {
      try {
        parseConfig(text, 'multi.yaml');
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message.split('\n').sort()).toEqual(
      [
        "multi.yaml: pipelines[0].name: must be 1-40 characters: lowercase letters, digits and dashes, starting with a letter",
        'multi.yaml: pipelines[0].secretName: required',
        'multi.yaml: pipelines[0].steps[0].project: required',
      ].sort(),
    );
  });

  it('reports a missing file as a ConfigError', () => {
    const error = loadError(join(corpusDir, 'does-not-exist.yaml'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/does-not-exist\.yaml: cannot read file \(ENOENT\)/);
  });
});

describe('waitSchedule', () => {
  const polling = (initialIntervalSeconds: number, maxIntervalSeconds: number, backoffRate: number, timeoutMinutes: number) => ({
    initialIntervalSeconds,
    maxIntervalSeconds,
    backoffRate,
    timeoutMinutes,
  });

  /** maxPolls is the smallest number of checks whose waits reach the timeout. */
  function expectTightBudget(p: ReturnType<typeof polling>) {
    const schedule = waitSchedule(p);
    const timeout = p.timeoutMinutes * 60;
    expect(schedule.growing.length).toBeGreaterThan(0);
    expect(waitedBefore(schedule, schedule.maxPolls)).toBeGreaterThanOrEqual(timeout);
    expect(waitedBefore(schedule, schedule.maxPolls - 1)).toBeLessThan(timeout);
    return schedule;
  }

  it('waits 10 % of the elapsed time for the defaults: 5 s at first, 300 s at most', () => {
    const defaults = polling(5, 300, 1.1, 120);
    const schedule = expectTightBudget(defaults);
    // Twelve 5 s checks (10 % of the first minute is under 5 s), then 10 % of the time so far.
    expect(schedule.growing.slice(0, 16)).toEqual([5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 7, 7]);
    expect(schedule.growing.at(-1)).toBe(276);
    expect(schedule.growing).toHaveLength(54);
    expect(schedule.steady).toBe(300);
    // 3041 s of growing waits + 13 × 300 s = 6941 s < 7200 s; a 14th steady wait reaches 7241 s.
    expect(waitedBefore(schedule, 54)).toBe(3041);
    expect(schedule.maxPolls).toBe(54 + 14);
    expect(waitedBefore(schedule, 68)).toBe(7241);
    let elapsed = 0;
    for (const wait of schedule.growing) {
      // The latency bound: a job finishing right after this check is seen within 10 % of its run time.
      if (wait > 5) expect(wait).toBeLessThanOrEqual(0.1 * elapsed);
      expect(wait).toBe(waitAfter(defaults, elapsed));
      elapsed += wait;
    }
  });

  it('grows by the backoff rate once past the initial interval', () => {
    const schedule = expectTightBudget(polling(15, 300, 2, 120));
    // Each wait equals the time waited so far: 15, 15, 30, 60, ... (the elapsed time doubles).
    expect(schedule.growing).toEqual([15, 15, 30, 60, 120, 240]);
    expect(schedule.steady).toBe(300);
    expect(schedule.maxPolls).toBe(29);
    expect(waitedBefore(schedule, 29)).toBe(7380);
    expect(waitedBefore(schedule, 28)).toBe(7080);
  });

  it('lists the check times a job of a given length sees', () => {
    const schedule = waitSchedule(polling(5, 300, 1.1, 120));
    expect(checkTimes(schedule, 60)).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    const hour = checkTimes(schedule, 3600);
    expect(hour.at(-1)).toBeGreaterThanOrEqual(3600);
    expect(hour.at(-1)! - hour.at(-2)!).toBe(300);
    // Fixed 30 s polling, as in the seeds: 120 checks for an hour.
    expect(checkTimes(waitSchedule(polling(30, 30, 1, 120)), 3600)).toHaveLength(120);
  });

  it('keeps the initial interval when backoffRate is 1', () => {
    const schedule = expectTightBudget(polling(30, 300, 1, 10));
    expect(schedule.growing).toEqual([30]);
    expect(schedule.steady).toBe(30);
    expect(schedule.maxPolls).toBe(20);
  });

  it('stops growing when the timeout is shorter than the first waits', () => {
    const schedule = expectTightBudget(polling(60, 600, 2, 2));
    expect(schedule.growing).toEqual([60, 60]);
    expect(schedule.maxPolls).toBe(2);

    const single = expectTightBudget(polling(60, 600, 2, 1));
    expect(single.growing).toEqual([60]);
    expect(single.maxPolls).toBe(1);
  });

  it('starts steady when the initial interval equals the max', () => {
    const schedule = expectTightBudget(polling(300, 300, 2, 120));
    expect(schedule.growing).toEqual([300]);
    expect(schedule.steady).toBe(300);
    expect(schedule.maxPolls).toBe(24);
  });

  it('gives a tight poll budget across a sweep of valid settings', () => {
    for (const initial of [1, 5, 15, 60, 600, 3600]) {
      for (const max of [initial, initial * 3, 3600].filter((m) => m <= 3600)) {
        for (const rate of [1, 1.1, 1.5, 2, 10]) {
          for (const timeout of [Math.ceil(initial / 60), 1, 7, 120, 7 * 24 * 60].filter((t) => t * 60 >= initial)) {
            const schedule = expectTightBudget(polling(initial, max, rate, timeout));
            for (const wait of schedule.growing) expect(wait).toBeLessThanOrEqual(max);
            expect(schedule.steady).toBeLessThanOrEqual(max);
          }
        }
      }
    }
  });
});

describe('scheduleExpressionProblem', () => {
  it.each([
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 hour)',
    'rate(6 hours)',
    'rate(1 day)',
    'rate(2 days)',
    'cron(0 2 * * ? *)',
    'cron(0/15 8-17 ? * MON-FRI *)',
    'cron(30 1 1 * ? *)',
    'cron(0 3 L * ? *)',
    'cron(0 3 15W * ? *)',
    'cron(0 3 ? * 6#3 *)',
    'cron(0 3 ? * 6L 2027)',
    'cron(0 3 ? JAN-MAR SUN 2026-2030)',
    'at(2026-12-01T03:00:00)',
  ])('accepts %s', (expression) => {
    expect(scheduleExpressionProblem(expression)).toBeUndefined();
  });

  it.each([
    ['rate(0 hours)', 'positive whole number'],
    ['rate(5 hour)', "use plural 'hours'"],
    ['rate(1 hours)', "use singular 'hour'"],
    ['rate(2 weeks)', 'rate unit must be one of'],
    ['rate(1.5 hours)', "must be 'rate(<n> <unit>)'"],
    ['rate(-1 hours)', "must be 'rate(<n> <unit>)'"],
    ['cron(0 2 * * *)', 'cron needs 6 fields'],
    ['cron(0 2 1 * MON *)', "'?' in day-of-month or day-of-week"],
    ['cron(a 2 * * ? *)', "cron minutes field 'a': takes 0-59"],
    ['cron(0 3 ? * ? *)', "'?' in only one of"],
    ['cron(0 3 ? * 8 *)', '1-7 = SUN-SAT'],
    ['cron(0 3 * * ? 1969)', 'outside 1970-2199'],
    ['at(2026-02-30T03:00:00)', 'not a valid date and time'],
    ['every 6 hours', "must be 'rate(<n> <unit>)', 'cron(<6 fields>)' or 'at("],
    ['', "must be 'rate(<n> <unit>)'"],
  ])('rejects %s', (expression, reason) => {
    expect(scheduleExpressionProblem(expression)).toContain(reason);
  });
});

describe('rateSeconds and scheduleFrequencyProblem', () => {
  it('converts rates to seconds and ignores cron', () => {
    expect(rateSeconds('rate(1 minute)')).toBe(60);
    expect(rateSeconds('rate(6 hours)')).toBe(21_600);
    expect(rateSeconds('rate(2 days)')).toBe(172_800);
    expect(rateSeconds('cron(0 2 * * ? *)')).toBeUndefined();
  });

  it('rejects a rate shorter than the job timeout and states both numbers', () => {
    const problem = scheduleFrequencyProblem('rate(90 minutes)', 120);
    expect(problem).toContain('more often than one job may run');
    expect(problem).toContain('every 90 minutes');
    expect(problem).toContain('polling.timeoutMinutes: 120');
    expect(problem).toContain('overlap guard');
  });

  it('accepts rates at least as long as the timeout, cron, and invalid expressions (reported elsewhere)', () => {
    expect(scheduleFrequencyProblem('rate(2 hours)', 120)).toBeUndefined();
    expect(scheduleFrequencyProblem('rate(1 day)', 120)).toBeUndefined();
    expect(scheduleFrequencyProblem('cron(0/5 * ? * * *)', 120)).toBeUndefined();
    expect(scheduleFrequencyProblem('rate(0 hours)', 120)).toBeUndefined();
    expect(scheduleFrequencyProblem('rate(1 hours)', 120)).toBeUndefined();
  });
});

/** A valid one-pipeline file; `steps` replaces the default step list, `extra` adds pipeline fields. */
function minimal(steps: string, extra = ''): string {
  return `pipelines:
  - name: demo
    system: tamr-mastering
    baseUrl: https://tamr.example.com:9100
    secretName: continuum/tamr
${extra}
    steps:${steps || `
      - kind: refreshUnifiedDataset
        project: "1"`}
`;
}

describe('unknown fields', () => {
  const problemsOf = (text: string) => {
    try {
      parseConfig(text, 'f.yaml');
    } catch (error) {
      return (error as ConfigError).message.split('\n');
    }
    return [];
  };

  it('suggest the field a typo stands for, wherever it is', () => {
    expect(problemsOf(minimal('', '    schedul: { expression: rate(1 day) }'))).toContain("f.yaml: pipelines[0].schedul: unknown field; did you mean 'schedule'?");
    expect(problemsOf(minimal('', '    polling: { initialIntervalSecond: 5 }'))).toContain("f.yaml: pipelines[0].polling.initialIntervalSecond: unknown field; did you mean 'initialIntervalSeconds'?");
    expect(problemsOf(minimal('', '    frobnicate: 1'))).toContain('f.yaml: pipelines[0].frobnicate: unknown field');
  });

  it('ignore top-level x- keys, the home of shared anchors', () => {
    const config = parseConfig(`x-polling: &polling { initialIntervalSeconds: 7 }\n${minimal('', '    polling: *polling')}`, 'f.yaml');
    expect(config.pipelines[0].polling.initialIntervalSeconds).toBe(7);
  });
});
