import { KubectlV33Layer } from '@aws-cdk/lambda-layer-kubectl-v33';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EksImageAccess, ImageCheck, ImageReference, IVerifiedImage, PlatformRequirement, VerifiedContainerImage, VerifiedDockerImageCode } from '../../src';
import { newStack } from '../helpers/synth';

const REMOTE_ARN = 'arn:aws:ecr:eu-west-1:222222222222:repository/payments/api';
const PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];

describe('ECS: VerifiedContainerImage', () => {
  const stack = newStack();
  const repo = ecr.Repository.fromRepositoryArn(stack, 'Api', REMOTE_ARN);
  const check = new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(repo, 'v1.2.3')] });
  const taskDef = new ecs.FargateTaskDefinition(stack, 'Task');
  taskDef.addContainer('api', { image: VerifiedContainerImage.fromVerifiedImage(check.verifiedImages[0]) });
  const t = Template.fromStack(stack);
  const checkId = stack.getLogicalId(check.resources[0].node.defaultChild as any);
  const roles = t.findResources('AWS::IAM::Role');
  const executionRole = Object.keys(roles).find(k => k.startsWith('TaskExecutionRole'))!;

  test('the container image is the URI pinned to the verified digest (@sha256 token)', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({
        Image: { 'Fn::Join': ['', ['222222222222.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/payments/api@', { 'Fn::GetAtt': [checkId, 'D0'] }]] },
      })],
    });
  });

  test('the task definition is created after the check (it uses its attribute)', () => {
    expect(JSON.stringify(t.findResources('AWS::ECS::TaskDefinition'))).toContain(checkId);
  });

  test('the execution role, not the task role, can pull the repository', () => {
    expect(executionRole).toBeDefined();
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: executionRole }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: PULL_ACTIONS, Resource: REMOTE_ARN },
          { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        ]),
      },
    });
    const taskRole = Object.keys(roles).find(k => k.startsWith('TaskTaskRole'))!;
    const taskRolePolicies = Object.values(t.findResources('AWS::IAM::Policy'))
      .filter((p: any) => JSON.stringify(p.Properties.Roles).includes(taskRole));
    expect(taskRolePolicies).toEqual([]);
  });
});

describe('EKS: EksImageAccess', () => {
  const stack = newStack();
  const repo = ecr.Repository.fromRepositoryArn(stack, 'Api', REMOTE_ARN);
  const check = new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(repo, 'v1.2.3')] });
  const image = check.verifiedImages[0];
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const cluster = new eks.Cluster(stack, 'Cluster', {
    version: eks.KubernetesVersion.V1_33,
    kubectlLayer: new KubectlV33Layer(stack, 'Kubectl'),
    vpc,
    defaultCapacity: 0,
  });
  const nodegroup = cluster.addNodegroupCapacity('Nodes', { minSize: 1 });
  const profile = cluster.addFargateProfile('Fargate', { selectors: [{ namespace: 'payments' }] });
  const ciRole = new iam.Role(stack, 'Other', { assumedBy: new iam.AccountRootPrincipal() });
  EksImageAccess.grantToNodegroup(nodegroup, image);
  EksImageAccess.grantToFargateProfile(profile, image);
  EksImageAccess.grantTo(ciRole, image);
  cluster.addManifest('Api', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'payments' },
    spec: {
      selector: { matchLabels: { app: 'api' } },
      template: { metadata: { labels: { app: 'api' } }, spec: { containers: [EksImageAccess.container('api', image)] } },
    },
  });
  const t = Template.fromStack(stack);
  const checkId = stack.getLogicalId(check.resources[0].node.defaultChild as any);

  function pullGrantedTo(roleRef: unknown): void {
    t.hasResourceProperties('AWS::IAM::Policy', {
      Roles: Match.arrayWith([roleRef]),
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: PULL_ACTIONS, Resource: REMOTE_ARN }]) },
    });
  }

  test('the node group role can pull', () => {
    pullGrantedTo({ Ref: stack.getLogicalId(nodegroup.role.node.defaultChild as any) });
  });

  test("the Fargate profile's pod execution role can pull", () => {
    pullGrantedTo({ Ref: stack.getLogicalId(profile.podExecutionRole.node.defaultChild as any) });
  });

  test('any grantable can pull', () => {
    pullGrantedTo({ Ref: stack.getLogicalId(ciRole.node.defaultChild as any) });
  });

  test('the manifest uses the pinned URI', () => {
    const manifests = t.findResources('Custom::AWSCDK-EKS-KubernetesResource');
    const json = JSON.stringify(manifests);
    expect(json).toContain('/payments/api@');
    expect(json).toContain(`"Fn::GetAtt":["${checkId}","D0"]`);
  });

  test('Helm values: repository and digest', () => {
    const values = EksImageAccess.helmImageValues(image);
    expect(stack.resolve(values)).toEqual({
      repository: { 'Fn::Join': ['', ['222222222222.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/payments/api']] },
      digest: { 'Fn::GetAtt': [checkId, 'D0'] },
    });
  });
});

describe('IVerifiedImage: the integrations take the interface, not the ImageCheck class', () => {
  test('an image verified elsewhere (any IVerifiedImage) pins and grants like a VerifiedImage, and errors name its verifier', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryArn(stack, 'Api', REMOTE_ARN);
    const verifier = new Construct(stack, 'MyVerifier');
    const digest = `sha256:${'a'.repeat(64)}`;
    const required: PlatformRequirement[] = [];
    const image: IVerifiedImage = {
      repository: repo,
      digest,
      repositoryUri: '222222222222.dkr.ecr.eu-west-1.amazonaws.com/payments/api',
      imageUri: `222222222222.dkr.ecr.eu-west-1.amazonaws.com/payments/api@${digest}`,
      verifiedBy: verifier,
      grantPull: grantee => repo.grantPull(grantee),
      requirePlatform: r => { required.push(r); },
    };
    const taskDef = new ecs.FargateTaskDefinition(stack, 'Task');
    const container = VerifiedContainerImage.fromVerifiedImage(image);
    expect(container.verifiedImage).toBe(image);
    taskDef.addContainer('api', { image: container });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: image.imageUri })],
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: PULL_ACTIONS, Resource: REMOTE_ARN }]) },
    });
    // Binding to a Fargate task asks the verifier for Fargate's default platform.
    expect(required).toEqual([{ consumer: 'ECS task definition TestStack/Task', os: 'linux', architecture: 'amd64' }]);
    expect(EksImageAccess.helmImageValues(image)).toEqual({ repository: image.repositoryUri, digest });
    expect(() => VerifiedDockerImageCode.fromVerifiedImage(image, { functionArns: ['fn'] }))
      .toThrow(/TestStack\/MyVerifier[\s\S]*lambdaCode\.functionArns\[0\]/);
  });

  test('VerifiedImage implements it: its verifier is its check', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryArn(stack, 'Api', REMOTE_ARN);
    const check = new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(repo, 'v1.2.3')] });
    const image: IVerifiedImage = check.verifiedImages[0];
    expect(image.verifiedBy).toBe(check);
    expect(check.verifiedImages[0].check).toBe(check);
  });
});
