/**
 * Event-driven runs: one EventBridge rule per trigger of a pipeline, each sending the event to the
 * stack's run starter (lambdas/triggers/start-run.ts), which starts the pipeline's state machine
 * with an execution name derived from the event, so a duplicate delivery runs nothing twice.
 *
 * - `s3`: the bucket's "Object Created" events (the bucket must send events to EventBridge), for
 *   keys under the prefix (and with the suffix). The run's input names the object as `records`.
 * - `event`: any EventBridge event of that source (and detail type); its detail is the input.
 */
import { fileURLToPath } from 'node:url';
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { Trigger } from '../config/triggers';
import type { FailedDeliveries } from './failed-deliveries';
import { bundledFunction } from './handler-functions';
import { LandingBucket } from './landing-bucket';

export interface RunStarterProps {
  /** Where the starter's failed invocations and the events its rules could not deliver go (alarmed). */
  readonly failedDeliveries: FailedDeliveries;
}

/** The stack's one function that starts triggered runs. */
export class RunStarter extends Construct {
  readonly function: NodejsFunction;
  readonly failedDeliveries: FailedDeliveries;

  constructor(scope: Construct, id: string, props: RunStarterProps) {
    super(scope, id);
    this.failedDeliveries = props.failedDeliveries;
    this.function = bundledFunction(this, 'StartRun', {
      description: 'Continuum: starts a pipeline run for each trigger event, named after the event so a duplicate delivery starts nothing',
      entry: fileURLToPath(new URL('../../lambdas/triggers/start-run.ts', import.meta.url)),
      timeout: Duration.seconds(30),
    });
    // A start that keeps failing (throttled, permission missing) must not drop the file's run silently.
    props.failedDeliveries.catchFailuresOf(this.function, { retryAttempts: 2 });
  }
}

export interface PipelineTriggersProps {
  readonly pipelineName: string;
  readonly stateMachine: sfn.IStateMachine;
  readonly triggers: readonly Trigger[];
  readonly starter: RunStarter;
}

export class PipelineTriggers extends Construct {
  readonly rules: readonly events.Rule[];
  /** The buckets its s3 triggers asked the stack to create (`create: true`). */
  readonly buckets: readonly LandingBucket[];

  constructor(scope: Construct, id: string, props: PipelineTriggersProps) {
    super(scope, id);
    if (props.triggers.length === 0) throw new Error(`PipelineTriggers '${props.pipelineName}': no triggers`);
    props.stateMachine.grantStartExecution(props.starter.function);
    this.buckets = props.triggers.flatMap((trigger, i) =>
      's3' in trigger && trigger.s3.create ? [new LandingBucket(this, `Bucket${i + 1}`, { bucketName: trigger.s3.bucket, pipelineName: props.pipelineName })] : [],
    );
    this.rules = props.triggers.map(
      (trigger, i) =>
        new events.Rule(this, `Trigger${i + 1}`, {
          description: `Continuum: starts pipeline '${props.pipelineName}' on ${describeTrigger(trigger)}`.slice(0, 512),
          eventPattern: triggerPattern(trigger),
          targets: [
            new eventTargets.LambdaFunction(props.starter.function, {
              event: events.RuleTargetInput.fromObject({ stateMachineArn: props.stateMachine.stateMachineArn, pipeline: props.pipelineName, event: events.EventField.fromPath('$') }),
              retryAttempts: 8,
              maxEventAge: Duration.hours(6),
              deadLetterQueue: props.starter.failedDeliveries.queue,
            }),
          ],
        }),
    );
  }
}

/** The rule's pattern: S3 object keys by prefix (and suffix, as one wildcard), or an event's source and detail type. */
export function triggerPattern(trigger: Trigger): events.EventPattern {
  if ('s3' in trigger) {
    const { bucket, prefix, suffix } = trigger.s3;
    // Prefix and suffix on one field must be one matcher: a wildcard (its `*` and `\` escaped).
    const escape = (text: string) => text.replace(/[\\*]/g, (c) => `\\${c}`);
    const key = suffix ? [{ wildcard: `${escape(prefix)}*${escape(suffix)}` }] : prefix ? [{ prefix }] : undefined;
    return {
      source: ['aws.s3'],
      detailType: ['Object Created'],
      detail: { bucket: { name: [bucket] }, ...(key ? { object: { key } } : {}) },
    };
  }
  return { source: [trigger.event.source], ...(trigger.event.detailType ? { detailType: [trigger.event.detailType] } : {}) };
}

export function describeTrigger(trigger: Trigger): string {
  if ('s3' in trigger) return `objects created in s3://${trigger.s3.bucket}/${trigger.s3.prefix}*${trigger.s3.suffix ?? ''}`;
  return `events from ${trigger.event.source}${trigger.event.detailType ? ` (${trigger.event.detailType})` : ''}`;
}
