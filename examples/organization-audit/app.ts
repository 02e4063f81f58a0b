/**
 * The organization audit: the registry report as a service in the security account.
 *
 * - `SecurityAudit` (the security account, a delegated administrator): a `RegistryAudit` that reads
 *   every ACTIVE account of the organization in two regions every night, writes the reports to its
 *   bucket and the findings to each member account's Security Hub, and alarms on registries not read;
 * - in the same stack, a service-managed StackSet that puts the audit's member role into every
 *   account of the target OUs (the role trusts only the audit's worker role; IAM is global, so one
 *   region).
 *
 * Run: npx cdk synth --app "tsx --tsconfig tsconfig.dev.json examples/organization-audit/app.ts"
 * Run an audit now (after deploy): aws stepfunctions start-execution --state-machine-arn <StateMachineArn output>
 */
import { App, CfnOutput, CfnStackSet, Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { RegistryAudit } from 'cdk-ecr-registry';

/** The security account: a delegated administrator of CloudFormation StackSets and Security Hub. */
export const SECURITY_ACCOUNT = '444455556666';
export const HOME_REGION = 'eu-west-1';
/** The regions whose registries are read in every account. */
export const AUDITED_REGIONS = ['eu-west-1', 'us-east-1'];
/** The organizational units whose accounts get the member role. */
export const TARGET_OUS = ['ou-ab12-workloads1', 'ou-ab12-platform01'];

export class SecurityAuditStack extends Stack {
  public readonly audit: RegistryAudit;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    this.audit = new RegistryAudit(this, 'RegistryAudit', {
      regions: AUDITED_REGIONS,
      // Every night at 02:00 UTC.
      schedule: scheduler.ScheduleExpression.cron({ minute: '0', hour: '2' }),
      maxConcurrency: 20,
      retention: Duration.days(400),
    });

    new CfnStackSet(this, 'AuditMemberRole', {
      stackSetName: 'ecr-registry-audit-member-role',
      description: 'The role the cdk-ecr-registry organization audit assumes in each account (docs/audit.md)',
      permissionModel: 'SERVICE_MANAGED',
      callAs: 'DELEGATED_ADMIN',
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      managedExecution: { Active: true },
      operationPreferences: { failureTolerancePercentage: 10, maxConcurrentPercentage: 25 },
      capabilities: ['CAPABILITY_NAMED_IAM'],
      stackInstancesGroup: [{ deploymentTargets: { organizationalUnitIds: TARGET_OUS }, regions: [HOME_REGION] }],
      templateBody: this.audit.memberRoleTemplate(),
    });

    new CfnOutput(this, 'StateMachineArn', { value: this.audit.stateMachine.stateMachineArn, description: 'Start an execution of it to run the audit now' });
    new CfnOutput(this, 'ResultsBucket', { value: this.audit.bucket.bucketName });
  }
}

export function buildApp(app = new App()): App {
  new SecurityAuditStack(app, 'SecurityAudit', {
    env: { account: SECURITY_ACCOUNT, region: HOME_REGION },
    description: 'cdk-ecr-registry example: the organization-wide ECR audit in the security account',
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
