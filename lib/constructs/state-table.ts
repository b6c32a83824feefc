/**
 * A small DynamoDB table of the stack's own bookkeeping (tenant job slots, step durations):
 * keyed by one string, with what its readers find it by in its template metadata.
 */
import { RemovalPolicy, type CfnResource } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

export interface StateTableProps {
  /** The partition key's attribute name (a string). */
  readonly key: string;
  /** Template metadata under which local runs and tools find the table. */
  readonly metadata: { readonly name: string; readonly value: unknown };
}

export function stateTable(scope: Construct, props: StateTableProps): dynamodb.Table {
  const table = new dynamodb.Table(scope, 'Table', {
    partitionKey: { name: props.key, type: dynamodb.AttributeType.STRING },
    // A few requests per job: on demand costs cents and never throttles a burst of submits.
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    // Bookkeeping of runs only (slots of running executions, measured durations): deleting the
    // stack ends its executions, losing durations costs a few runs on the adaptive schedule, and a
    // retained table would be an orphan that a redeploy does not reuse.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  (table.node.defaultChild as CfnResource).addMetadata(props.metadata.name, props.metadata.value);
  return table;
}
