import { createHash } from 'node:crypto';

/** "record clusters" → "Record clusters". */
export const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * "a" or "an" before `text`, by its sound: "an output publish", "an ML model", "a data product".
 * An all-caps first word is read letter by letter (F, H, L, M, N, R, S, X start with a vowel sound).
 */
export const article = (text: string): string => {
  const word = text.split(' ')[0] ?? '';
  if (/^[A-Z]{2,}$/.test(word)) return /^[AEFHILMNORSX]/.test(word) ? 'an' : 'a';
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
};

/** "Update recipe" → "update recipe" (keeps acronyms such as "ML" intact). */
export const lowerFirst = (text: string): string => (/^[A-Z][A-Z]/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1));

/** "tamr-mastering/get-operation" → "TamrMasteringGetOperation". */
export const pascal = (text: string): string =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map(capitalize)
    .join('');

/**
 * `name` when it fits `limit` characters, else its first characters and a short hash of the
 * whole: deterministic (the same config always gives the same name) and distinct where two long
 * names share a prefix. AWS names are limited: state machines 80, Scheduler schedules and
 * EventBridge rules 64.
 */
export function boundedName(name: string, limit: number): string {
  if (name.length <= limit) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, limit - hash.length - 1)}-${hash}`;
}

/**
 * A prefix every `boundedName(`${stem}-…`, limit)` starts with (for ARN patterns in policies):
 * `stem-` while it is shorter than what a cut keeps, else the kept part of `stem`.
 */
export function boundedPrefix(stem: string, limit: number): string {
  const kept = limit - 9;
  return stem.length + 1 <= kept ? `${stem}-` : stem.slice(0, kept);
}
