import { CfnParameter, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as apprunner from 'aws-cdk-lib/aws-apprunner';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  AppRunnerAccessRole, ImageCheck, ImageReference, PrivateRepository, VerifiedContainerImage, VerifiedImage,
} from '../../src';
import { newStack, warningsOf } from '../helpers/synth';

const PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];
const LAMBDA_SERVICE = 'lambda.amazonaws.com';

/**
 * How an image URI renders: the literal text just before the check's digest attribute, and the
 * attribute. Fails the test when the URI does not end in the check's digest attribute.
 */
function digestJoint(stack: Stack, rendered: unknown, check: ImageCheck): string {
  const checkId = stack.getLogicalId(check.resources[0].node.defaultChild as any);
  const parts = (rendered as any)?.['Fn::Join']?.[1] as unknown[] | undefined;
  expect(Array.isArray(parts)).toBe(true);
  const last = parts![parts!.length - 1] as any;
  expect(last['Fn::GetAtt']?.[0]).toBe(checkId);
  const before = parts![parts!.length - 2];
  expect(typeof before).toBe('string');
  return before as string;
}

/** Asserts a pinned reference: `<repository>@<digest>`, never `<repository>:<digest>` (a tag). */
function expectPinned(stack: Stack, rendered: unknown, check: ImageCheck): void {
  const joint = digestJoint(stack, rendered, check);
  expect(joint.endsWith('@')).toBe(true);
  expect(joint.endsWith(':')).toBe(false);
}

/** Repository policy statements naming the Lambda service principal. */
function lambdaStatements(template: Template): any[] {
  return Object.values(template.findResources('AWS::ECR::Repository'))
    .flatMap((r: any) => r.Properties.RepositoryPolicyText?.Statement ?? [])
    .filter((s: any) => JSON.stringify(s.Principal ?? {}).includes(LAMBDA_SERVICE));
}

/** Asserts every Lambda-service statement carries an aws:SourceAccount or aws:SourceArn condition. */
function expectConditioned(statements: any[]): void {
  for (const s of statements) {
    const keys = Object.values(s.Condition ?? {}).flatMap((c: any) => Object.keys(c));
    expect(keys.some(k => k === 'aws:SourceAccount' || k === 'aws:SourceArn')).toBe(true);
  }
}

/** The synthesized resource of an L2 construct. */
function resourceOf(t: Template, stack: Stack, construct: { node: { defaultChild?: unknown } }): any {
  return t.toJSON().Resources[stack.getLogicalId(construct.node.defaultChild as any)];
}

/** The actions of the policies attached to a role. */
function roleActions(t: Template, stack: Stack, role: iam.IRole): string[] {
  const roleId = stack.getLogicalId(role.node.defaultChild as any);
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p: any) => JSON.stringify(p.Properties.Roles).includes(JSON.stringify({ Ref: roleId })))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
}

function fixture(props: { imported?: boolean } = {}): { stack: Stack; check: ImageCheck; image: VerifiedImage; repo: ecr.IRepository } {
  const stack = newStack({ env: { account: '111111111111', region: 'eu-west-1' } });
  const repo: ecr.IRepository = props.imported
    ? ecr.Repository.fromRepositoryArn(stack, 'Api', 'arn:aws:ecr:eu-west-1:222222222222:repository/payments/api')
    : new PrivateRepository(stack, 'Api', { repositoryName: 'payments/api' });
  const check = new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(repo, 'v1.2.3')] });
  return { stack, check, image: check.verifiedImages[0], repo };
}

describe('Lambda: VerifiedImage.lambdaCode', () => {
  const { stack, check, image } = fixture();
  const func = new lambda.DockerImageFunction(stack, 'Fn', {
    code: image.lambdaCode({ cmd: ['app.handler'], entrypoint: ['/lambda-entrypoint.sh'], workingDirectory: '/var/task' }),
  });
  const t = Template.fromStack(stack);
  const fn = resourceOf(t, stack, func);

  test('the function runs the image pinned to the verified digest (@sha256, never :)', () => {
    expect(fn.Properties.PackageType).toBe('Image');
    expectPinned(stack, fn.Properties.Code.ImageUri, check);
  });

  test('the image overrides are rendered', () => {
    expect(fn.Properties.ImageConfig).toEqual({
      Command: ['app.handler'], EntryPoint: ['/lambda-entrypoint.sh'], WorkingDirectory: '/var/task',
    });
  });

  test('Lambda may pull only with an aws:SourceAccount condition (the function\'s account)', () => {
    const statements = lambdaStatements(t);
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({
      Sid: 'LambdaPullBySourceAccount',
      Principal: { Service: LAMBDA_SERVICE },
      Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
    });
    expectConditioned(statements);
  });

  test('the function role gets no ECR permission (Lambda pulls through the repository policy)', () => {
    expect(roleActions(t, stack, func.role!).filter(a => a.startsWith('ecr:'))).toEqual([]);
  });
});

describe('Lambda: the checks above catch what DockerImageCode.fromEcr renders', () => {
  const { stack, check, image, repo } = fixture();
  const func = new lambda.DockerImageFunction(stack, 'Fn', { code: lambda.DockerImageCode.fromEcr(repo, { tagOrDigest: image.digest }) });
  const t = Template.fromStack(stack);
  const fn = resourceOf(t, stack, func);

  test('fromEcr puts a colon before the digest token (a tag reference), which expectPinned rejects', () => {
    expect(digestJoint(stack, fn.Properties.Code.ImageUri, check).endsWith(':')).toBe(true);
    expect(() => expectPinned(stack, fn.Properties.Code.ImageUri, check)).toThrow();
  });

  test('fromEcr grants lambda.amazonaws.com without a condition, which expectConditioned rejects', () => {
    const statements = lambdaStatements(t);
    expect(statements.length).toBeGreaterThan(0);
    expect(() => expectConditioned(statements)).toThrow();
  });
});

describe('Lambda: options and imports', () => {
  test('functionArns give an aws:SourceArn condition', () => {
    const { stack, image } = fixture();
    new lambda.DockerImageFunction(stack, 'Fn', {
      code: image.lambdaCode({ functionArns: ['arn:aws:lambda:eu-west-1:111111111111:function:orders-*'] }),
    });
    const statements = lambdaStatements(Template.fromStack(stack));
    expect(statements).toEqual([expect.objectContaining({
      Sid: 'LambdaPullByFunction',
      Condition: { StringLike: { 'aws:SourceArn': 'arn:aws:lambda:eu-west-1:111111111111:function:orders-*' } },
    })]);
  });

  test('two functions share one conditioned statement', () => {
    const { stack, image } = fixture();
    new lambda.DockerImageFunction(stack, 'A', { code: image.lambdaCode() });
    new lambda.DockerImageFunction(stack, 'B', { code: image.lambdaCode() });
    const statements = lambdaStatements(Template.fromStack(stack));
    expect(statements).toHaveLength(1);
    expectConditioned(statements);
  });

  test('an env-agnostic function stack conditions on its AWS::AccountId', () => {
    const stack = new Stack();
    const repo = new PrivateRepository(stack, 'Api');
    const check = new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(repo, 'v1')] });
    new lambda.DockerImageFunction(stack, 'Fn', { code: check.verifiedImages[0].lambdaCode() });
    const statements = lambdaStatements(Template.fromStack(stack));
    expect(statements[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
  });

  test('an imported repository gets no statement, and the function a warning saying where to grant', () => {
    const { stack, check, image } = fixture({ imported: true });
    const func = new lambda.DockerImageFunction(stack, 'Fn', { code: image.lambdaCode() });
    const t = Template.fromStack(stack);
    expect(lambdaStatements(t)).toEqual([]);
    const fn = resourceOf(t, stack, func);
    expectPinned(stack, fn.Properties.Code.ImageUri, check);
    expect(warningsOf(stack).join('\n')).toMatch(/is imported.*grantPullToLambda/);
  });

  test('fails on a function ARN that is not one', () => {
    const { image } = fixture();
    expect(() => image.lambdaCode({ functionArns: ['orders-*'] }))
      .toThrow(/TestStack\/Check: invalid lambdaCode\.functionArns\[0\] "orders-\*": must be a Lambda function ARN/);
  });

  test('fails on an empty functionArns list', () => {
    const { image } = fixture();
    expect(() => image.lambdaCode({ functionArns: [] })).toThrow(/invalid lambdaCode\.functionArns \[\]: name at least one/);
  });

  test('token function ARNs do not throw', () => {
    const { stack, image } = fixture();
    const arn = new CfnParameter(stack, 'FnArn').valueAsString;
    expect(() => image.lambdaCode({ functionArns: [arn] })).not.toThrow();
  });
});

describe('App Runner: VerifiedImage.appRunnerSourceConfiguration', () => {
  const { stack, check, image } = fixture();
  const accessRole = new AppRunnerAccessRole(stack, 'AccessRole');
  new apprunner.CfnService(stack, 'Service', {
    sourceConfiguration: image.appRunnerSourceConfiguration({
      accessRole, environmentVariables: { STAGE: 'prod' }, startCommand: 'node server.js',
    }),
  });
  const t = Template.fromStack(stack);
  const service = Object.values(t.findResources('AWS::AppRunner::Service'))[0] as any;
  const source = service.Properties.SourceConfiguration;
  const roleId = stack.getLogicalId(accessRole.node.defaultChild as any);

  test('the service runs the image pinned to the verified digest (@sha256, never :)', () => {
    expect(source.ImageRepository.ImageRepositoryType).toBe('ECR');
    expectPinned(stack, source.ImageRepository.ImageIdentifier, check);
  });

  test('automatic deployments are off; port 8080, variables and start command are rendered', () => {
    expect(source.AutoDeploymentsEnabled).toBe(false);
    expect(source.ImageRepository.ImageConfiguration).toEqual({
      Port: '8080',
      RuntimeEnvironmentVariables: [{ Name: 'STAGE', Value: 'prod' }],
      StartCommand: 'node server.js',
    });
    expect(source.AuthenticationConfiguration).toEqual({ AccessRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } });
  });

  test('the access role is trusted by build.apprunner.amazonaws.com and may pull and describe images', () => {
    const role = t.findResources('AWS::IAM::Role')[roleId] as any;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'build.apprunner.amazonaws.com' } },
    ]);
    expect(roleActions(t, stack, accessRole)).toEqual(expect.arrayContaining([...PULL_ACTIONS, 'ecr:GetAuthorizationToken', 'ecr:DescribeImages']));
  });

  test('a given port is rendered as a string', () => {
    const f = fixture();
    const role = new AppRunnerAccessRole(f.stack, 'Role');
    expect(f.image.appRunnerSourceConfiguration({ accessRole: role, port: 3000 }).imageRepository)
      .toMatchObject({ imageConfiguration: { port: '3000' } });
  });

  test('fails on a port out of range', () => {
    const f = fixture();
    const role = new AppRunnerAccessRole(f.stack, 'Role');
    expect(() => f.image.appRunnerSourceConfiguration({ accessRole: role, port: 70000 }))
      .toThrow(/TestStack\/Check: invalid appRunnerSourceConfiguration\.port 70000: must be an integer port number 1-65535/);
  });

  test('a token port does not throw', () => {
    const f = fixture();
    const role = new AppRunnerAccessRole(f.stack, 'Role');
    const port = new CfnParameter(f.stack, 'Port', { type: 'Number' }).valueAsNumber;
    expect(() => f.image.appRunnerSourceConfiguration({ accessRole: role, port })).not.toThrow();
    new apprunner.CfnService(f.stack, 'Service', { sourceConfiguration: f.image.appRunnerSourceConfiguration({ accessRole: role, port }) });
    const rendered = Object.values(Template.fromStack(f.stack).findResources('AWS::AppRunner::Service'))[0] as any;
    expect(rendered.Properties.SourceConfiguration.ImageRepository.ImageConfiguration.Port).toEqual({ Ref: 'Port' });
  });
});

describe('AWS Batch on EKS: VerifiedImage.batchEksContainerImage', () => {
  const { stack, check, image } = fixture();
  const nodeRole = new iam.Role(stack, 'NodeRole', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
  new batch.EksJobDefinition(stack, 'Job', {
    container: new batch.EksContainerDefinition(stack, 'Container', { image: image.batchEksContainerImage(nodeRole) }),
  });
  const t = Template.fromStack(stack);
  const job = Object.values(t.findResources('AWS::Batch::JobDefinition'))[0] as any;

  test('the container runs the image pinned to the verified digest (@sha256, never :)', () => {
    expectPinned(stack, job.Properties.EksProperties.PodProperties.Containers[0].Image, check);
  });

  test('the node role may pull the repository', () => {
    expect(roleActions(t, stack, nodeRole)).toEqual(expect.arrayContaining([...PULL_ACTIONS, 'ecr:GetAuthorizationToken']));
  });

  test('without a node role nothing is granted', () => {
    const f = fixture();
    new batch.EksContainerDefinition(f.stack, 'Container', { image: f.image.batchEksContainerImage() });
    const policies = Object.values(Template.fromStack(f.stack).findResources('AWS::IAM::Policy'));
    // Only the image check's own handler role has a policy.
    expect(policies.map((p: any) => p.Properties.Roles)).toEqual([[{ Ref: expect.stringMatching(/^CdkEcrRegistryImageCheckProviderRole/) }]]);
  });

  test('VerifiedContainerImage does not fit there (it needs an ECS task definition)', () => {
    const f = fixture();
    expect(() => new batch.EksContainerDefinition(f.stack, 'Container', { image: f.image.ecsContainerImage() })).toThrow();
  });
});

describe('AWS Batch on ECS: VerifiedContainerImage works as it is', () => {
  const { stack, check, image } = fixture();
  const container = new batch.EcsFargateContainerDefinition(stack, 'Container', {
    image: VerifiedContainerImage.fromVerifiedImage(image),
    cpu: 1,
    memory: Size.gibibytes(2),
  });
  new batch.EcsJobDefinition(stack, 'Job', { container });
  const t = Template.fromStack(stack);
  const job = Object.values(t.findResources('AWS::Batch::JobDefinition'))[0] as any;

  test('the job runs the image pinned to the verified digest (@sha256, never :)', () => {
    expectPinned(stack, job.Properties.ContainerProperties.Image, check);
  });

  test('the job\'s execution role may pull the repository', () => {
    const roleId = stack.getLogicalId(container.executionRole.node.defaultChild as any);
    expect(job.Properties.ContainerProperties.ExecutionRoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    expect(roleActions(t, stack, container.executionRole)).toEqual(expect.arrayContaining([...PULL_ACTIONS, 'ecr:GetAuthorizationToken']));
  });
});
