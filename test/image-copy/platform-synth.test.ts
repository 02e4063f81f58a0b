import * as path from 'path';
import { App, CfnParameter, LegacyStackSynthesizer, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  AppRunnerAccessRole, EcrValidationError, EksImageAccess, ImageCheck, ImageCopy, ImageCopySource, PrivateRepository, VerifiedImage,
} from '../../src';
import { caught } from '../helpers/errors';
import { newStack } from '../helpers/synth';

const APP_DIR = path.join(__dirname, 'fixtures', 'app');

/** An asset built for `platform`, copied into a governed repository and verified by a check. */
function copied(platform?: ecrAssets.Platform, copyPlatforms?: string[], stack: Stack = newStack()): { stack: Stack; image: VerifiedImage } {
  const repo = new PrivateRepository(stack, 'Governed', { repositoryName: 'team/app' });
  const asset = new ecrAssets.DockerImageAsset(stack, 'Asset', { directory: APP_DIR, ...(platform ? { platform } : {}) });
  const copy = new ImageCopy(stack, 'Copy', { source: ImageCopySource.fromDockerImageAsset(asset), destination: repo, platforms: copyPlatforms });
  const check = new ImageCheck(stack, 'Check', { images: [copy.toImageReference()] });
  return { stack, image: check.verifiedImage(copy.toImageReference()) };
}

function message(fn: () => unknown): string {
  const e = caught(fn);
  expect(EcrValidationError.isEcrValidationError(e)).toBe(true);
  return (e as Error).message;
}

function gates(stack: Stack): unknown {
  return Object.values(Template.fromStack(stack).findResources('Custom::EcrImageCheck'))[0].Properties.Platforms;
}

describe('an asset copied with platform set that cannot run where it is used fails at synth', () => {
  test('an arm64 asset for an x86_64 Lambda function: one error naming the check, the function, the copy, the asset and both platforms', () => {
    const { stack, image } = copied(ecrAssets.Platform.LINUX_ARM64);
    const text = message(() => new lambda.DockerImageFunction(stack, 'Fn', { code: image.lambdaCode() }));
    expect(text).toBe('TestStack/Check: invalid requirePlatform "linux/amd64": Lambda function TestStack/Fn needs linux/amd64, '
      + 'but it runs the copy ImageCopy TestStack/Copy makes of DockerImageAsset TestStack/Asset (built for linux/arm64), which has only linux/arm64: '
      + 'copy an image with linux/amd64 (build the asset with platform linux/amd64, or name linux/amd64 in the copy\'s platforms), or run the consumer on linux/arm64');
  });

  test('an arm64 asset on Fargate without a runtime platform (Fargate\'s default x86_64)', () => {
    const { stack, image } = copied(ecrAssets.Platform.LINUX_ARM64);
    const text = message(() => new ecs.FargateTaskDefinition(stack, 'Task').addContainer('api', { image: image.ecsContainerImage(), memoryLimitMiB: 512 }));
    expect(text).toMatch(/^TestStack\/Check: invalid requirePlatform "linux\/amd64": ECS task definition TestStack\/Task needs linux\/amd64, but it runs the copy ImageCopy TestStack\/Copy .*has only linux\/arm64/);
  });

  test('an amd64 asset on an arm64 ECS task runtime platform', () => {
    const { stack, image } = copied(ecrAssets.Platform.LINUX_AMD64);
    const text = message(() => new ecs.FargateTaskDefinition(stack, 'Task', {
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    }).addContainer('api', { image: image.ecsContainerImage(), memoryLimitMiB: 512 }));
    expect(text).toContain('ECS task definition TestStack/Task needs linux/arm64');
    expect(text).toContain('which has only linux/amd64');
  });

  test('an arm64 asset for App Runner (linux/amd64 only)', () => {
    const { stack, image } = copied(ecrAssets.Platform.LINUX_ARM64);
    const text = message(() => image.appRunnerSourceConfiguration({ accessRole: new AppRunnerAccessRole(stack, 'Access') }));
    expect(text).toContain('App Runner service (source configuration from TestStack/Check) needs linux/amd64');
  });

  test('an arm64 asset for a Batch container on Fargate (x86_64 by default)', () => {
    const { stack, image } = copied(ecrAssets.Platform.LINUX_ARM64);
    // Batch sets the container's platform after it binds the image: the error comes when the tree is validated.
    new batch.EcsFargateContainerDefinition(stack, 'Job', { image: image.ecsContainerImage(), cpu: 1, memory: Size.mebibytes(2048) });
    expect(() => Template.fromStack(stack)).toThrow(/\[TestStack\/Job\] TestStack\/Check: invalid requirePlatform "linux\/amd64": Batch container TestStack\/Job needs linux\/amd64, but it runs the copy ImageCopy TestStack\/Copy/);
  });

  test('platforms that leave out the asset\'s platform: the copy itself fails', () => {
    const stack = newStack();
    const text = message(() => copied(ecrAssets.Platform.LINUX_ARM64, ['linux/amd64'], stack));
    expect(text).toBe('TestStack/Copy: invalid platforms ["linux/amd64"]: must include the platform DockerImageAsset TestStack/Asset is built for (linux/arm64): '
      + 'the copy of an image for linux/arm64 has no other platform (leave platforms out, or build the asset for linux/amd64)');
  });

  test('a copy of named platforms: another architecture, and an index for Lambda', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Governed', { repositoryName: 'team/app' });
    const one = new ImageCopy(stack, 'One', { source: ImageCopySource.fromRegistry('nginx:1.27'), destination: repo, platforms: ['linux/amd64'] });
    const two = new ImageCopy(stack, 'Two', { source: ImageCopySource.fromRegistry('nginx:1.28'), destination: repo, platforms: ['linux/amd64', 'linux/arm64'] });
    const check = new ImageCheck(stack, 'Check', { images: [one.toImageReference(), two.toImageReference()] });
    expect(message(() => new lambda.DockerImageFunction(stack, 'Arm', {
      code: check.verifiedImages[0].lambdaCode(), architecture: lambda.Architecture.ARM_64,
    }))).toContain('Lambda function TestStack/Arm needs linux/arm64, but it runs the copy ImageCopy TestStack/One makes of the platforms linux/amd64, which has only linux/amd64');
    expect(message(() => new lambda.DockerImageFunction(stack, 'Index', { code: check.verifiedImages[1].lambdaCode() })))
      .toContain('Lambda function TestStack/Index takes one image manifest, but it runs the copy ImageCopy TestStack/Two makes of the platforms linux/amd64, linux/arm64, '
        + 'which makes an image index of linux/amd64, linux/arm64: name only linux/amd64 in the copy\'s platforms');
    // An index fits an ECS task of either architecture.
    new ecs.FargateTaskDefinition(stack, 'Task').addContainer('api', { image: check.verifiedImages[1].ecsContainerImage(), memoryLimitMiB: 512 });
  });

  test('a TarballImageAsset with its platform named, and a platform that contradicts a DockerImageAsset\'s', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Governed', { repositoryName: 'team/app' });
    const tarball = new ecrAssets.TarballImageAsset(stack, 'Tarball', { tarballFile: path.join(APP_DIR, 'hello.txt') });
    const copy = new ImageCopy(stack, 'Copy', { source: ImageCopySource.fromTarballImageAsset(tarball, { platform: ecrAssets.Platform.LINUX_ARM64 }), destination: repo });
    const check = new ImageCheck(stack, 'Check', { images: [copy.toImageReference()] });
    expect(message(() => new lambda.DockerImageFunction(stack, 'Fn', { code: check.verifiedImages[0].lambdaCode() })))
      .toContain('makes of TarballImageAsset TestStack/Tarball (built for linux/arm64), which has only linux/arm64');
    const asset = new ecrAssets.DockerImageAsset(stack, 'Asset', { directory: APP_DIR, platform: ecrAssets.Platform.LINUX_AMD64 });
    expect(message(() => new ImageCopy(stack, 'Wrong', {
      source: ImageCopySource.fromDockerImageAsset(asset, { platform: ecrAssets.Platform.LINUX_ARM64 }), destination: repo,
    }))).toBe('TestStack/Wrong: invalid source.platform "linux/arm64": must be the platform DockerImageAsset TestStack/Asset is built for (linux/amd64), or left out');
  });

  test('the legacy stack synthesizer\'s asset metadata also says the platform', () => {
    const stack = new Stack(new App(), 'Legacy', { synthesizer: new LegacyStackSynthesizer() });
    const { image } = copied(ecrAssets.Platform.LINUX_ARM64, undefined, stack);
    expect(message(() => new lambda.DockerImageFunction(stack, 'Fn', { code: image.lambdaCode() }))).toContain('Lambda function Legacy/Fn needs linux/amd64');
  });
});

describe('what fits, or is not known at synth, passes to the deploy-time gate', () => {
  test('an arm64 asset on arm64 Lambda, an arm64 Fargate task and an arm64 Batch container: no error, the gates still render', () => {
    const { stack, image } = copied(ecrAssets.Platform.LINUX_ARM64);
    new lambda.DockerImageFunction(stack, 'Fn', { code: image.lambdaCode(), architecture: lambda.Architecture.ARM_64 });
    new ecs.FargateTaskDefinition(stack, 'Task', {
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.ARM64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    }).addContainer('api', { image: image.ecsContainerImage(), memoryLimitMiB: 512 });
    new batch.EcsFargateContainerDefinition(stack, 'Job', {
      image: image.ecsContainerImage(), cpu: 1, memory: Size.mebibytes(2048), fargateCpuArchitecture: ecs.CpuArchitecture.ARM64,
    });
    expect(gates(stack)).toEqual([
      { Image: '0', Consumer: 'Lambda function TestStack/Fn', Os: 'linux', Architecture: 'arm64', ImageManifestOnly: 'true' },
      { Image: '0', Consumer: 'ECS task definition TestStack/Task', Os: 'linux', Architecture: 'arm64' },
      { Image: '0', Consumer: 'Batch container TestStack/Job', Os: 'linux', Architecture: 'arm64' },
    ]);
  });

  test('an asset without a platform, and platforms that are a token: nothing is rejected at synth', () => {
    const { stack, image } = copied();
    new lambda.DockerImageFunction(stack, 'Fn', { code: image.lambdaCode(), architecture: lambda.Architecture.ARM_64 });
    const other = newStack();
    const listed = new CfnParameter(other, 'Platforms', { type: 'CommaDelimitedList' }).valueAsList;
    const { stack: s2, image: i2 } = copied(ecrAssets.Platform.LINUX_ARM64, listed, other);
    new lambda.DockerImageFunction(s2, 'Fn', { code: i2.lambdaCode() });
    expect(gates(s2)).toEqual([{ Image: '0', Consumer: 'Lambda function TestStack/Fn', Os: 'linux', Architecture: 'amd64', ImageManifestOnly: 'true' }]);
  });
});

describe('EKS: the nodes\' platforms, named', () => {
  test('one gate per node platform; an image of the copy that lacks one fails at synth', () => {
    const { stack, image } = copied(ecrAssets.Platform.LINUX_AMD64);
    EksImageAccess.requireNodePlatforms({ workload: stack, nodePlatforms: ['linux/amd64', 'linux/amd64'] }, image);
    expect(gates(stack)).toEqual([{ Image: '0', Consumer: 'EKS workload TestStack (nodes linux/amd64)', Os: 'linux', Architecture: 'amd64' }]);
    expect(message(() => EksImageAccess.requireNodePlatforms({ workload: stack, nodePlatforms: ['linux/amd64', 'linux/arm64'] }, image)))
      .toContain('EKS workload TestStack (nodes linux/arm64) needs linux/arm64');
  });

  test('bad node platforms and no image: one error naming each', () => {
    const { stack } = copied();
    expect(message(() => EksImageAccess.requireNodePlatforms({ workload: stack, nodePlatforms: ['linux/arm', 'darwin/arm64'] })))
      .toBe('TestStack: 3 invalid properties:\n'
        + '  - invalid nodePlatforms[0] "linux/arm": must be linux/amd64, linux/arm64 or windows/amd64\n'
        + '  - invalid nodePlatforms[1] "darwin/arm64": must be linux/amd64, linux/arm64 or windows/amd64\n'
        + '  - invalid images 0: name at least one verified image the workload runs');
  });
});

describe('referrers and attestations, when asked', () => {
  test('rendered as Referrers and Attestations: "true"; absent by default', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Governed', { repositoryName: 'team/app' });
    new ImageCopy(stack, 'Plain', { source: ImageCopySource.fromRegistry('nginx:1.27'), destination: repo });
    new ImageCopy(stack, 'Signed', {
      source: ImageCopySource.fromRegistry('nginx:1.28'), destination: repo, platforms: ['linux/arm64'], attestations: true, referrers: true,
    });
    const copies = Template.fromStack(stack).findResources('Custom::EcrImageCopy');
    const byId = (id: string) => Object.entries(copies).find(([k]) => k.startsWith(id))![1] as any;
    expect(byId('Plain').Properties.Referrers).toBeUndefined();
    expect(byId('Plain').Properties.Attestations).toBeUndefined();
    expect(byId('Signed').Properties).toMatchObject({ Referrers: 'true', Attestations: 'true', Platforms: ['linux/arm64'] });
  });
});
