/**
 * Schedules as EventBridge Scheduler takes them: `checkScheduleExpression(expression)` → why AWS
 * would refuse it (or undefined), `nextFireTimes(expression, timeZone, count, from)`, and
 * `checkTimeZone(name)` for IANA names.
 */
export { checkScheduleExpression, nextFireTimes, rateSeconds } from './expression';
export { checkTimeZone, formatInTimeZone } from './time-zone';
