import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnParameter, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IPublicRepository, PublicRepository, PublicRepositoryArchitecture, PublicRepositoryOperatingSystem, PublicRepositoryProps } from '../../src';
import { newestNodeRuntime } from '../../src/private/lambda-runtime';
import { PUBLIC_CATALOG_HANDLER_SOURCE } from '../../src/public/private/catalog-handler-source';
import { newStack } from '../helpers/synth';

const FIXTURES = path.join(__dirname, 'fixtures');
const LOGO_PNG = path.join(FIXTURES, 'logo.png');
const PUSH = [
  'ecr-public:BatchCheckLayerAvailability', 'ecr-public:InitiateLayerUpload', 'ecr-public:UploadLayerPart',
  'ecr-public:CompleteLayerUpload', 'ecr-public:PutImage',
];

function template(props: PublicRepositoryProps = {}): Template {
  const stack = newStack();
  new PublicRepository(stack, 'Repo', props);
  return Template.fromStack(stack);
}

describe('PublicRepository defaults', () => {
  const t = template();

  test('one AWS::ECR::PublicRepository, nothing else', () => {
    expect(Object.keys(t.toJSON().Resources)).toHaveLength(1);
    t.resourceCountIs('AWS::ECR::PublicRepository', 1);
  });

  test('tagged visibility=public (Security Hub ECR.4)', () => {
    t.hasResourceProperties('AWS::ECR::PublicRepository', { Tags: [{ Key: 'visibility', Value: 'public' }] });
  });

  test('retained, with no catalog data, name or policy', () => {
    t.hasResource('AWS::ECR::PublicRepository', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    t.hasResourceProperties('AWS::ECR::PublicRepository', {
      RepositoryName: Match.absent(), RepositoryCatalogData: Match.absent(), RepositoryPolicyText: Match.absent(),
    });
  });

  test('no warnings in us-east-1 and nothing for cdk-nag', () => {
    const stack = newStack();
    new PublicRepository(stack, 'Repo');
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  test('snapshot (defaults)', () => {
    expect(t.toJSON()).toMatchSnapshot();
  });
});

describe('PublicRepository catalog data', () => {
  test('typed catalog data renders as RepositoryCatalogData', () => {
    template({
      repositoryName: 'tools/cli',
      description: 'A CLI',
      aboutText: '# About',
      usageText: '`docker run public.ecr.aws/x/tools/cli`',
      architectures: [
        PublicRepositoryArchitecture.ARM, PublicRepositoryArchitecture.ARM_64,
        PublicRepositoryArchitecture.X86, PublicRepositoryArchitecture.X86_64,
      ],
      operatingSystems: [PublicRepositoryOperatingSystem.LINUX, PublicRepositoryOperatingSystem.WINDOWS],
    }).hasResourceProperties('AWS::ECR::PublicRepository', {
      RepositoryName: 'tools/cli',
      RepositoryCatalogData: {
        RepositoryDescription: 'A CLI',
        AboutText: '# About',
        UsageText: '`docker run public.ecr.aws/x/tools/cli`',
        Architectures: ['ARM', 'ARM 64', 'x86', 'x86-64'],
        OperatingSystems: ['Linux', 'Windows'],
      },
    });
  });

  test('other architecture and OS tags are accepted', () => {
    template({ architectures: [PublicRepositoryArchitecture.of('riscv64')], operatingSystems: [PublicRepositoryOperatingSystem.of('FreeBSD')] })
      .hasResourceProperties('AWS::ECR::PublicRepository', { RepositoryCatalogData: { Architectures: ['riscv64'], OperatingSystems: ['FreeBSD'] } });
  });

  test('user tags are added to the default tag, which can be overridden', () => {
    template({ tags: { team: 'platform', visibility: 'public-gallery' } })
      .hasResourceProperties('AWS::ECR::PublicRepository', {
        Tags: [{ Key: 'team', Value: 'platform' }, { Key: 'visibility', Value: 'public-gallery' }],
      });
  });

  test('removal policy can be changed', () => {
    template({ removalPolicy: RemovalPolicy.DESTROY }).hasResource('AWS::ECR::PublicRepository', { DeletionPolicy: 'Delete' });
  });

  test('a PNG logo: a custom resource puts the whole catalog data with the logo as base64', () => {
    const t = template({ repositoryName: 'tools/cli', description: 'A CLI', logoImagePath: LOGO_PNG });
    t.hasResourceProperties('Custom::EcrPublicCatalogData', {
      ServiceToken: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CdkEcrRegistryPublicCatalogHandlerFunction'), 'Arn'] },
      RepositoryName: { Ref: Match.stringLikeRegexp('^Repo') },
      CatalogData: { RepositoryDescription: 'A CLI' },
      LogoImageBlob: fs.readFileSync(LOGO_PNG).toString('base64'),
    });
    // CloudFormation's RepositoryCatalogData has no logo property
    t.hasResourceProperties('AWS::ECR::PublicRepository', { RepositoryCatalogData: { RepositoryDescription: 'A CLI', LogoImageBlob: Match.absent() } });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Action: 'ecr-public:PutRepositoryCatalogData',
          Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Repo'), 'Arn'] },
        }]),
      },
    });
    t.hasResourceProperties('AWS::Lambda::Function', { Runtime: newestNodeRuntime().name, Handler: 'index.handler', Code: { ZipFile: PUBLIC_CATALOG_HANDLER_SOURCE } });
  });

  test('a JPEG logo is accepted', () => {
    template({ logoImagePath: path.join(FIXTURES, 'logo.jpg') }).resourceCountIs('Custom::EcrPublicCatalogData', 1);
  });

  test('one handler function per stack, whatever the number of logos', () => {
    const stack = newStack();
    new PublicRepository(stack, 'A', { logoImagePath: LOGO_PNG });
    new PublicRepository(stack, 'B', { logoImagePath: LOGO_PNG });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Lambda::Function', 1);
    t.resourceCountIs('Custom::EcrPublicCatalogData', 2);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  test('the inline handler fits the 4,096-character ZipFile limit', () => {
    expect(PUBLIC_CATALOG_HANDLER_SOURCE.length).toBeLessThan(4096);
  });

  test('token inputs do not throw', () => {
    const stack = newStack();
    const name = new CfnParameter(stack, 'Name');
    const text = new CfnParameter(stack, 'Text');
    new PublicRepository(stack, 'Repo', {
      repositoryName: name.valueAsString,
      description: text.valueAsString,
      architectures: [PublicRepositoryArchitecture.of(text.valueAsString)],
      tags: { team: text.valueAsString },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::PublicRepository', {
      RepositoryName: { Ref: 'Name' }, RepositoryCatalogData: { RepositoryDescription: { Ref: 'Text' }, Architectures: [{ Ref: 'Text' }] },
    });
  });

  test('snapshot (everything on)', () => {
    const stack = newStack();
    const repo = new PublicRepository(stack, 'Repo', {
      repositoryName: 'tools/cli',
      description: 'A CLI',
      aboutText: '# About',
      usageText: 'docker run',
      architectures: [PublicRepositoryArchitecture.ARM_64, PublicRepositoryArchitecture.X86_64],
      operatingSystems: [PublicRepositoryOperatingSystem.LINUX],
      logoImagePath: LOGO_PNG,
      tags: { team: 'platform' },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    repo.grantPush(new iam.ArnPrincipal('arn:aws:iam::222222222222:role/release'));
    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
  });
});

describe('PublicRepository grants', () => {
  test('push for a role in another account: repository policy naming the role, no Resource element', () => {
    const stack = newStack();
    const repo = new PublicRepository(stack, 'Repo');
    repo.grantPush(iam.Role.fromRoleArn(stack, 'Release', 'arn:aws:iam::222222222222:role/release'));
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::PublicRepository', {
      RepositoryPolicyText: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: PUSH, Principal: { AWS: 'arn:aws:iam::222222222222:role/release' } }],
      },
    });
  });

  test('push for a role in the same account: identity policy with login actions, no repository policy', () => {
    const stack = newStack();
    const repo = new PublicRepository(stack, 'Repo');
    const role = new iam.Role(stack, 'Ci', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    expect(repo.grantPush(role).success).toBe(true);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECR::PublicRepository', { RepositoryPolicyText: Match.absent() });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: PUSH, Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Repo'), 'Arn'] } },
          { Effect: 'Allow', Action: ['ecr-public:GetAuthorizationToken', 'sts:GetServiceBearerToken'], Resource: '*' },
        ],
      },
    });
  });

  test('name and ARN attributes', () => {
    const stack = newStack();
    const repo = new PublicRepository(stack, 'Repo', { repositoryName: 'tools/cli' });
    expect(stack.resolve(repo.repositoryName)).toEqual({ Ref: 'Repo02AC86CF' });
    expect(stack.resolve(repo.repositoryArn)).toEqual({ 'Fn::GetAtt': ['Repo02AC86CF', 'Arn'] });
  });
});

describe('PublicRepository shape: a Resource behind IPublicRepository', () => {
  test('the L1 is node.defaultChild; the action lists are the documented ones', () => {
    const stack = newStack();
    const repo: IPublicRepository = new PublicRepository(stack, 'Repo', { repositoryName: 'tools/cli' });
    expect(repo.node.defaultChild).toBeInstanceOf(ecr.CfnPublicRepository);
    expect((repo.node.defaultChild as ecr.CfnPublicRepository).repositoryName).toBe('tools/cli');
    expect(PublicRepository.PUSH_ACTIONS).toEqual(PUSH);
    expect(PublicRepository.AUTHORIZATION_ACTIONS).toEqual(['ecr-public:GetAuthorizationToken', 'sts:GetServiceBearerToken']);
  });

  test('fromRepositoryName: name, ARN and a same-account push grant; nothing synthesized', () => {
    const stack = newStack();
    const repo = PublicRepository.fromRepositoryName(stack, 'Existing', 'tools/cli');
    expect(repo.repositoryName).toBe('tools/cli');
    expect(stack.resolve(repo.repositoryArn)).toEqual(
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr-public::111111111111:repository/tools/cli']] });
    const role = new iam.Role(stack, 'Ci', { assumedBy: new iam.ServicePrincipal('codebuild.amazonaws.com') });
    expect(repo.grantPush(role).success).toBe(true);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ECR::PublicRepository', 0);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: PUSH, Resource: stack.resolve(repo.repositoryArn) },
          { Effect: 'Allow', Action: ['ecr-public:GetAuthorizationToken', 'sts:GetServiceBearerToken'], Resource: '*' },
        ],
      },
    });
  });

  test('an imported repository takes no policy statement, and says so in a warning', () => {
    const stack = newStack();
    const repo = PublicRepository.fromRepositoryName(stack, 'Existing', 'tools/cli');
    expect(repo.addToResourcePolicy(new iam.PolicyStatement({ actions: ['ecr-public:PutImage'], principals: [new iam.AccountRootPrincipal()] })).statementAdded).toBe(false);
    repo.grantPush(iam.Role.fromRoleArn(stack, 'Release', 'arn:aws:iam::222222222222:role/release'));
    Template.fromStack(stack).resourceCountIs('AWS::ECR::PublicRepository', 0);
    Annotations.fromStack(stack).hasWarning('/TestStack/Existing',
      Match.stringLikeRegexp('repository policy of the imported public repository tools/cli cannot be changed from this stack'));
  });

  test('fails on a bad imported name; a token name does not throw', () => {
    const stack = newStack();
    expect(() => PublicRepository.fromRepositoryName(stack, 'Bad', 'Tools')).toThrow(
      /^TestStack\/Bad: invalid repositoryName "Tools": must be 2-205 characters/);
    expect(stack.node.tryFindChild('Bad')).toBeUndefined();
    const name = new CfnParameter(stack, 'Name').valueAsString;
    expect(PublicRepository.fromRepositoryName(stack, 'Token', name).repositoryName).toBe(name);
  });
});

describe('PublicRepository region', () => {
  test('fails in a stack with another concrete region', () => {
    const stack = newStack({ env: { account: '111111111111', region: 'us-west-2' } });
    expect(() => new PublicRepository(stack, 'Repo')).toThrow(
      'TestStack/Repo: invalid region "us-west-2": ECR Public repositories exist only in us-east-1: define this construct in a stack with env.region us-east-1');
    expect(stack.node.tryFindChild('Repo')).toBeUndefined();
  });

  test('warns in an environment-agnostic stack', () => {
    const stack = new Stack(new App(), 'Agnostic');
    new PublicRepository(stack, 'Repo');
    Annotations.fromStack(stack).hasWarning('/Agnostic/Repo',
      'ECR Public repositories exist only in us-east-1, and this stack is environment-agnostic: deploy it to us-east-1 (env.region). [ack: cdk-ecr-registry:publicRepositoryRegion]');
  });
});

describe('PublicRepository validation', () => {
  const make = (props: PublicRepositoryProps) => () => new PublicRepository(newStack(), 'Repo', props);
  const NAME_RULE = "must be 2-205 characters: lowercase letters and digits separated by single '.', '_' or '-', with optional '/' namespaces (pattern ^(?=.{2,205}$)(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$)";

  test.each([['Upper'], ['a'], ['-x'], ['a__b'], ['a/'], ['a'.repeat(206)]])('fails on repository name %p', (name) => {
    expect(make({ repositoryName: name })).toThrow(`TestStack/Repo: invalid repositoryName ${JSON.stringify(name)}: ${NAME_RULE}`);
  });

  test.each([['ab'], ['tools/cli'], ['a.b-c_d/e'], ['a'.repeat(205)]])('accepts repository name %p', (name) => {
    expect(make({ repositoryName: name })).not.toThrow();
  });

  test('fails on texts over their limits, all reported together', () => {
    expect(make({ description: 'd'.repeat(1025), aboutText: 'a'.repeat(10241), usageText: 'u'.repeat(10241) })).toThrow(
      /^TestStack\/Repo: 3 invalid properties:\n {2}- invalid description "d{1025}": must be 0-1024 characters long \(got 1025\)\n {2}- invalid aboutText "a{10241}": must be 0-10240 characters long \(got 10241\)\n {2}- invalid usageText "u{10241}": must be 0-10240 characters long \(got 10241\)$/);
  });

  test('fails on duplicate architectures', () => {
    expect(make({ architectures: [PublicRepositoryArchitecture.ARM_64, PublicRepositoryArchitecture.ARM_64] })).toThrow(
      'TestStack/Repo: invalid architectures[1] "ARM 64": is listed twice');
  });

  test('fails on an operating system tag over 50 characters', () => {
    expect(make({ operatingSystems: [PublicRepositoryOperatingSystem.of('x'.repeat(51))] })).toThrow(
      `TestStack/Repo: invalid operatingSystems[0] "${'x'.repeat(51)}": must be 1-50 characters long (got 51)`);
  });

  test('fails on more than 50 architectures', () => {
    const many = Array.from({ length: 51 }, (_, i) => PublicRepositoryArchitecture.of(`a${i}`));
    expect(make({ architectures: many })).toThrow(/^TestStack\/Repo: invalid architectures \["a0",.*: must have at most 50 entries \(got 51\)$/);
  });

  test('fails on an aws: tag key', () => {
    expect(make({ tags: { 'aws:owner': 'x' } })).toThrow(
      'TestStack/Repo: invalid tags["aws:owner"] "aws:owner": tag keys are 1-127 characters and do not start with "aws:"');
  });

  test('fails on a logo of the wrong type', () => {
    const gif = path.join(FIXTURES, 'logo.gif');
    expect(make({ logoImagePath: gif })).toThrow(`TestStack/Repo: invalid logoImagePath ${JSON.stringify(gif)}: must be a .png, .jpg or .jpeg file`);
  });

  test('fails on a .png file whose content is not a PNG', () => {
    const fake = path.join(FIXTURES, 'not-a-png.png');
    expect(make({ logoImagePath: fake })).toThrow(
      `TestStack/Repo: invalid logoImagePath ${JSON.stringify(fake)}: the content is not a PNG image (its first bytes do not match the .png signature)`);
  });

  test('fails on a missing logo file', () => {
    const missing = path.join(FIXTURES, 'missing.png');
    expect(make({ logoImagePath: missing })).toThrow(`TestStack/Repo: invalid logoImagePath ${JSON.stringify(missing)}: file not found`);
  });

  test('fails on a logo over 512,000 bytes; accepts exactly 512,000', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logo-'));
    try {
      const png = fs.readFileSync(LOGO_PNG);
      const big = path.join(dir, 'big.png');
      fs.writeFileSync(big, Buffer.concat([png, Buffer.alloc(512001 - png.length)]));
      expect(make({ logoImagePath: big })).toThrow(
        `TestStack/Repo: invalid logoImagePath ${JSON.stringify(big)}: must be at most 512000 bytes, the ECR Public logo limit (got 512001)`);
      const max = path.join(dir, 'max.png');
      fs.writeFileSync(max, Buffer.concat([png, Buffer.alloc(512000 - png.length)]));
      expect(make({ logoImagePath: max })).not.toThrow();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('catalog data handler (inline source, run with stubs)', () => {
  function load(send: (cmd: any) => Promise<unknown>) {
    const responses: any[] = [];
    const fakeHttps = {
      request: (opts: any, cb: (res: any) => void) => ({
        on: () => undefined,
        end: (body: string) => {
          responses.push({ opts, body: JSON.parse(body) });
          cb({ resume: () => undefined, on: (_e: string, fn: () => void) => fn() });
        },
      }),
    };
    class PutRepositoryCatalogDataCommand { constructor(public readonly input: any) {} }
    const fakeSdk = { ECRPUBLICClient: class { send = send; }, PutRepositoryCatalogDataCommand };
    const mod: any = { exports: {} };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function('exports', 'require', PUBLIC_CATALOG_HANDLER_SOURCE)(mod.exports,
      (name: string) => (name === 'https' ? fakeHttps : fakeSdk));
    return { handler: mod.exports.handler as (e: any) => Promise<void>, responses };
  }

  const event = (type: string) => ({
    RequestType: type,
    ResponseURL: 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/response?X-Amz-Signature=1',
    StackId: 'stack',
    RequestId: 'req',
    LogicalResourceId: 'Logo',
    ResourceProperties: {
      RepositoryName: 'tools/cli',
      CatalogData: { RepositoryDescription: 'A CLI', Architectures: ['ARM 64'] },
      LogoImageBlob: Buffer.from('PNGDATA').toString('base64'),
    },
  });

  test('Create puts the catalog data with the decoded logo bytes and reports SUCCESS', async () => {
    const sent: any[] = [];
    const { handler, responses } = load(async (cmd) => { sent.push(cmd.input); return {}; });
    await handler(event('Create'));
    expect(sent).toEqual([{
      repositoryName: 'tools/cli',
      catalogData: {
        description: 'A CLI',
        aboutText: undefined,
        usageText: undefined,
        architectures: ['ARM 64'],
        operatingSystems: undefined,
        logoImageBlob: Buffer.from('PNGDATA'),
      },
    }]);
    expect(responses).toHaveLength(1);
    expect(responses[0].opts).toMatchObject({ hostname: 'cloudformation-custom-resource-response-useast1.s3.amazonaws.com', path: '/response?X-Amz-Signature=1', method: 'PUT' });
    expect(responses[0].body).toEqual({
      Status: 'SUCCESS', Reason: 'OK', PhysicalResourceId: 'tools/cli/catalog-data', StackId: 'stack', RequestId: 'req', LogicalResourceId: 'Logo', Data: {},
    });
  });

  test('Delete calls nothing and keeps the physical id', async () => {
    const { handler, responses } = load(async () => { throw new Error('must not be called'); });
    await handler({ ...event('Delete'), PhysicalResourceId: 'tools/cli/catalog-data' });
    expect(responses[0].body).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'tools/cli/catalog-data' });
  });

  test.each([
    ['plain http to the metadata service', 'http://169.254.169.254/latest/meta-data?Signature=1'],
    ['another host', 'https://evil.example/cloudformation-custom-resource-response-useast1/x?Signature=1'],
    ['a look-alike host', 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.evil.example/x?Signature=1'],
    ['file:', 'file:///etc/passwd'],
    ['not a URL', 'not a url'],
    ['no URL', undefined],
    ['not pre-signed', 'https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x'],
  ])('a ResponseURL that is not CloudFormation\'s (%s): refused before any call, nothing sent', async (_what, url) => {
    const sent: any[] = [];
    const { handler, responses } = load(async (cmd) => { sent.push(cmd); return {}; });
    const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await handler({ ...event('Create'), ResponseURL: url });
      expect(errors.mock.calls.map(c => c[0])).toEqual([expect.stringMatching(/^refused the request: its ResponseURL is .+; no call made, no answer sent$/)]);
    } finally {
      errors.mockRestore();
    }
    expect(sent).toEqual([]);
    expect(responses).toEqual([]);
  });

  test('the ResponseURL forms CloudFormation sends in aws, aws-cn and aws-us-gov are answered', async () => {
    for (const url of [
      'https://cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com/a?X-Amz-Signature=1',
      'https://cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn/a?X-Amz-Signature=1',
      'https://cloudformation-custom-resource-response-usgovwest1.s3-us-gov-west-1.amazonaws.com/a?Signature=1&Expires=1',
    ]) {
      const { handler, responses } = load(async () => ({}));
      await handler({ ...event('Create'), ResponseURL: url });
      expect(responses).toHaveLength(1);
    }
  });

  test.each([
    ['an unknown RequestType (it was a Put)', { RequestType: 'Replace' }, 'invalid RequestType "Replace": Create, Update or Delete is allowed; no call made'],
    ['a RepositoryName that is not a name', { ResourceProperties: { RepositoryName: '../x\r\nFAKE' } }, 'invalid RepositoryName "../x\\r\\nFAKE": an ECR Public repository name is allowed; no call made'],
    ['a RepositoryName as a list', { ResourceProperties: { RepositoryName: ['tools/cli'] } }, 'invalid RepositoryName ["tools/cli"]: an ECR Public repository name is allowed; no call made'],
    ['CatalogData as a string', { ResourceProperties: { RepositoryName: 'tools/cli', CatalogData: 'x' } }, 'invalid CatalogData "x": an object is allowed; no call made'],
    ['a logo that is not base64', { ResourceProperties: { RepositoryName: 'tools/cli', LogoImageBlob: 'not base64!' } }, 'invalid LogoImageBlob "not base64!": base64 text is allowed; no call made'],
  ])('%s: FAILED before any call, naming the property, the value and what is allowed', async (_what, change, reason) => {
    const sent: any[] = [];
    const { handler, responses } = load(async (cmd) => { sent.push(cmd); return {}; });
    await handler({ ...event('Create'), ...change });
    expect(sent).toEqual([]);
    expect(responses).toHaveLength(1);
    expect(responses[0].body).toMatchObject({ Status: 'FAILED', Reason: reason });
  });

  test('a Delete with invalid properties: SUCCESS, no call, a bounded physical id', async () => {
    const { handler, responses } = load(async () => { throw new Error('must not be called'); });
    await handler({ ...event('Delete'), ResourceProperties: { RepositoryName: 'x'.repeat(100_000), CatalogData: 7 } });
    expect(responses[0].body).toMatchObject({ Status: 'SUCCESS' });
    expect(responses[0].body.PhysicalResourceId.length).toBeLessThanOrEqual(205 + '/catalog-data'.length);
  });

  test('control characters of an API error are escaped in the Reason', async () => {
    const { handler, responses } = load(async () => { throw new Error('bad\r\nFAKE\u001b[2J\u202e'); });
    await handler(event('Update'));
    expect(responses[0].body.Reason).toBe('bad\\x0d\\x0aFAKE\\x1b[2J\\u{202e}');
  });

  test('an API error is reported as FAILED with its message', async () => {
    const { handler, responses } = load(async () => { throw new Error('RepositoryNotFoundException: no such repository'); });
    await handler(event('Update'));
    expect(responses[0].body).toMatchObject({ Status: 'FAILED', Reason: 'RepositoryNotFoundException: no such repository' });
  });
});
