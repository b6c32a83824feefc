/** "record clusters" → "Record clusters". */
export const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** "Update recipe" → "update recipe" (keeps acronyms such as "ML" intact). */
export const lowerFirst = (text: string): string => (/^[A-Z][A-Z]/.test(text) ? text : text.charAt(0).toLowerCase() + text.slice(1));

/** "tamr-mastering/get-operation" → "TamrMasteringGetOperation". */
export const pascal = (text: string): string =>
  text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map(capitalize)
    .join('');
