/**
 * Every error name a Continuum run or command can end with, in one place: what raises it, what
 * it means and what to do. Step Functions matches Retry/Catch rules on these names, so each is
 * part of the contract between handlers and the state machine: renaming one is a breaking change.
 * Derived from it: RETRYABLE_ERRORS (the Retry lists), the CLI's exit codes (`exitCodeOf`) and
 * the Troubleshooting table of docs/troubleshooting.md (`npm run docs`; its links are relative to docs/). Adding an error is adding one entry.
 */

/** Who raises the error: a Lambda handler, the state machine itself, the remote job (its failure), the execution, or the CLI. */
export type RaisedBy = 'handler' | 'state machine' | 'remote job' | 'execution' | 'cli';

export interface ErrorEntry {
  readonly raisedBy: RaisedBy;
  /** The retry settings the state machine retries it under. @default not retried */
  readonly retry?: 'rateLimited' | 'transient' | 'tokenExpired';
  /** What happened, in the user's words (Markdown). */
  readonly meaning: string;
  /** What to do about it (Markdown). */
  readonly whatToDo: string;
  /** A user can fix it: the CLI prints the message without a stack trace and exits with this code. @default 1, with the stack trace */
  readonly exitCode?: number;
}

const REMOTE_FAILED: Pick<ErrorEntry, 'raisedBy' | 'meaning' | 'whatToDo'> = {
  raisedBy: 'remote job',
  meaning: "The remote job itself ended unsuccessfully (`<Subject> failed`); the cause is the vendor's own message, cut at 4000 characters.",
  whatToDo: "Read the cause and the job in the vendor's UI (for Tamr, the Spark error); fix the data or the project, then run again.",
};

const USER_ERROR = { raisedBy: 'cli', exitCode: 2, meaning: 'The command line or the config file is wrong; the message says where.', whatToDo: 'Fix what the message names and run the command again.' } as const;

export const ERRORS = {
  RateLimited: {
    raisedBy: 'handler',
    retry: 'rateLimited',
    meaning:
      'The API answered 429 Too Many Requests: too many calls or jobs at once (Tamr Cloud allows 5 unfinished jobs per tenant). The task is retried after `retry.rateLimited.intervalSeconds`, growing by `backoffRate`, up to `maxAttempts` times.',
    whatToDo:
      'If runs still fail with it, give the API more time: raise `retry.rateLimited.maxAttempts` or `intervalSeconds`, spread the schedules of pipelines that share a tenant, and look for other clients using the same account.',
  },
  TransientApiError: {
    raisedBy: 'handler',
    retry: 'transient',
    meaning:
      'A 5xx answer (often an HTML error page from a load balancer), a connection reset or refused, or no answer within `http.timeoutSeconds`; also a Secrets Manager read that was throttled (`ThrottlingException`: the account\'s read quota is shared by every reader). Retried like `RateLimited` under `retry.transient`.',
    whatToDo:
      "Check the vendor's status page and that `baseUrl` is reachable from Lambda (VPC, firewall). If calls time out under load, raise `http.timeoutSeconds`. Start the run again once the API is back.",
  },
  TokenExpired: {
    raisedBy: 'handler',
    retry: 'tokenExpired',
    meaning: 'The API said the access token (e.g. a Crossing Minds JWT) has expired. The handler dropped it and the call is retried at once with a fresh one, twice.',
    whatToDo: 'A run ends with it only when fresh tokens expire at once: check the secret\'s refresh token and the server clock, then run again.',
  },
  AuthFailed: {
    raisedBy: 'handler',
    meaning: '401 or 403: the credentials in the secret are wrong or expired, or the user lacks a privilege (403). Not retried.',
    whatToDo:
      "Check the secret's value and shape ([Deploy](deploy.md), step 2) with `aws secretsmanager get-secret-value --secret-id NAME`, fix it with `put-secret-value`; handlers pick it up within five minutes. For 403, grant the API user the privilege the cause names.",
  },
  BadSecret: {
    raisedBy: 'handler',
    meaning: 'The secret exists but does not have the shape the system needs: not JSON, or JSON without the fields it reads.',
    whatToDo: "Store a shape shown in [Deploy](deploy.md), or under the system's **Secret** in [Systems](systems.md#systems).",
  },
  SecretNotFound: {
    raisedBy: 'handler',
    meaning:
      "Secrets Manager has no secret of the pipeline's `secretName` in the function's region (the message names both): not created yet, misspelled, or created in another region. Locally: the `--secrets` file lacks it. Not retried.",
    whatToDo:
      'Create it in that region (`aws secretsmanager create-secret --region REGION --name NAME --secret-string file://secret.json`) or correct `secretName`; locally, add it to the `--secrets` file.',
  },
  SecretAccessDenied: {
    raisedBy: 'handler',
    meaning:
      'The function may not read the secret (`AccessDeniedException`: a resource policy or permissions boundary denies `secretsmanager:GetSecretValue`), or may not decrypt it with its KMS key (`DecryptionFailure`, KMS access denied). Not retried.',
    whatToDo:
      "For a customer-managed key, let the function's role `kms:Decrypt` in the key policy (condition `kms:ViaService` = `secretsmanager.REGION.amazonaws.com`); otherwise check the secret's resource policy and any boundary on the role.",
  },
  NotFound: {
    raisedBy: 'handler',
    meaning: '404: a project, dataset, recipe, job or universe id in `pipelines.yaml` does not exist, or `baseUrl` points at the wrong path.',
    whatToDo: "Compare the id in the cause with the vendor's UI; check `baseUrl` (for Tamr Mastering the server root, without `/api/versioned/v1`).",
  },
  ApiRejected: {
    raisedBy: 'handler',
    meaning: "Another 4xx: the API refused the request. The cause carries the server's message.",
    whatToDo: "Fix what the message names (often a step's settings), then run again.",
  },
  MalformedResponse: {
    raisedBy: 'handler',
    meaning: "A 2xx answer whose body is not what the API's contract says, for example an HTML login page from a proxy, or a different API version.",
    whatToDo: 'Check that `baseUrl` reaches the API itself and not a proxy or SSO page; the cause shows what came back.',
  },
  BadRecords: {
    raisedBy: 'handler',
    meaning: "The step's records file is not what it must be: a line that is not a JSON object, or a record without its id field (the cause names the line).",
    whatToDo: 'Fix the records file (or whatever writes it) at the line the cause names, then run again.',
  },
  BadTaskInput: {
    raisedBy: 'handler',
    meaning: 'A handler got a task input it does not understand. The state machine builds every input, so this is a Continuum bug, never your data.',
    whatToDo: 'Report it with the failed state and its input from `continuum history`; redeploying the same version will not help.',
  },
  JobTimedOut: {
    raisedBy: 'state machine',
    meaning:
      'The remote job was still running after `polling.timeoutMinutes` (the Fail state is `<Subject> timed out`). Tamr Cloud jobs and Crossing Minds private tasks were stopped by "Stop <subject>" first; other jobs keep running remotely.',
    whatToDo:
      "Look at the job (its id is in the history) in the vendor's UI. If it is just slow, raise `polling.timeoutMinutes`; if it is stuck and was not stopped, cancel it there before the next run.",
  },
  JobConflict: {
    raisedBy: 'state machine',
    meaning:
      'Another job of the same data product (Tamr Cloud) or task of the same name (Crossing Minds) was still running, and the step says `onConflict: fail` or `onAlreadyRunning: fail`.',
    whatToDo: 'Wait for that job to end, or let the step wait (`onConflict: wait`) or attach (`onAlreadyRunning: attach`).',
  },
  SlotWaitTimedOut: {
    raisedBy: 'state machine',
    meaning: "The job's slot pool stayed full for `maxWaitMinutes` (the Fail state is `No tenant job slot for <subject>`); nothing was submitted.",
    whatToDo:
      "See who holds the slots: the pool's item in the JobSlots table names each holder's execution and job. Spread the pipelines' schedules, raise `maxWaitMinutes`, or free a leaked slot ([Tenant job slots](design.md#tenant-job-slots)).",
  },
  RunQueueTimedOut: {
    raisedBy: 'state machine',
    meaning:
      'A run of a pipeline with `onOverlap: queue` waited `maxQueueMinutes` behind earlier runs still in progress (the Fail state is `Run queue timed out`); it started no step. The cause names its input, for a triggered run the file it carries.',
    whatToDo:
      'See why the earlier run takes so long (the console lists the RUNNING executions); start this run again by hand with the input in the cause once it ends, or raise `maxQueueMinutes`.',
  },
  UnknownFromStep: {
    raisedBy: 'state machine',
    meaning:
      "The execution input's `fromStep` names no step of the pipeline (the Fail state is `Unknown first step`); no step ran. The cause lists the step titles. `continuum run` and `start` refuse such an input before anything starts.",
    whatToDo: 'Start the run again with `fromStep` set to one of the titles in the cause (as `continuum history` and the console show them), or without it to run every step.',
  },
  RecordsNotNamed: {
    raisedBy: 'state machine',
    meaning:
      "A run of a pipeline whose records step has no `records:` configured (a triggered pipeline) started without `records` in its input (the Fail state is `No records to <step>`): a run by hand or an event trigger whose detail names no object.",
    whatToDo: 'Start the run again with the object in the input, e.g. `continuum run --input \'{"records": "s3://bucket/key.jsonl"}\'` or `aws stepfunctions start-execution --input …`, or configure `records:` for runs that name none.',
  },
  SlotReleaseFailed: {
    raisedBy: 'state machine',
    meaning: 'The job succeeded but its tenant job slot could not be given back (DynamoDB kept failing).',
    whatToDo: "The execution cleanup releases the slot when the run fails; check it did (the pool's item), then run again.",
  },
  TamrOperationFailed: REMOTE_FAILED,
  TamrOperationCanceled: REMOTE_FAILED,
  TamrValidationFailed: REMOTE_FAILED,
  TamrCloudJobFailed: REMOTE_FAILED,
  TamrCloudJobStopped: REMOTE_FAILED,
  CrossingMindsTaskFailed: REMOTE_FAILED,
  CrossingMindsTaskCancelled: REMOTE_FAILED,
  BoomiBatchErrored: REMOTE_FAILED,
  CrossingMindsTaskAlreadyRunning: {
    raisedBy: 'handler',
    meaning: 'Crossing Minds answered TASK_ALREADY_RUNNING: a task of this name is unfinished. Steps with `onAlreadyRunning` look for it instead; a step without one fails.',
    whatToDo: 'Set `onAlreadyRunning` on the step (attach, skip or fail), or wait for the running task to end.',
  },
  CrossingMindsTaskNotListed: {
    raisedBy: 'handler',
    meaning: 'A Crossing Minds task the run was following cannot be found in the recent-tasks list (the API dropped it, or answered inconsistently).',
    whatToDo: "Look up the task in Crossing Minds' UI and whether it finished; run the pipeline again once it has.",
  },
  BoomiQuarantineThresholdExceeded: {
    raisedBy: 'remote job',
    meaning:
      "Boomi Hub incorporated the batch, but more entities ended **quarantined** (or errored) than the step's `quarantineThreshold` allows. Quarantine reasons come from Hub, for example `FIELD_FORMAT_ERROR`, `REQUIRED_FIELD`, `POSSIBLE_DUPLICATE`, `AMBIGUOUS_MATCH`; the cause counts the entities per reason with sample messages.",
    whatToDo:
      "Open the batch's quarantined entities in Boomi DataHub (the universe's quarantine list): fix the source records and resubmit, or resolve them there (edit, merge, approve). A threshold above 0 accepts some quarantines: they are then listed as warnings in the step's summary.",
  },
  'States.Timeout': {
    raisedBy: 'execution',
    meaning: "The whole execution ran longer than its own timeout (the sum of the jobs' budgets plus an hour). Jobs it left running are stopped where the system allows.",
    whatToDo: 'Usually one job that never ends; see `JobTimedOut`.',
  },
  UsageError: USER_ERROR,
  UnknownPipelineError: USER_ERROR,
  ParseError: USER_ERROR,
  ConfigError: USER_ERROR,
  /** `history --run ID` or a local rerun named a run that is not kept (the last 20 are). */
  RunNotKeptError: USER_ERROR,
  OperateError: {
    raisedBy: 'cli',
    exitCode: 2,
    meaning: 'An operate command (status, start, rerun, pause, resume, history, logs) was asked for something the config or the account does not have: an unknown pipeline or step, a run that did not fail, a resource not deployed (exit 1).',
    whatToDo: 'Fix what the message names; for a resource not deployed, check `--region`/`--profile` or run `cdk deploy`.',
  },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorName = keyof typeof ERRORS;

/** The name, checked against the registry at compile time: `errorName('JobTimedOut')`. */
export const errorName = <N extends ErrorName>(name: N): N => name;

const retried = (retry: NonNullable<ErrorEntry['retry']>): ErrorName[] =>
  (Object.entries(ERRORS) as Array<[ErrorName, ErrorEntry]>).filter(([, entry]) => entry.retry === retry).map(([name]) => name);

/** Error names the state machine retries, by retry setting. Everything else is caught and fails the step. */
export const RETRYABLE_ERRORS = {
  rateLimited: retried('rateLimited'),
  transient: retried('transient'),
  tokenExpired: retried('tokenExpired'),
} as const;

/** The exit code for an error a user can fix (printed without a stack trace), or undefined for a bug. */
export function exitCodeOf(error: unknown): number | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  const entry: ErrorEntry | undefined = typeof name === 'string' && Object.hasOwn(ERRORS, name) ? ERRORS[name as ErrorName] : undefined;
  // A registered error may carry its own code (OperateError: 2 a mistake, 1 a resource not deployed).
  const own = (error as { exitCode?: unknown } | null | undefined)?.exitCode;
  return entry?.exitCode === undefined ? undefined : typeof own === 'number' ? own : entry.exitCode;
}

/** Entries a run can end with (not the CLI's), rows of the same text merged: for the README. */
export function troubleshootingRows(): Array<{ names: ErrorName[]; entry: ErrorEntry }> {
  const rows: Array<{ names: ErrorName[]; entry: ErrorEntry }> = [];
  for (const [name, entry] of Object.entries(ERRORS) as Array<[ErrorName, ErrorEntry]>) {
    if (entry.raisedBy === 'cli') continue;
    const same = rows.find((row) => row.entry === entry);
    if (same) same.names.push(name);
    else rows.push({ names: [name], entry });
  }
  return rows;
}
