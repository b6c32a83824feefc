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
