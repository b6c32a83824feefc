/**
 * Every Lambda task of a pipeline is built here, so each one retries the same Lambda service
 * errors: the four CDK's LambdaInvoke retries by default, plus `Lambda.TooManyRequestsException`
 * (account- or function-level throttling, common when many pipelines start at the same hour),
 * which CDK's default leaves out and which would otherwise fail the step.
 */
import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/** Errors of the Lambda service itself (not of the handler): safe to retry, nothing ran or it failed before the handler answered. */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/**
 * The retry of Lambda service errors: CDK's own (2 s, 6 attempts, doubling), capped at a minute
 * and fully jittered so throttled tasks of many runs do not come back in step.
 */
export const LAMBDA_SERVICE_RETRY: sfn.RetryProps = {
  errors: [...LAMBDA_SERVICE_ERRORS],
  interval: Duration.seconds(2),
  maxAttempts: 6,
  backoffRate: 2,
  maxDelay: Duration.minutes(1),
  jitterStrategy: sfn.JitterType.FULL,
};

/** A LambdaInvoke whose first Retry is LAMBDA_SERVICE_RETRY (instead of CDK's default one). */
export function lambdaTask(scope: Construct, id: string, props: tasks.LambdaInvokeProps): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, { ...props, retryOnServiceExceptions: false });
  task.addRetry(LAMBDA_SERVICE_RETRY);
  return task;
}
