/**
 * The AWS clients of the operate commands (status, start, pause, resume, history, logs, rerun).
 * Standard credential chain; `--region` and `--profile` as the `aws` CLI takes them;
 * `AWS_ENDPOINT_URL` (or a service's own `AWS_ENDPOINT_URL_<SERVICE>`) is honoured by the SDK itself,
 * which is how the tests point them at a local moto server.
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SFNClient } from '@aws-sdk/client-sfn';

export interface AwsOptions {
  /** Region of the deployed stacks. @default the SDK's (AWS_REGION, the profile's region) */
  readonly region?: string;
  /** Named profile of the shared config and credentials files. @default AWS_PROFILE or `default` */
  readonly profile?: string;
}

export interface AwsClients {
  readonly sfn: SFNClient;
  readonly scheduler: SchedulerClient;
  readonly logs: CloudWatchLogsClient;
  readonly region: () => Promise<string>;
}

export function awsClients(options: AwsOptions = {}): AwsClients {
  const config = { ...(options.region ? { region: options.region } : {}), ...(options.profile ? { profile: options.profile } : {}), maxAttempts: 5 };
  const sfn = new SFNClient(config);
  return {
    sfn,
    scheduler: new SchedulerClient(config),
    logs: new CloudWatchLogsClient(config),
    region: () => sfn.config.region(),
  };
}

/** The Step Functions console page of a state machine or an execution. */
export function consoleUrl(region: string, arn: string): string {
  const page = arn.includes(':execution:') ? 'executions/details' : 'statemachines/view';
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/${page}/${arn}`;
}
