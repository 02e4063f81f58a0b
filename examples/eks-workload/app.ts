/**
 * Example: an EKS workload on a verified image.
 *
 * The platform's existing EKS cluster (imported) runs the payments worker from the registry
 * account's `payments/worker` repository. The deployment checks that the image exists, pins the
 * Kubernetes Deployment to the verified digest, and lets the nodes pull it.
 *
 * Run: npx cdk synth --app "tsx --tsconfig tsconfig.dev.json examples/eks-workload/app.ts"
 */
import { KubectlV33Layer } from '@aws-cdk/lambda-layer-kubectl-v33';
import { App, CfnElement, CfnResource, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EksImageAccess, ImageCheck, ImageReference } from 'cdk-ecr-registry';

export const REGISTRY_ACCOUNT = '111111111111';
export const APP_ACCOUNT = '333333333333';
export const REGION = 'eu-west-1';

/** The payments worker on an existing EKS cluster, pinned to a verified digest. */
export class PaymentsWorkerStack extends Stack {
  public readonly check: ImageCheck;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);

    const repository = ecr.Repository.fromRepositoryArn(this, 'WorkerRepository',
      `arn:aws:ecr:${REGION}:${REGISTRY_ACCOUNT}:repository/payments/worker`);
    this.check = new ImageCheck(this, 'WorkerImage', {
      images: [ImageReference.fromTag(repository, '2025.11.3')],
    });
    const worker = this.check.verifiedImages[0];

    const cluster = eks.Cluster.fromClusterAttributes(this, 'Cluster', {
      clusterName: 'platform',
      kubectlRoleArn: `arn:aws:iam::${APP_ACCOUNT}:role/platform-kubectl`,
      kubectlLayer: new KubectlV33Layer(this, 'Kubectl'),
    });

    // Kubelet pulls with the node role (not the pod's service account).
    const nodeRole = iam.Role.fromRoleName(this, 'NodeRole', 'platform-nodes', { mutable: true });
    EksImageAccess.grantTo(nodeRole, worker);
    Validations.of(nodeRole).acknowledge(...NAG_PACKS.map(pack => ({
      id: `${pack}-IAMNoInlinePolicy`,
      reason: 'The node role belongs to the platform team and is imported; this stack adds one inline policy with the pull grant '
        + 'for payments/worker, which is created and deleted with this stack rather than shared as a managed policy.',
    })), {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken supports no resource-level permissions, so it is granted on "*"; '
        + 'the pull actions are scoped to payments/worker.',
    });

    const manifest = cluster.addManifest('Worker', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'payments-worker', namespace: 'payments' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'payments-worker' } },
        template: {
          metadata: { labels: { app: 'payments-worker' } },
          // image: <registry>.dkr.ecr.eu-west-1.amazonaws.com/payments/worker@sha256:...
          spec: { containers: [EksImageAccess.container('worker', worker)] },
        },
      },
    });

    // The cluster has x86 and Graviton node groups: the check fails the deployment, before the
    // manifest is applied, unless the image has both platforms.
    EksImageAccess.requireNodePlatforms({ workload: manifest, nodePlatforms: ['linux/amd64', 'linux/arm64'] }, worker);

    // aws-cdk-lib's kubectl provider (a nested stack applying the manifest), not ours: its findings
    // cannot be fixed from here. Each one acknowledged on that provider only, with why.
    const kubectl = eks.KubectlProvider.getOrCreate(this, cluster) as unknown as Construct;
    // Logical ids inside aws-cdk-lib's provider, as cdk-nag names them (they vary across aws-cdk-lib versions).
    const kubectlHandler = kubectl.node.findChild('Handler');
    const handlerId = Stack.of(kubectlHandler).getLogicalId(kubectlHandler.node.defaultChild as CfnElement);
    const ecrPublicCondition = Stack.of(kubectlHandler).getLogicalId(kubectlHandler.node.findChild('HasEcrPublic') as CfnElement);
    const handlerPolicy = (name: string) => `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${name}]`;
    const acks: Array<[string, string]> = [
      [handlerPolicy('service-role/AWSLambdaBasicExecutionRole'),
        'aws-cdk-lib kubectl provider: its handler and provider functions log with the AWS managed basic execution policy (not configurable).'],
      [handlerPolicy('AmazonEC2ContainerRegistryPullOnly'),
        'aws-cdk-lib kubectl provider: the kubectl handler may pull Helm charts from ECR (aws-cdk-lib attaches this managed policy).'],
      [`AwsSolutions-IAM4[Policy::${JSON.stringify({ 'Fn::If': [ecrPublicCondition, { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly']] }, { Ref: 'AWS::NoValue' }] })}]`,
        'aws-cdk-lib kubectl provider: ECR Public read-only, attached only in regions with ECR Public, for Helm charts from public.ecr.aws.'],
      ['AwsSolutions-L1',
        'aws-cdk-lib kubectl provider: the runtimes of its handler and provider framework are chosen by aws-cdk-lib.'],
      [`AwsSolutions-IAM5[Resource::<${handlerId}.Arn>:*]`,
        'aws-cdk-lib kubectl provider: the provider framework may invoke any version of its own handler function (ARN:*), nothing else.'],
    ];
    const kubectlReasons = {
      LambdaDLQ: 'aws-cdk-lib kubectl provider: CloudFormation invokes its custom resource functions synchronously and retries itself, so a dead-letter queue would never receive anything.',
      LambdaInsideVPC: 'aws-cdk-lib kubectl provider: the cluster API endpoint is public, so aws-cdk-lib places the kubectl functions outside a VPC; a private cluster would pass its VPC and subnets.',
      LambdaConcurrency: 'aws-cdk-lib kubectl provider: its functions run only during deployments of this stack; aws-cdk-lib sets no reserved concurrency and offers no option for it.',
      IAMNoInlinePolicy: 'aws-cdk-lib kubectl provider: aws-cdk-lib creates the function roles with inline policies scoped to the kubectl role and its own handler; not configurable.',
    };
    for (const [rule, reason] of Object.entries(kubectlReasons)) {
      acks.push(...NAG_PACKS.map((pack): [string, string] => [`${pack}-${rule}`, reason]));
    }
    const envReason = 'aws-cdk-lib kubectl provider: the function environment holds only function ARNs and settings, no secrets; Lambda encrypts it at rest with its service key.';
    for (const fn of [kubectlHandler, kubectl.node.findChild('Provider').node.findChild('framework-onEvent')]) {
      const cfn = fn.node.defaultChild as CfnResource;
      cfn.addMetadata('checkov', {
        skip: [
          { id: 'CKV_AWS_115', comment: kubectlReasons.LambdaConcurrency },
          { id: 'CKV_AWS_116', comment: kubectlReasons.LambdaDLQ },
          { id: 'CKV_AWS_117', comment: kubectlReasons.LambdaInsideVPC },
          { id: 'CKV_AWS_173', comment: envReason },
        ],
      });
      cfn.addMetadata('guard', { SuppressedRules: ['lambda_inside_vpc_check'], Reasons: { lambda_inside_vpc_check: kubectlReasons.LambdaInsideVPC } });
    }
    for (const [ackId, reason] of acks) {
      // Validations.acknowledge() rejects ids with more than one '::' (IAM4 ids contain '<AWS::Partition>'),
      // so these are written as the metadata cdk-nag reads (the same entry acknowledge() writes).
      kubectl.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [ackId]: reason });
    }
  }
}

const NAG_PACKS = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

export function buildApp(app = new App()): App {
  new PaymentsWorkerStack(app, 'PaymentsWorker', {
    env: { account: APP_ACCOUNT, region: REGION },
    description: 'cdk-ecr-registry example: an EKS workload on a verified image digest',
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
