import * as z from 'zod';

/**
 * A pipeline's `steps`: at least one step, each a discriminated union on `kind` of the system's
 * step kinds. `description` says what the steps are, for the config reference.
 */
export function stepList<const T extends Record<string, z.ZodObject<{ kind: z.ZodLiteral<string> } & z.ZodRawShape>>>(system: string, kinds: T, description: string) {
  return z.array(kindUnion(system, kinds)).min(1, 'needs at least one step').describe(description);
}

/**
 * A discriminated union on `kind` whose error, for an unknown or missing kind, names the allowed
 * kinds instead of zod's generic "Invalid input".
 */
function kindUnion<const T extends Record<string, z.ZodObject<{ kind: z.ZodLiteral<string> } & z.ZodRawShape>>>(
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
