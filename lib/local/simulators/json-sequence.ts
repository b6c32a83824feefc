/**
 * A stream of JSON documents as Tamr's `:updateRecords` takes it: newline-separated by convention,
 * concatenated (`{...}{...}`) as Tamr's own Python clients send them.
 */

/**
 * Parses a stream of JSON values that are newline-separated by convention but may also be
 * concatenated (`{...}{...}`), as the real server accepts both. Throws on the first bad value.
 */
export function parseJsonSequence(text: string): unknown[] {
  const values: unknown[] = [];
  let position = skipWhitespace(text, 0);
  while (position < text.length) {
    const end = endOfValue(text, position);
    const slice = text.slice(position, end);
    try {
      values.push(JSON.parse(slice));
    } catch (error) {
      throw new Error(`Unparseable JSON command ${values.length + 1} at offset ${position}: ${(error as Error).message}`);
    }
    position = skipWhitespace(text, end);
  }
  return values;
}

function skipWhitespace(text: string, from: number): number {
  let position = from;
  while (position < text.length && /\s/.test(text[position])) position += 1;
  return position;
}

/**
 * Where the JSON value starting at `start` ends. Objects and arrays end at their matching bracket
 * (brackets inside strings ignored); scalars end at whitespace or the next value's bracket. An
 * unterminated value runs to the end of the text, so JSON.parse reports the error.
 */
function endOfValue(text: string, start: number): number {
  const opener = text[start];
  if (opener !== '{' && opener !== '[') {
    if (opener === '"') return endOfString(text, start);
    let position = start;
    while (position < text.length && !/[\s{[]/.test(text[position])) position += 1;
    return position;
  }
  let depth = 0;
  for (let position = start; position < text.length; position += 1) {
    const char = text[position];
    if (char === '"') position = endOfString(text, position) - 1;
    else if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') {
      depth -= 1;
      if (depth === 0) return position + 1;
    }
  }
  return text.length;
}

/** The index just past the string literal that opens at `start`. */
function endOfString(text: string, start: number): number {
  for (let position = start + 1; position < text.length; position += 1) {
    if (text[position] === '\\') position += 1;
    else if (text[position] === '"') return position + 1;
  }
  return text.length;
}
