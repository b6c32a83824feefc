/**
 * A bucket an s3 trigger names with `create: true`: the stack creates it with EventBridge
 * notifications on, so its "Object Created" events reach the trigger's rule. EventBridge is turned
 * on in the bucket's own CloudFormation properties (NotificationConfiguration), not through
 * CDK's `eventBridgeEnabled`, which adds a custom-resource Lambda to the stack to do the same.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface LandingBucketProps {
  readonly bucketName: string;
  /** The pipeline whose trigger asked for it, named in the findings' reasons. */
  readonly pipelineName: string;
}

export class LandingBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: LandingBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // A key written again is a new version, so a new run (its name carries the version id).
      versioned: true,
      // Landed files are the upstream's data: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.bucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: `Landing bucket of pipeline '${props.pipelineName}': each object created is an EventBridge event and a named execution; server access logs need a log bucket the account chooses.`,
    });
  }
}
