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
import { App, Stack, StackProps, Validations } from 'aws-cdk-lib';
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
      containerInsightsV2: ecs.ContainerInsights.ENHANCED,
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
    });

    // The only cdk-nag finding: pulling from ECR needs ecr:GetAuthorizationToken, an action without
    // resource-level permissions (it must be granted on "*"); the pull actions themselves are scoped
    // to the repository ARN. Acknowledged on the execution role only, for that finding only.
    Validations.of(taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken supports no resource-level permissions, so it is granted on "*"; '
        + 'ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and ecr:BatchCheckLayerAvailability are scoped to payments/api.',
    });

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
