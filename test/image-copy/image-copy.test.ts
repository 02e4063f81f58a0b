import * as path from 'path';
import { App, CfnParameter, Fn, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import {
  EcrChecks, EcrValidationError, ImageCheck, ImageCopy, ImageCopyProps, ImageCopySource, ImageReference, PrivateRepository,
} from '../../src';
import { newestNodeRuntime } from '../../src/private/lambda-runtime';
import { caught } from '../helpers/errors';
import { newStack } from '../helpers/synth';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const REMOTE_ARN = 'arn:aws:ecr:eu-west-1:222222222222:repository/payments/api';
const APP_DIR = path.join(__dirname, 'fixtures', 'app');

function policyStatements(t: Template): any[] {
  return Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

describe('ImageCopy: three copies in one stack', () => {
  const stack = newStack();
  const governed = new PrivateRepository(stack, 'Governed', { repositoryName: 'team/app' });
  const asset = new ecrAssets.DockerImageAsset(stack, 'Asset', { directory: APP_DIR });
  const remote = ecr.Repository.fromRepositoryArn(stack, 'Remote', REMOTE_ARN);
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const secret = new secretsmanager.Secret(stack, 'Creds', { encryptionKey: key });
  const fromAsset = new ImageCopy(stack, 'FromAsset', { source: ImageCopySource.fromDockerImageAsset(asset), destination: governed });
  const fromEcr = new ImageCopy(stack, 'FromEcr', {
    source: ImageCopySource.fromImageReference(ImageReference.fromDigest(remote, DIGEST)),
    destination: governed,
    tags: ['api-1.2'],
    removeTagsOnDelete: true,
  });
  const fromHub = new ImageCopy(stack, 'FromHub', {
    source: ImageCopySource.fromRegistry('nginx:1.27', { credentials: secret }),
    destination: governed,
    platforms: ['linux/arm64'],
    tags: ['nginx-1.27'],
  });
  const check = new ImageCheck(stack, 'Check', { images: [fromAsset.toImageReference()] });
  const t = Template.fromStack(stack);

  test('one function, role and log group for the stack; one custom resource per copy', () => {
    t.resourceCountIs('Custom::EcrImageCopy', 3);
    const fns = t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('image copy') } });
    expect(Object.keys(fns)).toHaveLength(1);
    const fn = Object.keys(fns)[0];
    for (const c of Object.values(t.findResources('Custom::EcrImageCopy')) as any[]) {
      expect(c.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [fn, 'Arn'] });
      expect(c.Properties.ServiceTimeout).toBe('960');
      expect(c.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^CdkEcrRegistryImageCopyProviderRole.*DefaultPolicy/)]));
    }
  });

  test('the function: the library\'s runtime policy, 15 minutes, 1 GiB, arm64, its own log group', () => {
    t.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('image copy'),
      Runtime: newestNodeRuntime().name,
      Handler: 'index.handler',
      Timeout: 900,
      MemorySize: 1024,
      Architectures: ['arm64'],
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('ImageCopyProviderLogGroup') } },
    });
  });

  test('properties: the asset by its tag in the asset repository; ECR by digest; Docker Hub short name as given', () => {
    const assetRepo = 'cdk-hnb659fds-container-assets-111111111111-us-east-1';
    t.hasResourceProperties('Custom::EcrImageCopy', {
      Source: `111111111111.dkr.ecr.us-east-1.${'{URLSuffix}'}`.length > 0 ? Match.anyValue() : Match.absent(),
      Destination: { 'Fn::Join': ['', ['111111111111.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: Match.stringLikeRegexp('Governed') }]] },
      Tags: Match.absent(),
      Platforms: Match.absent(),
      RemoveTagsOnDelete: Match.absent(),
      SourceSecretArn: Match.absent(),
    });
    const props = (id: string) => (t.findResources('Custom::EcrImageCopy') as any)[stack.getLogicalId((stack.node.findChild(id).node.findChild('Resource').node.defaultChild) as any)].Properties;
    expect(JSON.stringify(props('FromAsset').Source)).toContain(`/${assetRepo}:${asset.imageTag}`);
    expect(props('FromEcr')).toMatchObject({
      Source: { 'Fn::Join': ['', ['222222222222.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, `/payments/api@${DIGEST}`]] },
      Tags: ['api-1.2'],
      RemoveTagsOnDelete: 'true',
    });
    expect(props('FromHub')).toMatchObject({
      Source: 'nginx:1.27',
      SourceSecretArn: { Ref: stack.getLogicalId(secret.node.defaultChild as any) },
      Platforms: ['linux/arm64'],
      Tags: ['nginx-1.27'],
    });
  });

  test('IAM: pull on the sources, push on the destination, the one secret and its key, untag only where asked; no *', () => {
    const statements = policyStatements(t);
    const governedArn = { 'Fn::GetAtt': [stack.getLogicalId(governed.node.defaultChild as any), 'Arn'] };
    const pull = statements.find(s => JSON.stringify(s.Action) === JSON.stringify(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']));
    expect(pull.Resource).toHaveLength(2);
    expect(JSON.stringify(pull.Resource[0])).toContain('cdk-hnb659fds-container-assets');
    expect(pull.Resource[1]).toBe(REMOTE_ARN);
    const push = statements.find(s => Array.isArray(s.Action) && s.Action.includes('ecr:PutImage'));
    expect(push.Action).toEqual(['ecr:BatchGetImage', 'ecr:BatchCheckLayerAvailability', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage']);
    expect(push.Resource).toEqual(governedArn);
    expect(statements.find(s => s.Action === 'ecr:BatchDeleteImage').Resource).toEqual(governedArn);
    const read = statements.find(s => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'));
    expect(read.Resource).toEqual({ Ref: stack.getLogicalId(secret.node.defaultChild as any) });
    const role = Object.keys(t.findResources('AWS::IAM::Role')).find(k => k.startsWith('CdkEcrRegistryImageCopyProviderRole'))!;
    // The key is in the stack: kms:Decrypt for the role goes into its key policy, through Secrets Manager only.
    t.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([{
          Action: 'kms:Decrypt',
          Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::GetAtt': [role, 'Arn'] } },
          Resource: '*',
        }]),
      },
    });
    const copyPolicy = Object.values(t.findResources('AWS::IAM::Policy')).find((p: any) => p.Properties.Roles[0].Ref === role);
    const json = JSON.stringify(copyPolicy);
    expect(json).not.toContain('"*"');
    // The engine uses the ECR API (SigV4), never a registry token.
    expect(json).not.toContain('GetAuthorizationToken');
  });

  test('results: digest and imageUri from the resource; toImageReference hands the copy to ImageCheck by digest', () => {
    const logical = stack.getLogicalId(fromAsset.resource.node.defaultChild as any);
    expect(stack.resolve(fromAsset.digest)).toEqual({ 'Fn::GetAtt': [logical, 'Digest'] });
    expect(stack.resolve(fromAsset.imageUri)).toEqual({
      'Fn::Join': ['', ['111111111111.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: stack.getLogicalId(governed.node.defaultChild as any) }, '@', { 'Fn::GetAtt': [logical, 'Digest'] }]],
    });
    expect(fromAsset.toImageReference().digest).toBe(fromAsset.digest);
    expect(fromAsset.toImageReference().repository).toBe(governed);
    t.hasResourceProperties('Custom::EcrImageCheck', {
      Images: [{ Registry: '111111111111', Region: 'us-east-1', Repository: Match.anyValue(), Digest: { 'Fn::GetAtt': [logical, 'Digest'] } }],
    });
    expect(check.verifiedImages[0].digest).toBeDefined();
    expect(fromEcr.repository).toBe(governed);
    expect(stack.resolve(fromHub.mediaType)).toEqual({ 'Fn::GetAtt': [stack.getLogicalId(fromHub.resource.node.defaultChild as any), 'MediaType'] });
  });

  test('no credential in the template: only the secret\'s ARN', () => {
    const json = JSON.stringify(t.toJSON());
    expect(json).not.toMatch(/password|"SecretString"/i);
  });

  test('snapshot', () => {
    expect(t.toJSON()).toMatchSnapshot();
  });
});

describe('compliance', () => {
  test('no unacknowledged finding of cdk-nag (AwsSolutions, NIST 800-53 R5, HIPAA, PCI DSS 3.2.1) or EcrChecks', () => {
    const app = new App();
    const stack = newStack({}, app);
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const governed = new PrivateRepository(stack, 'Governed', { repositoryName: 'team/app', encryptionKey: key });
    const asset = new ecrAssets.DockerImageAsset(stack, 'Asset', { directory: APP_DIR });
    new ImageCopy(stack, 'Copy', { source: ImageCopySource.fromDockerImageAsset(asset), destination: governed, tags: ['v1'], removeTagsOnDelete: true });
    // The referrers of an ECR source add ecr:GetAuthorizationToken (no resource, "*").
    new ImageCopy(stack, 'Signed', { source: ImageCopySource.fromDockerImageAsset(asset), destination: governed, referrers: true });
    new ImageCopy(stack, 'Public', { source: ImageCopySource.fromRegistry('public.ecr.aws/docker/library/nginx:1.27'), destination: governed });
    app.synth();
    const findings: string[] = [];
    for (const pack of [new AwsSolutionsChecks(), new NIST80053R5Checks(), new HIPAASecurityChecks(), new PCIDSS321Checks(), new EcrChecks()]) {
      for (const v of (pack as any).validateScope(app).violations) {
        for (const r of v.violatingResources) {
          findings.push(`${pack.name} ${v.ruleName} ${r.constructPath}`);
        }
      }
    }
    expect(findings).toEqual([]);
  });
});

describe('referrers', () => {
  test('of an ECR source: the role may get a registry token (ecr:GetAuthorizationToken, resource *), once; of another registry or without referrers: not', () => {
    const copies = (signed: boolean) => {
      const stack = newStack();
      const repo = new PrivateRepository(stack, 'Repo');
      const remote = ecr.Repository.fromRepositoryArn(stack, 'Remote', REMOTE_ARN);
      new ImageCopy(stack, 'Hub', { source: ImageCopySource.fromRegistry('ghcr.io/org/app:1.2'), destination: repo, referrers: true });
      new ImageCopy(stack, 'Unsigned', { source: ImageCopySource.fromImageReference(ImageReference.fromDigest(remote, DIGEST)), destination: repo });
      if (signed) {
        new ImageCopy(stack, 'Signed', { source: ImageCopySource.fromImageReference(ImageReference.fromDigest(remote, DIGEST)), destination: repo, referrers: true });
        new ImageCopy(stack, 'Signed2', { source: ImageCopySource.fromImageReference(ImageReference.fromTag(repo, 'v1')), destination: repo, referrers: true });
      }
      return Template.fromStack(stack);
    };
    expect(JSON.stringify(copies(false).toJSON())).not.toContain('GetAuthorizationToken');
    const token = policyStatements(copies(true)).filter(s => JSON.stringify(s.Action).includes('ecr:GetAuthorizationToken'));
    expect(token).toEqual([{ Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' }]);
  });
});

describe('sources', () => {
  test('a TarballImageAsset is copied from its asset repository', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    const tarball = new ecrAssets.TarballImageAsset(stack, 'Tarball', { tarballFile: path.join(APP_DIR, 'hello.txt') });
    new ImageCopy(stack, 'Copy', { source: ImageCopySource.fromTarballImageAsset(tarball), destination: repo });
    const src = JSON.stringify(Template.fromStack(stack).findResources('Custom::EcrImageCopy'));
    expect(src).toContain(`:${tarball.imageTag}`);
    expect(src).toContain('cdk-hnb659fds-container-assets');
  });

  test('ghcr.io, quay.io and public.ecr.aws by tag or digest; a short name with an organization', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    for (const [i, ref] of ['ghcr.io/org/app:1.2', `quay.io/org/app@${DIGEST}`, 'public.ecr.aws/docker/library/nginx:1.27', 'me/app:v1'].entries()) {
      new ImageCopy(stack, `Copy${i}`, { source: ImageCopySource.fromRegistry(ref), destination: repo });
    }
    Template.fromStack(stack).resourceCountIs('Custom::EcrImageCopy', 4);
    // Anonymous: no secret statement at all.
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('secretsmanager');
  });

  test('a repository in the same stack as destination and source; an imported repository in another account', () => {
    const stack = newStack();
    const a = new PrivateRepository(stack, 'A');
    const b = ecr.Repository.fromRepositoryArn(stack, 'B', REMOTE_ARN);
    new ImageCopy(stack, 'Copy', { source: ImageCopySource.fromImageReference(ImageReference.fromTag(a, 'v1')), destination: b });
    Template.fromStack(stack).hasResourceProperties('Custom::EcrImageCopy', {
      Destination: { 'Fn::Join': ['', ['222222222222.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/payments/api']] },
    });
  });
});

describe('validation: one EcrValidationError naming path, property, value and what is allowed', () => {
  const build = (props: Partial<ImageCopyProps>) => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    return () => new ImageCopy(stack, 'Copy', { source: ImageCopySource.fromRegistry('nginx:1.27'), destination: repo, ...props });
  };

  test.each([
    ['a reference without tag or digest', { source: ImageCopySource.fromRegistry('ghcr.io/org/app') }, 'source.reference', 'ghcr.io/org/app', /names no tag and no digest/],
    ['an upper-case path', { source: ImageCopySource.fromRegistry('ghcr.io/Org/App:1') }, 'source.reference', 'ghcr.io/Org/App:1', /path component/],
    ['a private ECR host', { source: ImageCopySource.fromRegistry('111111111111.dkr.ecr.us-east-1.amazonaws.com/app:v1') }, 'source.reference', '111111111111.dkr.ecr.us-east-1.amazonaws.com/app:v1', /fromImageReference/],
    ['a bad tag', { tags: ['-bad'] }, 'tags[0]', '-bad', /must be an image tag/],
    ['too many tags', { tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }, 'tags', expect.any(Array), /1-10 entries/],
    ['a bad platform', { platforms: ['linux'] }, 'platforms[0]', 'linux', /os\/arch/],
    ['removeTagsOnDelete without tags', { removeTagsOnDelete: true }, 'removeTagsOnDelete', true, /only with tags/],
    ['removeTagsOnDelete as a string', { tags: ['v1'], removeTagsOnDelete: 'yes' as any }, 'removeTagsOnDelete', 'yes', /true or false/],
  ])('%s', (_, props, property, value, allowed) => {
    const e = caught(build(props as any)) as EcrValidationError;
    expect(EcrValidationError.isEcrValidationError(e)).toBe(true);
    expect(e.constructPath).toBe('TestStack/Copy');
    expect(e.violations).toEqual([expect.objectContaining({ property, value, allowed: expect.stringMatching(allowed) })]);
  });

  test('a bad digest in an ImageReference source', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    const e = caught(() => new ImageCopy(stack, 'Copy', { source: ImageCopySource.fromImageReference(ImageReference.fromDigest(repo, 'sha256:abc')), destination: repo })) as EcrValidationError;
    expect(e.violations).toEqual([expect.objectContaining({ property: 'source.digest', value: 'sha256:abc' })]);
  });

  test('every problem at once, one throw', () => {
    const e = caught(build({ tags: ['-x', '.y'], platforms: ['bad'] })) as EcrValidationError;
    expect(e.violations.map(v => v.property)).toEqual(['tags[0]', 'tags[1]', 'platforms[0]']);
  });

  test('the Lambda runtime context key is checked with the props', () => {
    const stack = newStack({}, new App({ context: { 'cdk-ecr-registry:lambdaRuntime': 'python3.12' } }));
    const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'x');
    const e = caught(() => new ImageCopy(stack, 'Copy', { source: ImageCopySource.fromRegistry('nginx:1.27'), destination: repo })) as EcrValidationError;
    expect(e.violations[0].property).toBe('context cdk-ecr-registry:lambdaRuntime');
  });

  test('tokens are never rejected', () => {
    const stack = new Stack(new App(), 'S');
    const repo = ecr.Repository.fromRepositoryAttributes(stack, 'Repo', { repositoryArn: Fn.importValue('RepoArn'), repositoryName: Fn.importValue('RepoName') });
    const ref = new CfnParameter(stack, 'Ref').valueAsString;
    const c = new ImageCopy(stack, 'Copy', {
      source: ImageCopySource.fromRegistry(ref),
      destination: repo,
      tags: [Fn.importValue('Tag')],
      platforms: Token.asList(Fn.importValue('Platforms')),
    });
    new ImageCopy(stack, 'Copy2', {
      source: ImageCopySource.fromImageReference(ImageReference.fromTag(repo, Fn.importValue('T'))),
      destination: repo,
      tags: Token.asList(Fn.importValue('Tags')),
      removeTagsOnDelete: true,
    });
    expect(Token.isUnresolved(c.digest)).toBe(true);
    Template.fromStack(stack).resourceCountIs('Custom::EcrImageCopy', 2);
  });
});
