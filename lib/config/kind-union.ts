import * as z from 'zod';

/**
 * A discriminated union on `kind` whose error, for an unknown or missing kind, names the allowed
 * kinds instead of zod's generic "Invalid input".
 */
export function kindUnion<const T extends Record<string, z.ZodObject<{ kind: z.ZodLiteral<string> } & z.ZodRawShape>>>(
  system: string,
  kinds: T,
) {
  const allowed = Object.keys(kinds);
  const options = Object.values(kinds) as unknown as [T[keyof T], ...T[keyof T][]];
  return z.discriminatedUnion('kind', options, {
    error: (issue) => {
      const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
      if (issue.code !== 'invalid_union') return undefined;
      return kind === undefined
        ? `kind: required (one of ${allowed.join(', ')})`
        : `kind: unknown step kind '${String(kind)}' for ${system}; expected one of ${allowed.join(', ')}`;
    },
  });
}
