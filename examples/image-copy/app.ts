/**
 * Example: an image built by CDK, copied into a governed repository, run on ECS and Lambda by digest.
 *
 * A `DockerImageAsset` lands in the CDK bootstrap asset repository, where none of the registry's
 * settings apply (lifecycle, scanning, KMS, access, in-use protection). `ImageCopy` copies it at
 * deploy time, by digest and without Docker, into `apps/hello`, a `PrivateRepository` with the
 * library's defaults; an `ImageCheck` verifies the copy (scan gate, in-use protection) and pins a
 * Fargate service and a Lambda function to the copy's digest. Neither refers to the asset repository.
 *
 * Run: npx cdk synth --app "tsx --tsconfig tsconfig.dev.json examples/image-copy/app.ts"
 */
import * as path from 'path';
import { App, CfnResource, Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  ImageCheck, ImageCopy, ImageCopySource, PrivateRepository, ScanFindingSeverity, VerifiedContainerImage,
} from 'cdk-ecr-registry';

export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';

/** The image, copied into a governed repository and run by digest. */
export class HelloStack extends Stack {
  public readonly copy: ImageCopy;
  public readonly check: ImageCheck;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    const key = new kms.Key(this, 'RepositoryKey', { enableKeyRotation: true, description: 'apps/hello images' });
    // Control Tower CT.KMS.PR.3: only AWS services (here ECR, for the repository it encrypts) may create grants.
    key.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'GrantsOnlyForAwsServices',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    }));
    // IMMUTABLE tags, scan on push, KMS, the lifecycle policy with the in-use protection rule first.
    const repository = new PrivateRepository(this, 'Repository', { repositoryName: 'apps/hello', encryptionKey: key });

    // Built and published by `cdk deploy` (synth does not run Docker).
    const asset = new ecrAssets.DockerImageAsset(this, 'Image', {
      directory: path.join(__dirname, 'image'),
      platform: ecrAssets.Platform.LINUX_ARM64,
    });

    // Copied by digest, at deploy time, into the governed repository.
    this.copy = new ImageCopy(this, 'Copy', {
      source: ImageCopySource.fromDockerImageAsset(asset),
      destination: repository,
    });

    // The scan runs on the copy (scan on push); the copy is tagged in use while this stack runs it.
    this.check = new ImageCheck(this, 'Verified', {
      images: [this.copy.toImageReference()],
      failOnSeverity: ScanFindingSeverity.HIGH,
      protectInUse: true,
    });
    const image = this.check.verifiedImage(this.copy.toImageReference());

    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.ALL } },
    });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });
    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: 256,
      memoryLimitMiB: 512,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    const workerLogs = new logs.LogGroup(this, 'WorkerLogs', { retention: logs.RetentionDays.ONE_YEAR });
    taskDefinition.addContainer('worker', {
      // <account>.dkr.ecr.eu-west-1.amazonaws.com/apps/hello@sha256:... (the copy's digest, verified)
      image: VerifiedContainerImage.fromVerifiedImage(image),
      entryPoint: ['node'],
      command: ['/var/task/worker.mjs'],
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'worker', logGroup: workerLogs }),
      memoryLimitMiB: 512,
      readonlyRootFilesystem: true,
      user: '1000',
    });
    new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition,
      desiredCount: 1,
      minHealthyPercent: 100,
      circuitBreaker: { rollback: true },
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
    });

    const functionLogs = new logs.LogGroup(this, 'FunctionLogs', { retention: logs.RetentionDays.ONE_YEAR });
    const functionRole = new iam.Role(this, 'FunctionRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    functionRole.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [functionLogs.logGroupArn],
    }));
    const fn = new lambda.DockerImageFunction(this, 'Function', {
      // The Lambda service pulls the copy's digest (a repository policy statement conditioned on this account).
      code: image.lambdaCode(),
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
      role: functionRole,
      logGroup: functionLogs,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      reservedConcurrentExecutions: 5,
    });

    acknowledgeExampleFindings(vpc, taskDefinition, fn, [workerLogs, functionLogs]);
  }
}

const NAG_PACKS = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];
const LOGS_REASON = 'The example relies on CloudWatch Logs encryption at rest with service keys; a production service '
  + 'handling cardholder or health data would pass its own KMS key to these log groups.';

/** The example's network, logging and function choices, acknowledged with the reason (they are not about ECR). */
function acknowledgeExampleFindings(vpc: ec2.Vpc, taskDefinition: ecs.FargateTaskDefinition, fn: lambda.Function, logGroups: logs.LogGroup[]): void {
  const each = (rule: string, reason: string) => NAG_PACKS.map(pack => ({ id: `${pack}-${rule}`, reason }));
  Validations.of(vpc).acknowledge(
    ...each('VPCNoUnrestrictedRouteToIGW', 'The public subnets hold only the NAT gateway, which needs a route to the internet gateway; the tasks run in private subnets.'),
    ...each('VPCSubnetAutoAssignPublicIpDisabled', 'Only the NAT gateway lives in the public subnets; the Fargate tasks and the function run in private subnets without public addresses.'),
    ...each('VPCDefaultSecurityGroupClosed', 'Nothing uses the default security group; closing it needs a custom resource Lambda that this example avoids.'),
    ...each('IAMNoInlinePolicy', 'The flow log role is created by aws-cdk-lib for the flow log alone; its inline policy writes only to the flow log group.'),
    ...each('CloudWatchLogGroupEncrypted', LOGS_REASON),
  );
  const executionRole = taskDefinition.obtainExecutionRole();
  Validations.of(executionRole).acknowledge(...each('IAMNoInlinePolicy',
    'The execution role is created by aws-cdk-lib for this task alone; its inline policy pulls the one image and writes the task logs.'));
  // Pulling from ECR needs ecr:GetAuthorizationToken, which has no resource-level permissions.
  Validations.of(executionRole).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'ecr:GetAuthorizationToken supports no resource-level permissions, so it is granted on "*"; '
      + 'ecr:BatchGetImage, ecr:GetDownloadUrlForLayer and ecr:BatchCheckLayerAvailability are scoped to apps/hello.',
  });
  const DLQ_REASON = 'The example function is invoked synchronously (a test invoke); a dead-letter queue receives only failed asynchronous invocations.';
  Validations.of(fn).acknowledge(...each('LambdaDLQ', DLQ_REASON));
  (fn.node.defaultChild as CfnResource).addMetadata('checkov', { skip: [{ id: 'CKV_AWS_116', comment: DLQ_REASON }] });
  Validations.of(fn.role!).acknowledge(...each('IAMNoInlinePolicy',
    'The function role belongs to this function alone; its inline policy writes to its own log group and manages its network interfaces.'));
  for (const group of [...logGroups, vpc.node.findChild('all').node.findChild('LogGroup') as logs.LogGroup]) {
    Validations.of(group).acknowledge(...each('CloudWatchLogGroupEncrypted', LOGS_REASON));
    const cfn = group.node.defaultChild as CfnResource;
    cfn.addMetadata('checkov', { skip: [{ id: 'CKV_AWS_158', comment: LOGS_REASON }] });
    cfn.addMetadata('guard', { SuppressedRules: ['cloudwatch_log_group_encrypted_check'], Reasons: { cloudwatch_log_group_encrypted_check: LOGS_REASON } });
  }
  for (const subnet of vpc.publicSubnets) {
    const cfn = subnet.node.defaultChild as CfnResource;
    cfn.addMetadata('guard', {
      SuppressedRules: ['subnet_auto_assign_public_ip_disabled_check'],
      Reasons: { subnet_auto_assign_public_ip_disabled_check: 'Only the NAT gateway lives in the public subnets; the tasks and the function run in private subnets.' },
    });
  }
}

export function buildApp(app = new App()): App {
  // What `cdk.context.json` would hold after a lookup: synthesizes without credentials.
  const azKey = `availability-zones:account=${ACCOUNT}:region=${REGION}`;
  if (app.node.tryGetContext(azKey) === undefined) {
    app.node.setContext(azKey, [`${REGION}a`, `${REGION}b`, `${REGION}c`]);
  }
  new HelloStack(app, 'Hello', {
    env: { account: ACCOUNT, region: REGION },
    description: 'cdk-ecr-registry example: a CDK-built image copied into a governed repository, run on ECS and Lambda by digest',
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
