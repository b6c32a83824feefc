/**
 * Executes a synthesized pipeline with aws-local-stepfunctions: each Lambda task is bound to the
 * real handler module in-process (created with the function's environment from the template),
 * the overlap guard's ListExecutions is answered from this process's own running executions, the
 * tenant job slot tasks (direct DynamoDB integrations) run against a local DynamoDB (dynalite),
 * and every event is kept as the execution history.
 */
import './polyfill';
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import type { HandlerEnvironment } from '../../lambdas/shared/environment';
import type { InFlightJob } from '../../lambdas/cleanup/in-flight-jobs';
import { setLogSink } from '../../lambdas/shared/logger';
import { stateRoles, type StateRole } from '../contract/state-roles';
import { TASK_CONTEXT_FIELD } from '../contract/task-context';
import { skippedByFromStep } from '../constructs/from-step';
import { dynamoDbAction, dynamoDbTask } from './dynamodb';
import { cleanUpEarlyEnd, jobsThatMayRun, publishRunMetrics, type EndedExecution } from './end-of-run';
import { awsExecutionHistory, type TaskCall } from './execution-history';
import { iterationItem, iterationItems } from './iteration';
import { allStates, type SynthesizedPipeline } from './synthesized';

/** A Step Functions-like history event (the library's event log, kept as plain data). */
export interface HistoryEvent {
  readonly type: string;
  readonly timestamp: number;
  readonly state?: { name: string; type: string; input?: unknown; output?: unknown };
  readonly index?: number;
  readonly Error?: string;
  readonly Cause?: unknown;
  /** The state's role in its job (from the job metadata), when it belongs to one. */
  readonly role?: StateRole;
  readonly [key: string]: unknown;
}

/** One job as the run report shows it. */
export interface StepReport {
  readonly name: string;
  readonly key: string;
  /** Map iteration (one per item of a fan-out step), when the step runs per item. */
  readonly item?: number;
  /** The iteration's item (`src_crm_accounts`), what history and progress name it by. */
  readonly itemLabel?: string;
  remoteId: string | null;
  finalState: string;
  polls: number;
}

export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';

export interface RunReport {
  readonly pipeline: string;
  readonly executionArn: string;
  readonly status: ExecutionStatus;
  /** The overlap guard skipped this run. */
  readonly skipped: boolean;
  readonly error?: string;
  readonly cause?: string;
  readonly output?: unknown;
  readonly steps: StepReport[];
  /** States entered: what Step Functions Standard bills. */
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  readonly history: HistoryEvent[];
  /** Every line the handlers logged during this run. */
  readonly logs: string[];
  /** Remote jobs stopped because the execution ended early (as the deployed cleaner does). */
  readonly cleanup: CleanupReport;
  /** CloudWatch metric data the execution put (e.g. the skipped-runs count). */
  readonly metrics: MetricDatum[];
}

export interface MetricDatum {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Record<string, string>;
  readonly value: number;
}

export interface CleanupReport {
  readonly stopped: string[];
  readonly failed: Array<{ jobId: string; error: string }>;
  /** Pipelines of a slot pool: tenant job slots the execution still held, released (holder ids), and those that could not be. */
  readonly releasedSlots?: string[];
  readonly slotsNotReleased?: Array<{ holder: string; error: string }>;
}

export interface LocalRunOptions {
  readonly pipeline: SynthesizedPipeline;
  /** The local Secrets Manager endpoint (see LocalSecretsManager). */
  readonly secretsEndpoint: string;
  /** Replaces the pipeline's base URL (e.g. a simulator's). */
  readonly baseUrl?: string;
  readonly input?: Record<string, unknown>;
  /** The execution's name, e.g. derived from the file it reads (`continuum watch`). @default `local-<uuid>` */
  readonly executionName?: string;
  /** Milliseconds every Wait state pauses instead of its real seconds. */
  readonly waitMs?: number;
  /** Milliseconds before every retry instead of the Retry rule's interval. */
  readonly retryMs?: number;
  /** Running executions, shared by runs of the same process (the overlap guard reads it). */
  readonly registry?: ExecutionRegistry;
  /** Called for every history event as it happens (progress output). */
  readonly onEvent?: (event: HistoryEvent, run: RunningExecution) => void;
  /** Environment variables added to every handler (e.g. provider-specific endpoints). */
  readonly environment?: Record<string, string>;
  /** DynamoDB endpoint for the state machine's DynamoDB tasks (tenant job slots), e.g. a dynalite server. */
  readonly dynamoDbEndpoint?: string;
}

/** The executions of this process that are still running, by state machine ARN. */
export class ExecutionRegistry {
  private readonly running = new Map<string, Map<string, number>>();
  /** Start order, for executions started in the same millisecond (Step Functions orders them too). */
  private readonly order = new Map<string, number>();
  private started = 0;

  add(stateMachineArn: string, executionArn: string, startDate: number): void {
    if (!this.running.has(stateMachineArn)) this.running.set(stateMachineArn, new Map());
    this.running.get(stateMachineArn)!.set(executionArn, startDate);
    this.order.set(executionArn, (this.started += 1));
  }

  remove(stateMachineArn: string, executionArn: string): void {
    this.running.get(stateMachineArn)?.delete(executionArn);
    this.order.delete(executionArn);
  }

  /** ListExecutions(StatusFilter: RUNNING), newest first, at most `max` results, as the SDK integration answers (PascalCase). */
  list(stateMachineArn: string, max = 100): Array<{ ExecutionArn: string; StateMachineArn: string; Status: 'RUNNING'; StartDate: string }> {
    return [...(this.running.get(stateMachineArn) ?? new Map<string, number>())]
      .sort((a, b) => b[1] - a[1] || this.order.get(b[0])! - this.order.get(a[0])!)
      .slice(0, max)
      .map(([executionArn, startDate]) => ({ ExecutionArn: executionArn, StateMachineArn: stateMachineArn, Status: 'RUNNING', StartDate: new Date(startDate).toISOString() }));
  }
}

/** A started local execution. */
export interface RunningExecution {
  readonly executionArn: string;
  readonly pipeline: SynthesizedPipeline;
  /** Resolves when the execution ends (never rejects). */
  readonly done: Promise<RunReport>;
  /** Abort, like StopExecution: no further state runs. */
  abort(): void;
  /** Remote jobs that may be running now (ids, or the step of a submit not yet answered): see jobsThatMayRun. */
  jobsMayStillRun(): string[];
}

const defaultRegistry = new ExecutionRegistry();

/** The longest delay Node's setTimeout honours. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type LocalHandler = (event: unknown, context: Context) => Promise<unknown>;
type HandlerModule = { createHandler: (env?: HandlerEnvironment) => LocalHandler };

export function startLocalExecution(options: LocalRunOptions): RunningExecution {
  const { pipeline } = options;
  const registry = options.registry ?? defaultRegistry;
  const executionName = options.executionName ?? `local-${randomUUID()}`;
  const executionArn = `${pipeline.stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
  const input = options.input ?? {};
  const logs: string[] = [];
  const counters = { lambdaInvocations: 0 };
  const metrics: MetricDatum[] = [];

  // aws-local-stepfunctions cannot cancel work in flight: after an abort, or after a failed Map
  // iteration fails the run, other iterations would go on submitting jobs. On AWS no state runs
  // once an execution has ended, so here every task refuses to run from then on.
  const lifecycle = { ended: false };
  const { bindings, invokeFunction, dynamoDbCalls, handlerCalls, tasks, stopsAcknowledged } = taskBindings(options, registry, counters, metrics, lifecycle);
  const overrides = timingOverrides(pipeline, options);
  const machine = stateMachineOf(pipeline);
  const startDate = Date.now();
  registry.add(pipeline.stateMachineArn, executionArn, startDate);
  const restoreSink = captureLogs(logs);

  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: bindings as never, ...overrides },
    noThrowOnAbort: true,
    context: {
      Execution: { Id: executionArn, Name: executionName, StartTime: new Date(startDate).toISOString(), Input: input as never },
      StateMachine: { Id: pipeline.stateMachineArn, Name: pipeline.stateMachineName },
      // aws-local-stepfunctions has no `$$.State`; the context object is read when a state's
      // parameters and result selector are evaluated, i.e. as the state runs, so "now" stands in.
      // One object serves every state: the Lambda binding, keyed by state name, puts the real
      // name into the task context (withStateName).
      State: {
        get EnteredTime() {
          return new Date().toISOString();
        },
        Name: LOCAL_STATE_NAME,
      },
    },
  });

  const running: RunningExecution = {
    executionArn,
    pipeline,
    abort: () => {
      lifecycle.ended = true;
      execution.abort();
    },
    jobsMayStillRun: () => jobsThatMayRun(history, tasks, stopsAcknowledged),
    done: undefined as unknown as Promise<RunReport>,
  };
  const history: HistoryEvent[] = [];
  const roles = stateRoles(pipeline.jobs);
  const withItem = iterationItems();
  const consumeEvents = (async () => {
    for await (const event of execution.eventLogs) {
      const role = 'state' in event ? roles.get(event.state.name) : undefined;
      const entry = withItem({ ...(structuredClone(event) as HistoryEvent), ...(role ? { role } : {}) });
      history.push(entry);
      options.onEvent?.(entry, running);
    }
  })();

  (running as { done: Promise<RunReport> }).done = (async (): Promise<RunReport> => {
    let output: unknown;
    try {
      output = await execution.result;
    } catch {
      // The failure is read from the ExecutionFailed/ExecutionTimeout event below.
    }
    lifecycle.ended = true;
    await consumeEvents.catch(() => undefined);
    await handlerCalls.settled();
    registry.remove(pipeline.stateMachineArn, executionArn);
    const report = buildReport(pipeline, executionArn, output, history, logs, counters.lambdaInvocations);
    // The deployed EventBridge rules' functions, with local clients (./end-of-run.ts): an early
    // end stops what the run left running and releases its tenant job slots; a success publishes
    // its job durations.
    await dynamoDbCalls.settled();
    const ended: EndedExecution = {
      pipeline,
      executionArn,
      status: report.status,
      output,
      history: () => awsExecutionHistory(history, tasks, executionArn),
      registry,
      invoke: invokeFunction,
      dynamoDbEndpoint: options.dynamoDbEndpoint,
    };
    let cleanup: CleanupReport = { stopped: [], failed: [], ...(pipeline.slotPool ? { releasedSlots: [], slotsNotReleased: [] } : {}) };
    if (report.status !== 'SUCCEEDED') {
      const { stoppedInFlight, ...stops } = await cleanUpEarlyEnd(ended);
      cleanup = stops;
      nameInFlightJobs(stoppedInFlight, history, report.steps);
    }
    if (report.status === 'SUCCEEDED' && !report.skipped) metrics.push(...(await publishRunMetrics(ended)));
    // The cleanup's own stop calls log too: only now has every invocation settled.
    await handlerCalls.settled();
    restoreSink();
    return { ...report, cleanup, metrics };
  })();
  return running;
}

// Validating a definition (paths, ARNs) takes most of a second for a large one: once per
// pipeline, not per execution (a StateMachine runs any number of executions).
const machines = new WeakMap<SynthesizedPipeline, StateMachine>();
function stateMachineOf(pipeline: SynthesizedPipeline): StateMachine {
  let machine = machines.get(pipeline);
  if (!machine) {
    const definition = structuredClone(pipeline.definition);
    // The library times executions with one setTimeout, which fires at once beyond 2^31 ms (24.8
    // days): a longer timeout (long polling and slot wait budgets) is as good as none locally.
    if (definition.TimeoutSeconds !== undefined && definition.TimeoutSeconds * 1000 > MAX_TIMER_MS) delete definition.TimeoutSeconds;
    machine = new StateMachine(definition as unknown as StateMachineDefinition, { validationOptions: { checkPaths: true, checkArn: true } });
    machines.set(pipeline, machine);
  }
  return machine;
}

/** Run to the end. */
export function runLocalExecution(options: LocalRunOptions): Promise<RunReport> {
  return startLocalExecution(options).done;
}

function taskBindings(
  options: LocalRunOptions,
  registry: ExecutionRegistry,
  counters: { lambdaInvocations: number },
  metrics: MetricDatum[],
  lifecycle: { readonly ended: boolean },
) {
  const { pipeline } = options;
  const handlers = new Map<string, Promise<LocalHandler>>();
  const handlerFor = (functionArn: string): Promise<LocalHandler> => {
    let handler = handlers.get(functionArn);
    if (!handler) {
      const fn = pipeline.functions.get(functionArn);
      if (!fn) throw new Error(`no Lambda function ${functionArn} in the template`);
      const environment: HandlerEnvironment = {
        ...fn.environment,
        ...options.environment,
        ...(options.baseUrl ? { BASE_URL: options.baseUrl } : {}),
        SECRETS_MANAGER_ENDPOINT: options.secretsEndpoint,
        ...(pipeline.localObjects.size > 0 ? { LOCAL_OBJECTS: JSON.stringify(Object.fromEntries(pipeline.localObjects)) } : {}),
      };
      handler = (import(new URL(`../../lambdas/${fn.handlerId}.ts`, import.meta.url).href) as Promise<HandlerModule>).then((m) => m.createHandler(environment));
      handlers.set(functionArn, handler);
    }
    return handler;
  };

  /** Invoke a function of the template in-process, as Lambda would (errors shaped like Lambda's). */
  // Handlers still running when the execution ends (the other iterations of a Map after one
  // failed) go on logging: the run waits for them, so their lines stay in its log, never on stdout.
  const invocations = new Set<Promise<unknown>>();
  // Jobs whose stop call (made by the cleanup, after the end) answered: no longer running.
  const stopsAcknowledged = new Set<string>();
  const handlerCalls = { settled: () => Promise.allSettled([...invocations]) };
  const invokeFunction = (functionArn: string, payload: unknown): Promise<unknown> => {
    counters.lambdaInvocations += 1;
    const call = (async () => {
      const handler = await handlerFor(functionArn);
      try {
        const result = await handler(structuredClone(payload), lambdaContext(functionArn));
        const jobId = (payload as { jobId?: unknown } | null)?.jobId;
        if (lifecycle.ended && typeof jobId === 'string') stopsAcknowledged.add(jobId);
        return result;
      } catch (error) {
        throw asLambdaError(error);
      }
    })();
    invocations.add(call);
    void call.catch(() => undefined).finally(() => invocations.delete(call));
    return call;
  };

  // A slot acquire sent just before the execution ended may land after it: the cleanup waits for
  // DynamoDB calls in flight, or it could read the pool before that slot is taken.
  const inFlight = new Set<Promise<unknown>>();
  // Every Lambda task call, for the history's TaskScheduled/TaskSucceeded/TaskFailed events (the
  // deployed cleaner reads in-flight submits from those).
  const tasks: TaskCall[] = [];
  const dynamoDbCalls = { settled: () => Promise.allSettled([...inFlight]) };
  const bindings: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, state] of allStates(pipeline.definition)) {
    if (state.Type !== 'Task') continue;
    const resource = String(state.Resource);
    if (resource.endsWith(':states:::lambda:invoke')) {
      bindings[name] = async (input) => {
        const { FunctionName } = input as { FunctionName: string };
        const Payload = withStateName((input as { Payload: unknown }).Payload, name);
        const call: TaskCall = { state: name, parameters: structuredClone({ ...(input as object), Payload }), scheduledAt: Date.now() };
        tasks.push(call);
        // An answer that comes after the execution ended is never recorded (Step Functions drops
        // it), so the call stays in flight for the cleanup, as in the deployed history.
        try {
          const result = await invokeFunction(FunctionName, Payload);
          if (!lifecycle.ended) call.answer = { at: Date.now(), output: { StatusCode: 200, Payload: result ?? null } };
          return { StatusCode: 200, Payload: result ?? null };
        } catch (error) {
          if (!lifecycle.ended) call.answer = { at: Date.now(), error: (error as Error).name, cause: (error as Error).message };
          throw error;
        }
      };
    } else if (resource.endsWith(':states:::aws-sdk:sfn:listExecutions')) {
      bindings[name] = async (input) => {
        const { StateMachineArn, MaxResults } = input as { StateMachineArn: string; MaxResults?: number };
        return { Executions: registry.list(StateMachineArn, MaxResults ?? 100) };
      };
    } else if (dynamoDbAction(resource)) {
      const call = dynamoDbTask(options.dynamoDbEndpoint, dynamoDbAction(resource)!, name);
      bindings[name] = (input) => {
        const answer = call(input);
        inFlight.add(answer);
        void answer.catch(() => undefined).finally(() => inFlight.delete(answer));
        return answer;
      };
    } else if (resource.endsWith(':states:::aws-sdk:cloudwatch:putMetricData')) {
      bindings[name] = async (input) => {
        const { Namespace, MetricData } = input as { Namespace: string; MetricData: Array<{ MetricName: string; Dimensions?: Array<{ Name: string; Value: string }>; Value: number }> };
        for (const datum of MetricData) {
          metrics.push({ namespace: Namespace, name: datum.MetricName, dimensions: Object.fromEntries((datum.Dimensions ?? []).map((d) => [d.Name, d.Value])), value: datum.Value });
        }
        return {};
      };
    } else {
      // Sent to real AWS by aws-local-stepfunctions otherwise: never from a local run.
      bindings[name] = async () => {
        throw Object.assign(new Error(`no local binding for ${resource} (state '${name}')`), { name: 'States.TaskFailed' });
      };
    }
  }
  const guarded = Object.fromEntries(
    Object.entries(bindings).map(([name, bind]) => [
      name,
      (input: unknown) => {
        if (lifecycle.ended) return Promise.reject(Object.assign(new Error('the execution has ended'), { name: 'States.Runtime' }));
        return bind(input);
      },
    ]),
  );
  return { bindings: guarded, invokeFunction, dynamoDbCalls, handlerCalls, tasks, stopsAcknowledged };
}

/** What `$$.State.Name` reads locally, until the task's binding puts the state's own name in. */
const LOCAL_STATE_NAME = '(local state)';

/** The payload with the state's name in its task context (`$$.State.Name` on AWS). */
function withStateName(payload: unknown, stateName: string): unknown {
  const context = (payload as Record<string, unknown> | null)?.[TASK_CONTEXT_FIELD] as Record<string, unknown> | undefined;
  if (context?.state !== LOCAL_STATE_NAME) return payload;
  return { ...(payload as Record<string, unknown>), [TASK_CONTEXT_FIELD]: { ...context, state: stateName } };
}

/**
 * [in-flight cleanup, #14] A job whose submit was in flight, found and stopped by the cleaner, is
 * shown in the report as its step's job, with its id and STOPPED.
 */
function nameInFlightJobs(stopped: readonly InFlightJob[], history: HistoryEvent[], steps: StepReport[]): void {
  for (const job of stopped) {
    // The Map iteration of the item: the index of the submit state entered with it.
    const submitted = history.find((e) => e.type === 'StateEntered' && (e.state?.input as { item?: unknown } | undefined)?.item === job.item && e.index !== undefined);
    const step = steps.find((s) => s.key === job.jobKey && (job.item === undefined || s.item === submitted?.index));
    if (step) Object.assign(step, { remoteId: job.jobId, finalState: 'STOPPED' });
  }
}

function timingOverrides(pipeline: SynthesizedPipeline, options: LocalRunOptions) {
  const waitTimeOverrides: Record<string, number> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  for (const [name, state] of allStates(pipeline.definition)) {
    if (state.Type === 'Wait' && options.waitMs !== undefined) waitTimeOverrides[name] = options.waitMs;
    if (state.Retry && options.retryMs !== undefined) retryIntervalOverrides[name] = options.retryMs;
  }
  return { waitTimeOverrides, retryIntervalOverrides };
}

/** The error Step Functions sees from a failed Lambda: name = errorType, Cause = JSON. */
function asLambdaError(error: unknown): Error {
  const err = error instanceof Error ? error : new Error(String(error));
  const failure = new Error(JSON.stringify({ errorType: err.name, errorMessage: err.message }));
  failure.name = err.name || 'Error';
  return failure;
}

function lambdaContext(functionArn: string): Context {
  return {
    awsRequestId: randomUUID(),
    functionName: functionArn.split(':').pop()!,
    invokedFunctionArn: functionArn,
    functionVersion: '$LATEST',
    memoryLimitInMB: '256',
    logGroupName: 'local',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

let captures: string[][] = [];
/** Collect handler log lines while at least one run is active (runs may overlap). */
function captureLogs(into: string[]): () => void {
  if (captures.length === 0) {
    const previous = setLogSink((line) => {
      for (const target of captures) target.push(line);
      if (process.env.CONTINUUM_HANDLER_LOGS === 'stderr') process.stderr.write(`${line}\n`);
    });
    restorePrevious = () => setLogSink(previous);
  }
  captures.push(into);
  return () => {
    captures = captures.filter((c) => c !== into);
    if (captures.length === 0) restorePrevious();
  };
}
let restorePrevious: () => void = () => undefined;

function buildReport(
  pipeline: SynthesizedPipeline,
  executionArn: string,
  output: unknown,
  history: HistoryEvent[],
  logs: string[],
  lambdaInvocations: number,
): Omit<RunReport, 'cleanup' | 'metrics'> {
  const last = [...history].reverse().find((e) => e.type.startsWith('Execution') && e.type !== 'ExecutionStarted');
  const status: ExecutionStatus =
    last?.type === 'ExecutionSucceeded' ? 'SUCCEEDED' : last?.type === 'ExecutionAborted' ? 'ABORTED' : last?.type === 'ExecutionTimeout' ? 'TIMED_OUT' : 'FAILED';
  const skipped = status === 'SUCCEEDED' && (output as { skipped?: boolean } | undefined)?.skipped === true;
  return {
    pipeline: pipeline.config.name,
    executionArn,
    status,
    skipped,
    ...(status === 'FAILED' ? { error: String(last?.Error ?? 'States.Runtime'), cause: causeText(last?.Cause) } : {}),
    ...(status === 'TIMED_OUT' ? { error: 'States.Timeout', cause: 'The execution exceeded its TimeoutSeconds' } : {}),
    output: status === 'SUCCEEDED' ? output : undefined,
    steps: stepsOf(pipeline, history),
    stateTransitions: history.filter((e) => e.type === 'StateEntered').length,
    lambdaInvocations,
    history,
    logs,
  };
}

/** Lambda failures carry `{errorType, errorMessage}` JSON as their cause: show the message. */
export function causeText(cause: unknown): string {
  if (typeof cause !== 'string') return cause === undefined ? '' : JSON.stringify(cause);
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // plain text cause
  }
  return cause;
}

/** Follow each job through the history by its state names (from the template metadata). */
function stepsOf(pipeline: SynthesizedPipeline, history: HistoryEvent[]): StepReport[] {
  const steps = new Map<string, StepReport>();
  const byState = new Map<string, { job: SynthesizedPipeline['jobs'][number]; role: StateRole }>();
  for (const job of pipeline.jobs) {
    for (const [role, name] of Object.entries(job.states) as Array<[StateRole, string | undefined]>) if (name) byState.set(name, { job, role });
  }
  for (const event of history) {
    // A run started at a later step (fromStep): the steps before it are recorded as skipped.
    if (event.type === 'StateExited' && event.state?.type === 'Pass') {
      for (const key of skippedByFromStep(event.state)) {
        const job = pipeline.jobs.find((j) => j.key === key);
        if (job && !steps.has(`${key}#`)) steps.set(`${key}#`, { name: job.title, key, remoteId: null, finalState: 'SKIPPED', polls: 0 });
      }
    }
    const match = event.state && byState.get(event.state.name);
    if (!match) continue;
    const { job, role } = match;
    const id = `${job.key}#${event.index ?? ''}`;
    let step = steps.get(id);
    if (!step) {
      if (role !== 'submit' && role !== 'skipped' && role !== 'findExisting' && role !== 'acquireSlot') continue;
      const label = iterationItem(event);
      step = { name: job.title, key: job.key, ...(event.index !== undefined ? { item: event.index, ...(label !== undefined ? { itemLabel: label } : {}) } : {}), remoteId: null, finalState: 'NOT_STARTED', polls: 0 };
      steps.set(id, step);
    }
    const data = (event.type === 'StateExited' ? event.state!.output : event.state!.input) as
      | { job?: { id?: string | null; status?: { state?: string }; poll?: { count?: number } } }
      | undefined;
    if (event.type === 'StateFailed' && (role === 'submit' || role === 'status')) {
      step.finalState = 'REQUEST_FAILED';
      continue;
    }
    if ((role === 'skipped' || role === 'skippedExisting') && event.type === 'StateEntered') step.finalState = 'SKIPPED';
    if (role === 'conflict' && event.type === 'StateEntered') step.finalState = 'CONFLICT';
    // An attach after a lost answer may take a job already DONE: no status check follows it.
    const carriesJob = role === 'submit' || role === 'status' || role === 'trackId' || role === 'attached' || role === 'attachedLostSubmit';
    if (data?.job && carriesJob && event.type === 'StateExited') {
      step.remoteId = data.job.id ?? step.remoteId;
      step.finalState = data.job.status?.state ?? step.finalState;
      step.polls = data.job.poll?.count ?? step.polls;
    }
    if (role === 'timedOut' && event.type === 'StateEntered') step.finalState = 'TIMED_OUT';
    if (role === 'slotWaitTimedOut' && event.type === 'StateEntered') step.finalState = 'SLOT_WAIT_TIMED_OUT';
    if (role === 'requestFailed' && event.type === 'StateEntered') step.finalState = 'REQUEST_FAILED';
  }
  return [...steps.values()];
}
