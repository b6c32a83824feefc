/**
 * What cross-field checks of the config report, and the duplicate check several of them make.
 * A leaf module: the schemas of common.ts, slot-pools.ts and the providers all use it.
 */

/** A problem found by a cross-field check; `path` is relative to what was checked. */
export interface ConfigProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Every value that appeared earlier in `values`: where it is repeated, and where it first was. */
export function repeats<T>(values: readonly T[]): Array<{ readonly value: T; readonly index: number; readonly first: number }> {
  const seen = new Map<T, number>();
  const found: Array<{ value: T; index: number; first: number }> = [];
  values.forEach((value, index) => {
    const first = seen.get(value);
    if (first === undefined) seen.set(value, index);
    else found.push({ value, index, first });
  });
  return found;
}
