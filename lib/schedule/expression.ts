/**
 * EventBridge Scheduler expressions, checked as AWS checks them: `rate(5 minutes)`,
 * `at(2026-12-01T03:00:00)` and the 6-field `cron(min hour day-of-month month day-of-week year)`.
 * croner parses the cron fields (ranges, lists, steps, names, L, W, #); around it, what croner
 * does not know of EventBridge's form: day-of-week 1-7 = SUN-SAT (croner's Quartz numbering),
 * exactly one `?` among the day fields, years 1970-2199, `n/step` steps.
 */
import { Cron } from 'croner';

const RATE_UNITS = ['minute', 'minutes', 'hour', 'hours', 'day', 'days'] as const;
const RATE = /^rate\((\d+) (\w+)\)$/;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const CRON_FIELDS = ['minutes', 'hours', 'day-of-month', 'month', 'day-of-week', 'year'] as const;
/** What each field takes besides `*`, lists (`a,b`), ranges (`a-b`) and steps (`a/n`), in AWS's words. */
const CRON_TAKES = ['0-59', '0-23', '1-31, L, W', '1-12 or JAN-DEC', '1-7 or SUN-SAT, L, #', '1970-2199'] as const;

/** Seconds between two runs for a `rate(...)` expression, undefined otherwise. */
export function rateSeconds(expression: string): number | undefined {
  const match = RATE.exec(expression);
  if (!match) return undefined;
  const unit = match[2].replace(/s$/, '');
  return Number(match[1]) * (unit === 'minute' ? 60 : unit === 'hour' ? 3600 : 86400);
}

/** Why EventBridge Scheduler would refuse `expression`, or undefined when it takes it. */
export function checkScheduleExpression(expression: string): string | undefined {
  const rate = RATE.exec(expression);
  if (rate) {
    const [, value, unit] = rate;
    if (!(RATE_UNITS as readonly string[]).includes(unit)) return `rate unit must be one of ${RATE_UNITS.join(', ')}`;
    if (Number(value) < 1) return 'rate value must be a positive whole number';
    if (Number(value) === 1 && unit.endsWith('s')) return `use singular '${unit.slice(0, -1)}' for a rate of 1`;
    if (Number(value) > 1 && !unit.endsWith('s')) return `use plural '${unit}s' for a rate above 1`;
    return undefined;
  }
  if (/^at\(/.test(expression)) {
    const at = AT.exec(expression);
    if (!at) return "at() takes a date and time without zone, e.g. 'at(2026-12-01T03:00:00)'";
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number);
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return `at(): ${expression.slice(3, -1)} is not a valid date and time`;
    return undefined;
  }
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return cronProblem(cron[1].trim().split(/\s+/));
  return "must be 'rate(<n> <unit>)', 'cron(<6 fields>)' or 'at(<yyyy-mm-ddThh:mm:ss>)'";
}

function cronProblem(fields: string[]): string | undefined {
  if (fields.length !== 6) return `cron needs 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`;
  const [, , dayOfMonth, , dayOfWeek] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    return dayOfMonth === '?' ? "cron takes '?' in only one of day-of-month and day-of-week" : "cron must use '?' in day-of-month or day-of-week";
  }
  // Each field alone against wildcards, so the message names the field that is wrong.
  for (let i = 0; i < fields.length; i++) {
    if (fields[i] === '?') continue;
    if (fields[i].includes('?')) return `cron ${CRON_FIELDS[i]} field '${fields[i]}': '?' stands alone`;
    const probe = ['0', '0', '*', '*', '?', '*'];
    if (i === 4) probe[2] = '?';
    probe[i] = fields[i];
    // croner's own wording counts fields from its seconds field: say what the field takes instead.
    const problem = croner(probe) ? `takes ${CRON_TAKES[i]}, *, lists, ranges and /steps` : i === 4 ? dayOfWeekProblem(fields[i]) : i === 5 ? yearProblem(fields[i]) : undefined;
    if (problem) return `cron ${CRON_FIELDS[i]} field '${fields[i]}': ${problem}`;
  }
  return croner(fields);
}

/** croner's objection to an EventBridge cron's fields, without its "CronPattern:" prefix. */
function croner(fields: readonly string[]): string | undefined {
  try {
    cronOf(fields, 'UTC');
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
}

function cronOf(fields: readonly string[], timeZone: string): Cron {
  // Seconds are always 0; croner's 7-part form adds the year, as EventBridge has it.
  return new Cron(['0', ...fields].join(' '), { mode: '7-part', alternativeWeekdays: true, sloppyRanges: true, domAndDow: false, timezone: timeZone, paused: true });
}

/** croner also takes 0 and 8 as Sunday; EventBridge only 1-7 (or SUN-SAT). */
function dayOfWeekProblem(field: string): string | undefined {
  const numbers = field.replace(/#\d+/g, '').match(/\d+/g) ?? [];
  const bad = numbers.find((n) => Number(n) < 1 || Number(n) > 7);
  return bad === undefined ? undefined : `${bad} is not a day of the week (1-7 = SUN-SAT)`;
}

function yearProblem(field: string): string | undefined {
  const bad = (field.replace(/\/\d+/g, '').match(/\d+/g) ?? []).find((n) => Number(n) < 1970 || Number(n) > 2199);
  return bad === undefined ? undefined : `${bad} is outside 1970-2199`;
}

/**
 * The next `count` times `expression` fires after `from`, read in `timeZone`. A rate counts from
 * `from` (EventBridge counts from when the schedule was created); `at()` fires once.
 */
export function nextFireTimes(expression: string, timeZone: string, count: number, from: Date): Date[] {
  if (checkScheduleExpression(expression)) return [];
  const seconds = rateSeconds(expression);
  if (seconds !== undefined) return Array.from({ length: count }, (_, i) => new Date(from.getTime() + (i + 1) * seconds * 1000));
  const at = AT.exec(expression);
  if (at) {
    const once = new Cron(`${at[1]}-${at[2]}-${at[3]}T${at[4]}:${at[5]}:${at[6]}`, { timezone: timeZone, paused: true });
    const next = once.nextRun(from);
    return next && count > 0 ? [next] : [];
  }
  const fields = /^cron\((.*)\)$/.exec(expression)![1].trim().split(/\s+/);
  return cronOf(fields, timeZone).nextRuns(count, from);
}
