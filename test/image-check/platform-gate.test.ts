import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EcrValidationError, ImageCheck, ImageReference, VerifiedContainerImage } from '../../src';
import { parseProperties } from '../../src/image-check/private/check-images';
import { judge } from '../../src/image-check/private/platforms';
import { caught } from '../helpers/errors';
import { newStack } from '../helpers/synth';

const REMOTE_ARN = 'arn:aws:ecr:eu-west-1:222222222222:repository/payments/api';

function setup(): { stack: Stack; check: ImageCheck } {
  const stack = newStack();
  const repo = ecr.Repository.fromRepositoryArn(stack, 'Api', REMOTE_ARN);
  const check = new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(repo, 'v1'), ImageReference.fromTag(repo, 'v2')] });
  return { stack, check };
}

function gates(stack: Stack): unknown {
  return Object.values(Template.fromStack(stack).findResources('Custom::EcrImageCheck'))[0].Properties.Platforms;
}

function platformStatement(stack: Stack): any {
  const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  return statements.find(s => JSON.stringify(s.Action) === JSON.stringify(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'])
    && JSON.stringify(s.Resource) === JSON.stringify(REMOTE_ARN));
}

describe('platform gates at synth: each consumer says where it runs the image', () => {
  test('no consumer: no gate, and the check\'s role reads no manifest', () => {
    const { stack } = setup();
    expect(gates(stack)).toBeUndefined();
    expect(platformStatement(stack)).toBeUndefined();
  });

  test('a Fargate task without a runtime platform: Fargate\'s default, linux/amd64', () => {
    const { stack, check } = setup();
    new ecs.FargateTaskDefinition(stack, 'Task').addContainer('api', { image: check.verifiedImages[0].ecsContainerImage(), memoryLimitMiB: 512 });
    expect(gates(stack)).toEqual([{ Image: '0', Consumer: 'ECS task definition TestStack/Task', Os: 'linux', Architecture: 'amd64' }]);
    expect(platformStatement(stack)).toBeDefined();
  });

  test('a task\'s runtime platform: arm64 Linux, and a Windows task', () => {
    const { stack, check } = setup();
    new ecs.FargateTaskDefinition(stack, 'Arm', {
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    }).addContainer('api', { image: check.verifiedImages[0].ecsContainerImage(), memoryLimitMiB: 512 });
    new ecs.FargateTaskDefinition(stack, 'Win', {
      cpu: 1024,
      memoryLimitMiB: 2048,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.WINDOWS_SERVER_2022_CORE },
    }).addContainer('api', { image: check.verifiedImages[1].ecsContainerImage(), memoryLimitMiB: 512 });
    expect(gates(stack)).toEqual([
      { Image: '0', Consumer: 'ECS task definition TestStack/Arm', Os: 'linux', Architecture: 'arm64' },
      { Image: '1', Consumer: 'ECS task definition TestStack/Win', Os: 'windows', Architecture: 'amd64' },
    ]);
  });

  test('an EC2 task definition without a runtime platform: its instances decide, no gate', () => {
    const { stack, check } = setup();
    new ecs.Ec2TaskDefinition(stack, 'Task').addContainer('api', { image: check.verifiedImages[0].ecsContainerImage(), memoryLimitMiB: 512 });
    expect(gates(stack)).toBeUndefined();
  });

  test('a Lambda function: one image manifest of its architecture', () => {
    const { stack, check } = setup();
    new lambda.DockerImageFunction(stack, 'Fn', { code: check.verifiedImages[0].lambdaCode(), architecture: lambda.Architecture.ARM_64 });
    new lambda.DockerImageFunction(stack, 'Fn86', { code: check.verifiedImages[0].lambdaCode() });
    expect(gates(stack)).toEqual([
      { Image: '0', Consumer: 'Lambda function TestStack/Fn', Os: 'linux', Architecture: 'arm64', ImageManifestOnly: 'true' },
      { Image: '0', Consumer: 'Lambda function TestStack/Fn86', Os: 'linux', Architecture: 'amd64', ImageManifestOnly: 'true' },
    ]);
  });

  test('App Runner: linux/amd64; the same consumer twice is one gate', () => {
    const { stack, check } = setup();
    const accessRole = new iam.Role(stack, 'Access', { assumedBy: new iam.ServicePrincipal('build.apprunner.amazonaws.com') });
    const source = check.verifiedImages[1].appRunnerSourceConfiguration({ accessRole });
    check.verifiedImages[1].appRunnerSourceConfiguration({ accessRole });
    new apprunner.CfnService(stack, 'Service', { sourceConfiguration: source });
    expect(gates(stack)).toEqual([{ Image: '1', Consumer: 'App Runner service (source configuration from TestStack/Check)', Os: 'linux', Architecture: 'amd64' }]);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: REMOTE_ARN }]) },
    });
  });

  test('requirePlatform by hand: a bad OS or architecture fails with one error naming the check', () => {
    const { check } = setup();
    const e = caught(() => check.verifiedImages[0].requirePlatform({ consumer: 'x', os: 'darwin', architecture: 'riscv64' })) as EcrValidationError;
    expect(e.constructPath).toBe('TestStack/Check');
    expect(e.violations.map(v => v.property)).toEqual(['requirePlatform.os', 'requirePlatform.architecture']);
    expect(() => VerifiedContainerImage.fromVerifiedImage(check.verifiedImages[0])).not.toThrow();
  });
});

describe('the handler reads the gates by type and value', () => {
  const base = { Images: [{ Registry: '111111111111', Region: 'us-east-1', Repository: 'app', Tag: 'v1' }] };
  test.each([
    [{ Platforms: 'linux/amd64' }, /Platforms must be a list/],
    [{ Platforms: [{ Image: '1', Consumer: 'x', Os: 'linux' }] }, /Image "1" must be the index of one of the 1 Images/],
    [{ Platforms: [{ Image: '0', Consumer: 'x', Os: 'darwin' }] }, /Os "darwin" must be linux or windows/],
    [{ Platforms: [{ Image: '0', Consumer: 'x', Os: 'linux', Architecture: 'x86_64' }] }, /Architecture "x86_64" must be amd64, arm64/],
    [{ Platforms: [{ Image: '0', Consumer: 'x', Os: 'linux', ImageManifestOnly: true }] }, /ImageManifestOnly true must be "true"/],
    [{ Platforms: [{ Image: '0', Consumer: 'x', Os: 'linux', Variant: 'v8' }] }, /unknown keys "Variant"/],
  ])('%j fails closed', (extra, message) => {
    expect(() => parseProperties({ ...base, ...extra })).toThrow(message);
  });

  test('valid gates pass', () => {
    expect(parseProperties({ ...base, Platforms: [{ Image: '0', Consumer: 'x', Os: 'linux', Architecture: 'arm64', ImageManifestOnly: 'true' }] }).Platforms).toHaveLength(1);
  });
});

describe('judge: what an image offers against what its consumers need', () => {
  const lambdaArm = { Image: '0', Consumer: 'Lambda function S/Fn', Os: 'linux', Architecture: 'arm64', ImageManifestOnly: 'true' };
  const taskArm = { Image: '0', Consumer: 'ECS task definition S/Task', Os: 'linux', Architecture: 'arm64' };
  const index = { kind: 'index' as const, mediaType: 'application/vnd.oci.image.index.v1+json', platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }] };
  const amd = { kind: 'image' as const, mediaType: 'application/vnd.oci.image.manifest.v1+json', platforms: [{ os: 'linux', architecture: 'amd64' }] };

  test('an index with the platform fits a task, not Lambda (which names the way out)', () => {
    expect(judge('app [d]', index, [taskArm])).toEqual([]);
    expect(judge('app [d]', index, [lambdaArm])).toEqual([expect.stringMatching(
      /^app \[d\] is an image index \(linux\/amd64, linux\/arm64\/v8\); Lambda function S\/Fn takes a single image manifest for linux\/arm64: .*ImageCopy platforms/)]);
  });

  test('another architecture fails both, naming what the image has and what is needed', () => {
    expect(judge('app [d]', amd, [lambdaArm, taskArm])).toEqual([
      'app [d] has the platforms linux/amd64; Lambda function S/Fn needs linux/arm64',
      'app [d] has the platforms linux/amd64; ECS task definition S/Task needs linux/arm64',
    ]);
    expect(judge('app [d]', amd, [{ ...taskArm, Architecture: 'amd64' }, { Image: '0', Consumer: 'any', Os: 'linux' }])).toEqual([]);
    expect(judge('app [d]', amd, [{ Image: '0', Consumer: 'win', Os: 'windows' }])).toEqual(['app [d] has the platforms linux/amd64; win needs windows (any architecture)']);
  });

  test('an attestation or another artifact has no platform; another media type is named for Lambda', () => {
    const attestation = { kind: 'image' as const, mediaType: 'application/vnd.oci.image.manifest.v1+json', platforms: [] };
    expect(judge('att [d]', attestation, [lambdaArm])).toEqual(['att [d] has no platform (an attestation manifest or another artifact); Lambda function S/Fn needs linux/arm64']);
    const schema1 = { kind: 'image' as const, mediaType: 'application/vnd.docker.distribution.manifest.v1+prettyjws (...)', platforms: [] };
    expect(judge('old [d]', schema1, [lambdaArm])[0]).toMatch(/^old \[d\] has media type application\/vnd\.docker\.distribution\.manifest\.v1\+prettyjws .* which Lambda function S\/Fn cannot run/);
  });
});
