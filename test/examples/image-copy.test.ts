import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '../../examples/image-copy/app';

describe('examples/image-copy: a DockerImageAsset copied into a governed repository, run on ECS and Lambda by digest', () => {
  const app = buildApp();
  const stack = app.node.findChild('Hello') as Stack;
  const t = Template.fromStack(stack);
  const copyId = Object.keys(t.findResources('Custom::EcrImageCopy'))[0];
  const checkId = Object.keys(t.findResources('Custom::EcrImageCheck'))[0];
  const repoId = Object.keys(t.findResources('AWS::ECR::Repository'))[0];
  const pinned = {
    'Fn::Join': ['', ['111111111111.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: repoId }, '@', { 'Fn::GetAtt': [checkId, 'D0'] }]],
  };

  test('the asset is copied from the CDK asset repository into apps/hello, by digest', () => {
    t.resourceCountIs('Custom::EcrImageCopy', 1);
    t.hasResourceProperties('Custom::EcrImageCopy', {
      Source: { 'Fn::Join': ['', ['111111111111.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, Match.stringLikeRegexp('^/cdk-hnb659fds-container-assets-111111111111-eu-west-1:[0-9a-f]{64}$')]] },
      Destination: { 'Fn::Join': ['', ['111111111111.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: repoId }]] },
      Tags: Match.absent(),
    });
    t.hasResourceProperties('AWS::ECR::Repository', { RepositoryName: 'apps/hello', ImageTagMutability: 'IMMUTABLE' });
  });

  test('the check verifies the copy\'s digest (scan gate, in-use protection)', () => {
    t.hasResourceProperties('Custom::EcrImageCheck', {
      Images: [{ Registry: '111111111111', Region: 'eu-west-1', Repository: { Ref: repoId }, Digest: { 'Fn::GetAtt': [copyId, 'Digest'] } }],
      FailOnSeverity: 'HIGH',
      ProtectInUse: 'true',
    });
  });

  test('the ECS task and the Lambda function run the copy pinned to its digest, arm64 like the asset', () => {
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: pinned, EntryPoint: ['node'], Command: ['/var/task/worker.mjs'] })],
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    t.hasResourceProperties('AWS::Lambda::Function', { PackageType: 'Image', Code: { ImageUri: pinned }, Architectures: ['arm64'] });
  });

  test('the check gates the platform where each consumer runs the copy: arm64 on the task, one arm64 image manifest for Lambda', () => {
    t.hasResourceProperties('Custom::EcrImageCheck', {
      Platforms: [
        { Image: '0', Consumer: 'ECS task definition Hello/Task', Os: 'linux', Architecture: 'arm64' },
        { Image: '0', Consumer: 'Lambda function Hello/Function', Os: 'linux', Architecture: 'arm64', ImageManifestOnly: 'true' },
      ],
    });
  });

  test('neither the task nor the function refers to the asset repository', () => {
    const consumers = JSON.stringify([t.findResources('AWS::ECS::TaskDefinition'), t.findResources('AWS::Lambda::Function', { Properties: { PackageType: 'Image' } })]);
    expect(consumers).not.toContain('container-assets');
    const roles = JSON.stringify(Object.entries(t.findResources('AWS::IAM::Policy'))
      .filter(([id]) => !id.startsWith('CdkEcrRegistryImageCopyProvider')).map(([, p]) => p));
    expect(roles).not.toContain('container-assets');
    // The copy's role is the only one that reads the asset repository.
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).toContain('container-assets');
  });

  test('the Lambda service may pull from apps/hello for this account only', () => {
    t.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: {
        Statement: Match.arrayWith([Match.objectLike({
          Principal: { Service: 'lambda.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
        })]),
      },
    });
  });

  test('cdk-nag AwsSolutions: nothing unacknowledged', () => {
    const findings = new AwsSolutionsChecks().validateScope(stack).violations
      .map((v: any) => `${v.ruleName} at ${(v.violatingResources ?? []).map((r: any) => r.constructPath).join(', ')}`);
    expect(findings).toEqual([]);
  });

  test('snapshot', () => {
    expect(t.toJSON()).toMatchSnapshot();
  });
});
