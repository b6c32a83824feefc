/**
 * cdk-nag's AWS Solutions checks on the example app: zero unacknowledged findings, and a
 * deliberate violation next to it is caught (so the check itself is known to run).
 */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app';

function synthWithChecks(addViolation = false): string | undefined {
  const { app, stack } = buildApp({ config: 'pipelines.yaml', bundle: false });
  if (addViolation) {
    new iam.Role(stack, 'TooBroad', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AdministratorAccess')],
    });
  }
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('cdk-nag AwsSolutionsChecks', () => {
  it('finds nothing unacknowledged in the example app', () => {
    expect(synthWithChecks()).toBeUndefined();
  });

  it('fails synth on a violation added to the same stack', () => {
    const report = synthWithChecks(true);
    expect(report).toContain('AwsSolutions-IAM4');
    expect(report).toContain('TooBroad');
  });
});
