/**
 * The AWS calls the end-of-run functions (execution cleanup, run metrics) make, as the narrow
 * interfaces they depend on. A deployed function gets the SDK clients; the local runner passes
 * its own (lib/local/end-of-run-clients.ts: its history, in-process handlers), so a local run
 * exercises the deployed code instead of a twin of it.
 */
import type { PutMetricDataCommand, PutMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import type { InvokeCommand, InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { GetExecutionHistoryCommand, GetExecutionHistoryCommandOutput, ListExecutionsCommand, ListExecutionsCommandOutput } from '@aws-sdk/client-sfn';

/** Reads an execution's history (GetExecutionHistory, paged). */
export interface ExecutionHistoryReader {
  send(command: GetExecutionHistoryCommand): Promise<GetExecutionHistoryCommandOutput>;
}

/** Reads histories and lists a state machine's running executions. */
export interface StepFunctionsReader extends ExecutionHistoryReader {
  send(command: GetExecutionHistoryCommand): Promise<GetExecutionHistoryCommandOutput>;
  send(command: ListExecutionsCommand): Promise<ListExecutionsCommandOutput>;
}

/** Invokes a function (Lambda Invoke, RequestResponse). */
export interface FunctionInvoker {
  send(command: InvokeCommand): Promise<InvokeCommandOutput>;
}

/** Puts metric data (CloudWatch PutMetricData). */
export interface MetricPublisher {
  send(command: PutMetricDataCommand): Promise<PutMetricDataCommandOutput>;
}
