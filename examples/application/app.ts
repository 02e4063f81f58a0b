/**
 * Example: an application team's service on a verified image.
 *
 * The registry account (111111111111, eu-west-1; see examples/platform-registry) owns
 * `payments/api`. The application account (333333333333) imports it by ARN, checks at deploy
 * time that tag `v1.2.3` exists, is not archived and has no CRITICAL findings, and runs a Fargate
 * service on exactly the digest that was checked.
 *
 * Run: npx cdk synth --app "tsx --tsconfig tsconfig.dev.json examples/application/app.ts"
 */
import { App, CfnResource, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ImageCheck, ImageReference, ScanFindingSeverity, VerifiedContainerImage } from 'cdk-ecr-registry';

export const REGISTRY_ACCOUNT = '111111111111';
export const APP_ACCOUNT = '333333333333';
export const REGION = 'eu-west-1';

/** The payments API on Fargate, pinned to a verified digest. */
export class PaymentsServiceStack extends Stack {
  public readonly check: ImageCheck;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    const repository = ecr.Repository.fromRepositoryArn(this, 'ApiRepository',
      `arn:aws:ecr:${REGION}:${REGISTRY_ACCOUNT}:repository/payments/api`);

    // Fails `cdk deploy` early if the tag is missing, archived or has CRITICAL findings.
    this.check = new ImageCheck(this, 'ApiImage', {
      images: [ImageReference.fromTag(repository, 'v1.2.3')],
      failOnSeverity: ScanFindingSeverity.CRITICAL,
    });

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.ALL } },
    });
    const cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', { cpu: 256, memoryLimitMiB: 512 });
    taskDefinition.addContainer('api', {
      // Pull is granted to the task's execution role; the image is <registry>/payments/api@sha256:...
      image: VerifiedContainerImage.fromVerifiedImage(this.check.verifiedImages[0]),
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'api',
        logGroup: new logs.LogGroup(this, 'ApiLogs', { retention: logs.RetentionDays.ONE_YEAR }),
      }),
      portMappings: [{ containerPort: 8080 }],
      // Control Tower CT.ECS.PR: a hard memory limit, a read-only root file system and a non-root user.
      memoryLimitMiB: 512,
      readonlyRootFilesystem: true,
      user: '1000',
    });

    // The only cdk-nag finding: pulling from ECR needs ecr:GetAuthorizationToken, an action without
    // resource-level permissions (it must be granted on "*"); the pull actions themselves are scoped
    // to the repository ARN. Acknowledged on the execution role only, for that finding only.
    Validations.of(taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken supports no resource-level permissions, so it is granted on "*"; '
        + 'ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and ecr:BatchCheckLayerAvailability are scoped to payments/api.',
    });

    acknowledgeExampleFindings(vpc, taskDefinition, this.node.findChild('ApiLogs') as logs.LogGroup);

    new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: 2,
      minHealthyPercent: 100,
      circuitBreaker: { rollback: true },
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });
  }
}

const NAG_PACKS = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];
const LOGS_REASON = 'The example relies on CloudWatch Logs encryption at rest with service keys; a production service '
  + 'handling cardholder or health data would pass its own KMS key to these log groups.';

/** The example's network and logging choices, acknowledged with the reason (they are not about ECR). */
function acknowledgeExampleFindings(vpc: ec2.Vpc, taskDefinition: ecs.FargateTaskDefinition, apiLogs: logs.LogGroup): void {
  const each = (rule: string, reason: string) => NAG_PACKS.map(pack => ({ id: `${pack}-${rule}`, reason }));
  Validations.of(vpc).acknowledge(
    ...each('VPCNoUnrestrictedRouteToIGW', 'The public subnets hold only the NAT gateway, which needs a route to the internet gateway; the tasks run in private subnets.'),
    ...each('VPCSubnetAutoAssignPublicIpDisabled', 'Only the NAT gateway lives in the public subnets; the Fargate tasks run in private subnets without public addresses.'),
    ...each('VPCDefaultSecurityGroupClosed', 'Nothing uses the default security group; closing it needs a custom resource Lambda that this example avoids.'),
    ...each('IAMNoInlinePolicy', 'The flow log role is created by aws-cdk-lib for the flow log alone; its inline policy writes only to the flow log group.'),
    ...each('CloudWatchLogGroupEncrypted', LOGS_REASON),
  );
  Validations.of(taskDefinition.obtainExecutionRole()).acknowledge(...each('IAMNoInlinePolicy',
    'The execution role is created by aws-cdk-lib for this task alone; its inline policy pulls the one image and writes the task logs.'));
  Validations.of(apiLogs).acknowledge(...each('CloudWatchLogGroupEncrypted', LOGS_REASON));

  const logGroups = [apiLogs, vpc.node.findChild('all').node.findChild('LogGroup') as logs.LogGroup];
  for (const group of logGroups) {
    const cfn = group.node.defaultChild as CfnResource;
    cfn.addMetadata('checkov', { skip: [{ id: 'CKV_AWS_158', comment: LOGS_REASON }] });
    cfn.addMetadata('guard', { SuppressedRules: ['cloudwatch_log_group_encrypted_check'], Reasons: { cloudwatch_log_group_encrypted_check: LOGS_REASON } });
  }
  for (const subnet of vpc.publicSubnets) {
    const cfn = subnet.node.defaultChild as CfnResource;
    cfn.addMetadata('guard', {
      SuppressedRules: ['subnet_auto_assign_public_ip_disabled_check'],
      Reasons: { subnet_auto_assign_public_ip_disabled_check: 'Only the NAT gateway lives in the public subnets; the Fargate tasks run in private subnets.' },
    });
  }
}

export function buildApp(app = new App()): App {
  // What `cdk.context.json` would hold after a lookup: synthesizes without credentials.
  const azKey = `availability-zones:account=${APP_ACCOUNT}:region=${REGION}`;
  if (app.node.tryGetContext(azKey) === undefined) {
    app.node.setContext(azKey, [`${REGION}a`, `${REGION}b`, `${REGION}c`]);
  }
  new PaymentsServiceStack(app, 'PaymentsService', {
    env: { account: APP_ACCOUNT, region: REGION },
    description: 'cdk-ecr-registry example: a Fargate service on a verified image digest',
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
