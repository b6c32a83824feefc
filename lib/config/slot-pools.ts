/**
 * Slot pools: tenant-wide job limits shared by every pipeline that joins the pool.
 *
 * A Map's MaxConcurrency limits one execution only; a tenant that allows N concurrent jobs
 * (Tamr Cloud: 5, more answer 429) is shared by several pipelines and ad-hoc runs. Every job of
 * a pipeline with `slotPool: <name>` takes a slot of that pool before it submits and gives it
 * back when it ends (lib/constructs/job-slots.ts). System-agnostic: any system may join a pool.
 *
 *   slotPools:
 *     - name: acme-tenant
 *       limit: 5
 *   pipelines:
 *     - name: customers
 *       slotPool: acme-tenant
 */
import { z } from 'zod';
import { repeats, type ConfigProblem } from './problems';

/** Tamr Cloud's default concurrent job limit per tenant. */
export const DEFAULT_SLOT_LIMIT = 5;

/** Pool names are DynamoDB keys and parts of state data: short and DNS-like, like pipeline names. */
export const slotPoolName = z
  .string({ error: 'required' })
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be 1-40 characters: lowercase letters, digits and dashes, starting with a letter');

export const slotPoolSchema = z
  .object({
    /** What pipelines name in `slotPool:`, e.g. the tenant: `acme-tenant`. */
    name: slotPoolName.describe('Unique name, 1-40 lowercase letters, digits and dashes: what pipelines name in `slotPool`, e.g. the tenant.'),
    description: z.string().max(256).optional().describe('Free text, e.g. which tenant the pool stands for.'),
    /** Jobs of the pool's pipelines that may run at once (Tamr Cloud's default per tenant: 5). */
    limit: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(DEFAULT_SLOT_LIMIT)
      .describe("Jobs of the pool's pipelines that may run at once, all runs together (Tamr Cloud allows 5 per tenant)."),
    /** Seconds between two tries while the pool is full (each wait is jittered up to 1.5 ×). */
    waitSeconds: z.number().int().min(1).max(3600).default(60).describe('Seconds between two tries while the pool is full; each wait adds up to half as much again at random.'),
    /** A job still waiting for a slot after this long fails the run with `SlotWaitTimedOut`. */
    maxWaitMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(240)
      .describe('A job that waited this long without a slot fails the run with `SlotWaitTimedOut`.'),
  })
  .strict();

export const slotPoolsSchema = z.array(slotPoolSchema, { error: 'must be a list of slot pools ({ name, limit })' });

export type SlotPool = z.output<typeof slotPoolSchema>;

/** The pipeline field naming a pool. */
export const slotPoolField = slotPoolName
  .optional()
  .describe('Name of a top-level `slotPools` entry: every job of the pipeline holds one of its slots while it runs (see [Tenant job slots](#tenant-job-slots)).');

/** Duplicate pool names, and pipelines naming a pool that is not declared. */
export function slotPoolProblems(file: {
  readonly slotPools?: readonly { readonly name: string }[];
  readonly pipelines: readonly { readonly slotPool?: string }[];
}): ConfigProblem[] {
  const pools = (file.slotPools ?? []).map((pool) => pool.name);
  const problems: ConfigProblem[] = repeats(pools).map(({ value, index, first }) => ({
    path: ['slotPools', index, 'name'],
    message: `duplicate slot pool name '${value}' (also slotPools[${first}])`,
  }));
  const seen = new Set(pools);
  const names = [...seen];
  file.pipelines.forEach((pipeline, index) => {
    // A malformed name is already reported by the field itself.
    if (pipeline.slotPool === undefined || seen.has(pipeline.slotPool) || !slotPoolName.safeParse(pipeline.slotPool).success) return;
    problems.push({
      path: ['pipelines', index, 'slotPool'],
      message:
        names.length === 0
          ? `unknown slot pool '${pipeline.slotPool}': no slotPools are declared (add one at the top level: slotPools: [{ name: ${pipeline.slotPool}, limit: ${DEFAULT_SLOT_LIMIT} }])`
          : `unknown slot pool '${pipeline.slotPool}'; expected one of ${names.join(', ')}`,
    });
  });
  return problems;
}
