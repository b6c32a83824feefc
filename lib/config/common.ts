/**
 * Config pieces every system shares: pipeline identity, schedule, polling, retries, HTTP.
 * Each system's own step kinds live with its provider (lib/providers/<system>/config.ts).
 */
import * as z from 'zod';
import { checkScheduleExpression, checkTimeZone, rateSeconds } from '../schedule';
import { slotPoolField } from './slot-pools';
import { recordsProblems } from './records-steps';
import { triggerFields, triggerProblems, type Trigger } from './triggers';
import type { ConfigProblem } from './problems';

/** Pipeline names become parts of AWS resource names: keep them short and DNS-like. */
export const pipelineName = z
  .string({ error: 'required' })
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be 1-40 characters: lowercase letters, digits and dashes, starting with a letter')
  .describe('Unique name, 1-40 lowercase letters, digits and dashes, starting with a letter. Part of the state machine name (`<stack>-<name>`).');

/** Secrets Manager secret name (not ARN): the handler reads the value at run time. */
export const secretName = z
  .string({ error: 'required' })
  .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, 'must be a Secrets Manager secret name (letters, digits and /_+=.@-)')
  .describe('Name (not ARN) of the Secrets Manager secret holding the API credentials; only this pipeline\'s functions may read it. Its JSON shape depends on the system (see Deploy).');

// Checked as EventBridge Scheduler checks them (lib/schedule); re-exported for the config's users.
export { rateSeconds };
/** Why an EventBridge schedule expression is invalid, or undefined when it is valid. */
export const scheduleExpressionProblem = checkScheduleExpression;

export const scheduleSchema = z
  .object({
    /** `rate(1 hour)` or `cron(0 2 * * ? *)`, as EventBridge Scheduler takes them. */
    expression: z
      .string({ error: 'required' })
      .superRefine((value, ctx) => {
        const problem = scheduleExpressionProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe(
        'EventBridge Scheduler expression: `rate(<n> <unit>)` (`minute(s)`, `hour(s)`, `day(s)`) or `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)` with `?` in one day field. A rate more frequent than `polling.timeoutMinutes` is rejected: the overlap guard would skip most runs.',
      ),
    /** Deploy the schedule disabled (runs only when started by hand). */
    enabled: z.boolean().default(true).describe('`false` deploys the schedule disabled: runs only start by hand.'),
    /** IANA time zone for cron expressions. */
    timezone: z
      .string()
      .default('UTC')
      .superRefine((value, ctx) => {
        const problem = checkTimeZone(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .describe('IANA time zone the cron expression is read in, e.g. `Europe/Paris`.'),
    /** Execution input sent by the schedule (e.g. `{ mlConfigurationChanged: false }`). */
    input: z
      .record(z.string(), z.unknown())
      .default({})
      .describe('Execution input of scheduled runs, e.g. `{ mlConfigurationChanged: false }`; `trigger: "schedule"` is added.'),
  })
  .strict()
  .describe('Start the pipeline on a schedule. Without one, the pipeline only runs when started by hand.');

export const pollingSchema = z
  .object({
    initialIntervalSeconds: z.number().int().min(1).max(3600).default(5).describe('First wait after submitting a job, before its first status check, and the shortest wait.'),
    maxIntervalSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(300)
      .describe('The longest wait between status checks: waits grow until they reach this. At least `initialIntervalSeconds`.'),
    /**
     * Each wait is `(backoffRate - 1)` × the time the job has run so far (within the two
     * intervals above), so waits grow by this factor per check and a finished job is noticed
     * within 10 % of its run time for 1.1. 1 polls at a fixed interval. See lib/polling/wait-schedule.ts.
     */
    backoffRate: z
      .number()
      .min(1)
      .max(10)
      .default(1.1)
      .describe('Each wait is `(backoffRate - 1)` × how long the job has run so far, between the two intervals: 1.1 notices a finished job within about 10 % of its run time; 1 polls at a fixed interval.'),
    /** A job still running after this long fails the run with `JobTimedOut`. */
    timeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(120)
      .describe('A job still running after this long fails the run with `JobTimedOut` (the budget becomes a number of status checks).'),
    /** Place checks from the step's last successful durations (lambdas/shared/learned-polling.ts). */
    learnFromHistory: z
      .boolean()
      .default(true)
      .describe(
        "Keep each step's last 10 successful durations (in the stack's DynamoDB table) and place the next run's checks where the step usually ends: one wait to the history's 10th percentile, then a check every 4 % of the job's age up to 5 % past the longest, then the growing waits again. Without history (first runs, a new step) the waits above apply unchanged. `false` polls on the waits alone.",
      ),
  })
  .strict()
  .describe('How each remote job is polled: growing waits between status checks, and a time budget.')
  .superRefine((p, ctx) => {
    // Compare only values that are valid on their own: a field already reported as out of range
    // would otherwise be reported a second time here.
    const initialOk = Number.isInteger(p.initialIntervalSeconds) && p.initialIntervalSeconds >= 1;
    if (initialOk && p.maxIntervalSeconds >= 1 && p.maxIntervalSeconds < p.initialIntervalSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxIntervalSeconds'],
        message: `must be at least initialIntervalSeconds (${p.initialIntervalSeconds}), got ${p.maxIntervalSeconds}`,
      });
    }
    if (initialOk && p.timeoutMinutes >= 1 && p.timeoutMinutes * 60 < p.initialIntervalSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['timeoutMinutes'],
        message: `must be at least the first polling interval (initialIntervalSeconds ${p.initialIntervalSeconds} s), got ${p.timeoutMinutes} min`,
      });
    }
  });

const retrierSchema = z
  .object({
    intervalSeconds: z.number().int().min(1).max(600).describe('Wait before the first retry (jittered).'),
    maxAttempts: z.number().int().min(0).max(20).describe('Retries before the step fails; 0 disables retrying.'),
    backoffRate: z.number().min(1).max(10).describe('Growth factor of the wait between retries.'),
  })
  .strict();

export const retrySchema = z
  .object({
    /** 429 Too Many Requests. */
    rateLimited: retrierSchema
      .default({ intervalSeconds: 10, maxAttempts: 6, backoffRate: 2 })
      .describe('Step Functions Retry rule for `RateLimited` (HTTP 429 Too Many Requests).'),
    /** 5xx, connection errors, HTTP timeouts. */
    transient: retrierSchema
      .default({ intervalSeconds: 5, maxAttempts: 4, backoffRate: 2 })
      .describe('Step Functions Retry rule for `TransientApiError` (5xx, connection resets, HTTP timeouts).'),
  })
  .strict()
  .describe('Retries of failed API calls, done by the state machine (visible in the execution history).');

export const httpSchema = z
  .object({
    /** One HTTP call's timeout inside a handler; the Lambda timeout is set above it. */
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(600)
      .default(20)
      .describe('Timeout of one HTTP call inside a handler (a timeout is a `TransientApiError`); the Lambda timeout is 10 s above it.'),
  })
  .strict()
  .describe('HTTP settings of the handlers.');

export const alertsSchema = z
  .object({
    /** Publish failures to this existing SNS topic instead of a topic created for the pipeline. */
    topicArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)')
      .optional()
      .describe("Publish alerts to this existing SNS topic (e.g. the team's) instead of a topic created for the pipeline."),
    /** Addresses subscribed to the pipeline's topic (each confirms the subscription by e-mail). */
    emails: z
      .array(z.email({ error: 'must be an e-mail address' }))
      .max(10)
      .default([])
      .describe("Addresses subscribed to the pipeline's own topic; each confirms the subscription by e-mail."),
  })
  .strict()
  .describe('Where failed and timed-out executions are announced: an SNS topic notified by an EventBridge rule, plus a CloudWatch alarm on unsuccessful executions.');

/** Fields every pipeline has, whatever its system. */
export const basePipelineShape = {
  name: pipelineName,
  description: z.string().max(256).optional().describe('Free text, up to 256 characters, shown as the state machine\'s comment.'),
  secretName,
  schedule: scheduleSchema.optional(),
  polling: pollingSchema.default({ initialIntervalSeconds: 5, maxIntervalSeconds: 300, backoffRate: 1.1, timeoutMinutes: 120, learnFromHistory: true }),
  retry: retrySchema.default({
    rateLimited: { intervalSeconds: 10, maxAttempts: 6, backoffRate: 2 },
    transient: { intervalSeconds: 5, maxAttempts: 4, backoffRate: 2 },
  }),
  http: httpSchema.default({ timeoutSeconds: 20 }),
  alerts: alertsSchema.default({ emails: [] }),
  tracing: z.boolean().default(false).describe('AWS X-Ray tracing of the state machine (its Lambda calls appear in the trace).'),
  slotPool: slotPoolField,
  ...triggerFields,
};

/** Optional display names every step takes: they become Step Functions state names. */
export const stepDisplayShape = {
  /** The submit state's name, e.g. "Refresh golden records export". */
  name: z
    .string()
    .min(3)
    .max(60)
    .regex(/^[A-Za-z0-9 ()._'-]+$/, 'letters, digits, spaces and ()._\'- only')
    .optional()
    .describe('Name of the step\'s submit state, e.g. "Refresh golden records export" (3-60 letters, digits, spaces, `()._\'-`). Set it and `subject` when two steps have the same kind.'),
  /** What the job produces, used in "Wait for <subject>", e.g. "golden records export". */
  subject: z
    .string()
    .min(3)
    .max(50)
    .regex(/^[A-Za-z0-9 ()._'-]+$/, 'letters, digits, spaces and ()._\'- only')
    .optional()
    .describe('What the job produces, used in the other state names: `Wait for <subject>`, `<Subject> done`.'),
};

/** A URL field (baseUrl and the like); `pipelineProblems` also requires http(s) for `baseUrl`. */
export const httpUrl = () => z.url({ error: 'must be an http(s) URL' });

/** A remote id: Tamr ids are numbers in some answers and strings in others. */
export const remoteId = z
  .union([z.string().min(1), z.number().int().nonnegative()], {
    error: (issue) =>
      issue.code !== 'invalid_union' ? undefined : issue.input == null ? 'required' : 'must be an id: a non-empty string or a whole number >= 0',
  })
  .transform(String);

export type Schedule = z.output<typeof scheduleSchema>;
export type Polling = z.output<typeof pollingSchema>;
export type Retry = z.output<typeof retrySchema>;
export type Http = z.output<typeof httpSchema>;
export type Alerts = z.output<typeof alertsSchema>;

/** A problem found by a cross-field check on a whole pipeline; `path` is relative to the pipeline. */
export type PipelineProblem = ConfigProblem;

/**
 * Checks every pipeline gets whatever its system (applied by `pipelinesFileSchema`): they need
 * several validated fields at once.
 */
export function pipelineProblems(pipeline: {
  readonly baseUrl?: unknown;
  readonly schedule?: { readonly expression: string };
  readonly polling: Polling;
  readonly triggers: readonly Trigger[];
  readonly onOverlap?: 'skip' | 'queue';
  readonly maxQueueMinutes?: number;
  readonly steps?: ReadonlyArray<{ readonly kind: string; readonly records?: string }>;
}): PipelineProblem[] {
  const problems: PipelineProblem[] = [...triggerProblems(pipeline), ...recordsProblems(pipeline)];
  const schedule = pipeline.schedule ? scheduleFrequencyProblem(pipeline.schedule.expression, pipeline.polling.timeoutMinutes) : undefined;
  if (schedule) problems.push({ path: ['schedule', 'expression'], message: schedule });
  if (typeof pipeline.baseUrl === 'string' && !isHttpUrl(pipeline.baseUrl)) {
    problems.push({ path: ['baseUrl'], message: `must be an http(s) URL such as https://host:port, got '${pipeline.baseUrl}'` });
  }
  return problems;
}

/**
 * A `rate(...)` schedule whose period is shorter than one job's timeout starts runs while the
 * previous one may still be polling; the overlap guard skips them, so most would do nothing.
 */
export function scheduleFrequencyProblem(expression: string, timeoutMinutes: number): string | undefined {
  const seconds = rateSeconds(expression);
  if (seconds === undefined || scheduleExpressionProblem(expression) || !(timeoutMinutes >= 1) || seconds >= timeoutMinutes * 60) return undefined;
  const minutes = seconds / 60;
  return (
    `${expression} fires every ${minutes} minute${minutes === 1 ? '' : 's'}, more often than one job may run ` +
    `(polling.timeoutMinutes: ${timeoutMinutes}); most runs would be skipped by the overlap guard. ` +
    `Use a rate of at least ${timeoutMinutes} minutes or lower polling.timeoutMinutes`
  );
}

/** `z.url()` accepts `host:9100` (scheme `host:`) and `ftp://...`; handlers need http(s) with a host. */
function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
