/**
 * Schedules checked as EventBridge Scheduler checks them (lib/schedule), and what `validate`
 * prints about them: next fire times for a fixed "now" across Europe/Paris's change to summer
 * time (2026-03-29), and exit 2 naming the field for each schedule AWS would refuse.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateLines } from '../bin/commands/validate';
import { checkScheduleExpression, checkTimeZone, formatInTimeZone, nextFireTimes } from '../lib/schedule';
import { testConfig } from './support/local-run';

const NOW = new Date('2026-03-27T12:00:00Z');

describe('nextFireTimes', () => {
  it('reads a cron in its time zone, across a DST change', () => {
    const times = nextFireTimes('cron(0 3 * * ? *)', 'Europe/Paris', 3, NOW);
    // 03:00 in Paris is 02:00 UTC in winter and 01:00 UTC from 29 March.
    expect(times.map((d) => d.toISOString())).toEqual(['2026-03-28T02:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T01:00:00.000Z']);
    expect(times.map((d) => formatInTimeZone(d, 'Europe/Paris'))).toEqual(['2026-03-28 03:00 CET', '2026-03-29 03:00 CEST', '2026-03-30 03:00 CEST']);
  });

  it('numbers days of the week 1-7 from Sunday, and knows L, W, # and years', () => {
    const iso = (expression: string, count = 2) => nextFireTimes(expression, 'UTC', count, NOW).map((d) => d.toISOString().slice(0, 10));
    expect(iso('cron(0 3 ? * 2 *)')).toEqual(['2026-03-30', '2026-04-06']); // MON
    expect(iso('cron(0 3 ? * 6L *)')).toEqual(['2026-04-24', '2026-05-29']); // last FRI (27 March has passed at 03:00)
    expect(iso('cron(0 3 L * ? *)')).toEqual(['2026-03-31', '2026-04-30']);
    expect(iso('cron(0 3 15W * ? *)')).toEqual(['2026-04-15', '2026-05-15']);
    expect(iso('cron(0 3 ? * 3#2 *)')).toEqual(['2026-04-14', '2026-05-12']); // second TUE
    expect(iso('cron(0 3 1 JAN ? 2028-2030)', 3)).toEqual(['2028-01-01', '2029-01-01', '2030-01-01']);
    expect(iso('cron(0 3 1 JAN ? 2025)')).toEqual([]);
  });

  it('counts a rate from "now" and fires at() once, in its time zone', () => {
    expect(nextFireTimes('rate(6 hours)', 'UTC', 2, NOW).map((d) => d.toISOString())).toEqual(['2026-03-27T18:00:00.000Z', '2026-03-28T00:00:00.000Z']);
    expect(nextFireTimes('at(2026-12-01T03:00:00)', 'Europe/Paris', 3, NOW).map((d) => d.toISOString())).toEqual(['2026-12-01T02:00:00.000Z']);
  });
});

describe('checks', () => {
  it.each([
    ['cron(61 3 * * ? *)', "cron minutes field '61': takes 0-59"],
    ['cron(0 25 * * ? *)', "cron hours field '25': takes 0-23"],
    ['cron(0 3 ? * FRY *)', "cron day-of-week field 'FRY': takes 1-7 or SUN-SAT"],
    ['cron(0 3 ? * ? *)', "'?' in only one of day-of-month and day-of-week"],
    ['cron(0 3 32 * ? *)', "cron day-of-month field '32'"],
    ['cron(0 3 * 13 ? *)', "cron month field '13'"],
    ['at(2026-12-01 03:00)', 'at() takes a date and time'],
  ])('%s: %s', (expression, reason) => {
    expect(checkScheduleExpression(expression)).toContain(reason);
  });

  it('takes IANA time zones only, suggesting the likely one', () => {
    expect(checkTimeZone('Europe/Paris')).toBeUndefined();
    expect(checkTimeZone('UTC')).toBeUndefined();
    expect(checkTimeZone('America/NewYork')).toContain("did you mean 'America/New_York'?");
  });
});

describe('continuum validate', () => {
  it('prints each schedule with its time zone and next three fire times, and Crossing Minds task names', () => {
    const config = testConfig(`pipelines:
  - name: paris-nightly
    system: tamr-mastering
    baseUrl: https://tamr.example.com
    secretName: continuum/tamr
    schedule: { expression: cron(0 3 * * ? *), timezone: Europe/Paris }
    steps: [{ kind: refreshUnifiedDataset, project: "1" }]
`);
    const lines = validateLines(config, NOW);
    expect(lines[1]).toBe('  paris-nightly (tamr-mastering, cron(0 3 * * ? *) Europe/Paris): refreshUnifiedDataset');
    expect(lines[2]).toBe('      next: 2026-03-28 03:00 CET, 2026-03-29 03:00 CEST, 2026-03-30 03:00 CEST');

    const example = validateLines(testConfig(), NOW).join('\n');
    expect(example).toMatch(/crossing-minds-demo \(crossing-minds, .*\): \w+\(\w+\)/);
  });

  const validate = (file: string) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile('node', ['bin/continuum.mjs', 'validate', '--config', file], { timeout: 120_000 }, (error, _stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }));
    });

  it('exits 2 naming the field for each schedule EventBridge Scheduler refuses', { timeout: 180_000 }, async () => {
    const cases = [
      ['schedule-timezone-not-iana.yaml', 'pipelines[0].schedule.timezone: '],
      ['cron-minute-61.yaml', "pipelines[0].schedule.expression: cron minutes field '61'"],
      ['cron-hour-25.yaml', "pipelines[0].schedule.expression: cron hours field '25'"],
      ['cron-day-of-week-misspelled.yaml', "pipelines[0].schedule.expression: cron day-of-week field 'FRY'"],
      ['cron-two-question-marks.yaml', "pipelines[0].schedule.expression: cron takes '?' in only one"],
    ] as const;
    const results = await Promise.all(cases.map(([file]) => validate(join('test', 'fixtures', 'bad-config', file))));
    results.forEach((result, i) => {
      expect(result.code, cases[i][0]).toBe(2);
      expect(result.stderr).toContain(cases[i][1]);
    });
  });
});
