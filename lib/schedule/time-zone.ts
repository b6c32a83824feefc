/** IANA time zones as EventBridge Scheduler takes them, checked with the runtime's own tz data (Intl). */
import { didYouMean } from '../text/suggest';

/** Why `timeZone` is not an IANA time zone name (with the likely intended one), or undefined. */
export function checkTimeZone(timeZone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return undefined;
  } catch {
    return `'${timeZone}' is not an IANA time zone${didYouMean(timeZone, knownTimeZones())}; e.g. 'UTC', 'Europe/Paris', 'America/New_York'`;
  }
}

function knownTimeZones(): string[] {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf;
  return supported ? ['UTC', ...supported('timeZone')] : ['UTC'];
}

/** `2026-03-29 03:00 CEST`: a fire time as a person in that zone reads it. */
export function formatInTimeZone(date: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.timeZoneName}`;
}
