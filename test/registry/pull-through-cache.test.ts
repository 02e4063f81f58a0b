import { App, CfnParameter, RemovalPolicy, Resource, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IPullThroughCacheRule, PullThroughCacheRule, Registry, RegistryScanning, UpstreamRegistry } from '../../src';
import { newStack } from '../helpers/synth';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:ecr-pullthroughcache/docker-hub-AbCdEf';

function setup() {
  const stack = newStack({ env: ENV });
  const registry = new Registry(stack, 'Registry', { scanning: RegistryScanning.unmanaged() });
  const secret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', SECRET_ARN);
  return { stack, registry, secret };
}

const arn = (region: string, account: string, rest: string) =>
  ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ecr:${region}:${account}:${rest}`]] });

describe('upstream registries', () => {
  const { stack, registry, secret } = setup();
  const cases: Array<[string, UpstreamRegistry, string, string, boolean]> = [
    ['EcrPublic', UpstreamRegistry.ecrPublic(), 'ecr-public', 'public.ecr.aws', false],
    ['K8s', UpstreamRegistry.kubernetes(), 'k8s', 'registry.k8s.io', false],
    ['Quay', UpstreamRegistry.quay(), 'quay', 'quay.io', false],
    ['DockerHub', UpstreamRegistry.dockerHub(secret), 'docker-hub', 'registry-1.docker.io', true],
    ['Ghcr', UpstreamRegistry.githubContainerRegistry(secret), 'github-container-registry', 'ghcr.io', true],
    ['GitLab', UpstreamRegistry.gitLabContainerRegistry(secret), 'gitlab-container-registry', 'registry.gitlab.com', true],
    ['Azure', UpstreamRegistry.azureContainerRegistry('myregistry', secret), 'azure-container-registry', 'myregistry.azurecr.io', true],
    ['Chainguard', UpstreamRegistry.chainguard(secret), 'chainguard', 'cgr.dev', true],
  ];
  const defaults: Record<string, string> = {
    EcrPublic: 'ecr-public',
    K8s: 'kubernetes',
    Quay: 'quay',
    DockerHub: 'docker-hub',
    Ghcr: 'github',
    GitLab: 'gitlab',
    Azure: 'azure',
    Chainguard: 'chainguard',
  };
  for (const [id, upstream] of cases) {
    registry.addPullThroughCacheRule(id, { upstream });
  }
  const t = Template.fromStack(stack);

  test.each(cases)('%s renders its upstream name, URL, default prefix and credentials', (id, _u, name, url, creds) => {
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      EcrRepositoryPrefix: defaults[id],
      UpstreamRegistry: name,
      UpstreamRegistryUrl: url,
      CredentialArn: creds ? SECRET_ARN : Match.absent(),
      CustomRoleArn: Match.absent(),
      UpstreamRepositoryPrefix: Match.absent(),
    });
  });

  test('one resource per rule', () => {
    t.resourceCountIs('AWS::ECR::PullThroughCacheRule', cases.length);
  });
});

describe('ECR upstream', () => {
  test('cross-account: a role is created with the pull-through cache trust and scoped permissions', () => {
    const { stack, registry } = setup();
    const rule = registry.addPullThroughCacheRule('Central', {
      upstream: UpstreamRegistry.ecr({ account: '222222222222', region: 'us-east-1', upstreamRepositoryPrefix: 'golden' }),
      repositoryPrefix: 'central',
    });
    expect(rule.role).toBeDefined();
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      EcrRepositoryPrefix: 'central',
      UpstreamRegistry: 'ecr',
      UpstreamRegistryUrl: '222222222222.dkr.ecr.us-east-1.amazonaws.com',
      UpstreamRepositoryPrefix: 'golden',
      CustomRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryCentralUpstreamRole'), 'Arn'] },
      CredentialArn: Match.absent(),
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'pullthroughcache.ecr.amazonaws.com' } }],
      },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Sid: 'PullFromUpstream', Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: arn('us-east-1', '222222222222', 'repository/golden/*') },
          {
            Sid: 'ImportIntoCache',
            Effect: 'Allow',
            Action: ['ecr:BatchImportUpstreamImage', 'ecr:CompleteLayerUpload', 'ecr:GetImageCopyStatus', 'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart'],
            Resource: arn('eu-west-1', '111111111111', 'repository/central/*'),
          },
          { Sid: 'Authenticate', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        ],
      },
    });
    // the rule waits for the role's policy
    const rules = t.findResources('AWS::ECR::PullThroughCacheRule');
    expect(Object.values(rules)[0].DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^RegistryCentralUpstreamRole/)]));
  });

  test('same account, other region: no role; China regions use amazonaws.com.cn', () => {
    const { stack, registry } = setup();
    const rule = registry.addPullThroughCacheRule('West', { upstream: UpstreamRegistry.ecr({ account: '111111111111', region: 'us-west-2' }) });
    registry.addPullThroughCacheRule('China', { upstream: UpstreamRegistry.ecr({ account: '111111111111', region: 'cn-north-1' }), repositoryPrefix: 'cn' });
    expect(rule.role).toBeUndefined();
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Role', 0);
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      EcrRepositoryPrefix: 'ecr', UpstreamRegistryUrl: '111111111111.dkr.ecr.us-west-2.amazonaws.com', CustomRoleArn: Match.absent(),
    });
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', { EcrRepositoryPrefix: 'cn', UpstreamRegistryUrl: '111111111111.dkr.ecr.cn-north-1.amazonaws.com.cn' });
  });

  test('a given role is used as is', () => {
    const { stack, registry } = setup();
    const role = iam.Role.fromRoleArn(stack, 'Role', 'arn:aws:iam::111111111111:role/ptc', { mutable: false });
    registry.addPullThroughCacheRule('Central', { upstream: UpstreamRegistry.ecr({ account: '222222222222', region: 'us-east-1', role }) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', { CustomRoleArn: 'arn:aws:iam::111111111111:role/ptc' });
    t.resourceCountIs('AWS::IAM::Role', 0);
  });

  test('fails on an ECR upstream that is this registry, and on bad account, region and prefix', () => {
    const { registry } = setup();
    expect(() => registry.addPullThroughCacheRule('Self', { upstream: UpstreamRegistry.ecr({ account: '111111111111', region: 'eu-west-1' }) })).toThrow(
      'TestStack/Registry/Self: invalid upstream "111111111111/eu-west-1": is this registry itself; an ECR upstream must be in another region or account');
    expect(() => registry.addPullThroughCacheRule('Bad', { upstream: UpstreamRegistry.ecr({ account: '2222', region: 'Mars', upstreamRepositoryPrefix: 'X' }) })).toThrow(
      'TestStack/Registry/Bad: 3 invalid properties:\n'
      + '  - invalid upstream.account "2222": must be a 12-digit AWS account id\n'
      + '  - invalid upstream.region "Mars": must be an AWS region name such as eu-west-1\n'
      + '  - invalid upstream.upstreamRepositoryPrefix "X": must be 2-30 characters long (got 1)');
  });
});

describe('credentials', () => {
  test.each([
    ['dockerHub', (s: any) => UpstreamRegistry.dockerHub(s), 'docker-hub'],
    ['githubContainerRegistry', (s: any) => UpstreamRegistry.githubContainerRegistry(s), 'github-container-registry'],
    ['gitLabContainerRegistry', (s: any) => UpstreamRegistry.gitLabContainerRegistry(s), 'gitlab-container-registry'],
    ['azureContainerRegistry', (s: any) => UpstreamRegistry.azureContainerRegistry('myregistry', s), 'azure-container-registry'],
    ['chainguard', (s: any) => UpstreamRegistry.chainguard(s), 'chainguard'],
  ])('fails on %s without credentials', (_name, factory, upstreamName) => {
    const { registry } = setup();
    expect(() => registry.addPullThroughCacheRule('Rule', { upstream: factory(undefined) })).toThrow(
      `TestStack/Registry/Rule: invalid upstream.credentials undefined: ${upstreamName} needs credentials: a Secrets Manager secret whose name starts with ecr-pullthroughcache/`);
  });

  test('fails on a secret whose name does not start with ecr-pullthroughcache/', () => {
    const { stack, registry } = setup();
    const secret = new secretsmanager.Secret(stack, 'Creds', { secretName: 'dockerhub-creds' });
    expect(() => registry.addPullThroughCacheRule('Rule', { upstream: UpstreamRegistry.dockerHub(secret) })).toThrow(
      'TestStack/Registry/Rule: invalid upstream.credentials "dockerhub-creds": the secret name must start with ecr-pullthroughcache/ (ECR reads only those secrets)');
    const imported = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Imported', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:dockerhub-AbCdEf');
    expect(() => registry.addPullThroughCacheRule('Rule2', { upstream: UpstreamRegistry.dockerHub(imported) })).toThrow(
      'TestStack/Registry/Rule2: invalid upstream.credentials "dockerhub": the secret name must start with ecr-pullthroughcache/');
  });

  test('fails on an owned secret with a generated name', () => {
    const { stack, registry } = setup();
    const secret = new secretsmanager.Secret(stack, 'Generated');
    expect(() => registry.addPullThroughCacheRule('Rule', { upstream: UpstreamRegistry.dockerHub(secret) })).toThrow(
      'TestStack/Registry/Rule: invalid upstream.credentials "TestStack/Generated": the secret has a generated name; give it a secretName that starts with ecr-pullthroughcache/ (ECR reads only those secrets)');
  });

  test('fails on a secret in another account or region', () => {
    const { stack, registry } = setup();
    const otherAccount = secretsmanager.Secret.fromSecretCompleteArn(stack, 'A', 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:ecr-pullthroughcache/x-AbCdEf');
    expect(() => registry.addPullThroughCacheRule('Rule', { upstream: UpstreamRegistry.dockerHub(otherAccount) })).toThrow(
      'TestStack/Registry/Rule: invalid upstream.credentials "arn:aws:secretsmanager:eu-west-1:999999999999:secret:ecr-pullthroughcache/x-AbCdEf": the secret must be in this registry\'s account 111111111111');
    const otherRegion = secretsmanager.Secret.fromSecretCompleteArn(stack, 'B', 'arn:aws:secretsmanager:us-east-1:111111111111:secret:ecr-pullthroughcache/x-AbCdEf');
    expect(() => registry.addPullThroughCacheRule('Rule2', { upstream: UpstreamRegistry.dockerHub(otherRegion) })).toThrow(
      'the secret must be in this registry\'s region eu-west-1');
  });

  test('an owned secret with the right name renders its ARN', () => {
    const { stack, registry } = setup();
    const secret = new secretsmanager.Secret(stack, 'Creds', { secretName: 'ecr-pullthroughcache/docker-hub' });
    registry.addPullThroughCacheRule('DockerHub', { upstream: UpstreamRegistry.dockerHub(secret) });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      CredentialArn: { Ref: Match.stringLikeRegexp('^Creds') },
    });
  });

  test('fails on a bad Azure registry name', () => {
    const { registry, secret } = setup();
    expect(() => registry.addPullThroughCacheRule('Azure', { upstream: UpstreamRegistry.azureContainerRegistry('my-reg', secret) })).toThrow(
      'TestStack/Registry/Azure: invalid upstream.registryName "my-reg": must be an Azure container registry name: 5-50 letters and digits');
  });
});

describe('prefixes and limits', () => {
  test('a custom prefix and ROOT', () => {
    const { stack, registry } = setup();
    registry.addPullThroughCacheRule('Public', { upstream: UpstreamRegistry.ecrPublic(), repositoryPrefix: 'mirror/public' });
    registry.addPullThroughCacheRule('Root', { upstream: UpstreamRegistry.quay(), repositoryPrefix: 'ROOT' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', { EcrRepositoryPrefix: 'mirror/public' });
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', { EcrRepositoryPrefix: 'ROOT', UpstreamRegistry: 'quay' });
  });

  const PATTERN = 'must be ROOT or a repository namespace: lowercase letters and digits separated by \'.\', \'_\', \'__\' or \'-\', with optional \'/\' levels';
  test.each([
    ['a', 'must be 2-30 characters long (got 1)'],
    ['a'.repeat(31), 'must be 2-30 characters long (got 31)'],
    ['Docker', PATTERN],
    ['-hub', PATTERN],
    ['root', undefined],
  ])('prefix %p', (prefix, allowed) => {
    const { registry } = setup();
    const add = () => registry.addPullThroughCacheRule('Rule', { upstream: UpstreamRegistry.ecrPublic(), repositoryPrefix: prefix });
    if (allowed === undefined) {
      expect(add).not.toThrow();
    } else {
      expect(add).toThrow(`TestStack/Registry/Rule: invalid repositoryPrefix ${JSON.stringify(prefix)}: ${allowed}`);
    }
  });

  test('fails on a prefix used twice in a stack', () => {
    const { registry } = setup();
    registry.addPullThroughCacheRule('A', { upstream: UpstreamRegistry.ecrPublic() });
    expect(() => registry.addPullThroughCacheRule('B', { upstream: UpstreamRegistry.ecrPublic() })).toThrow(
      'TestStack/Registry/B: invalid repositoryPrefix "ecr-public": TestStack/Registry/A already uses this prefix; each rule needs its own');
  });

  test('fails on the 51st rule', () => {
    const { registry } = setup();
    for (let i = 0; i < 50; i++) {
      registry.addPullThroughCacheRule(`R${i}`, { upstream: UpstreamRegistry.ecrPublic(), repositoryPrefix: `p${i}` });
    }
    expect(() => registry.addPullThroughCacheRule('R50', { upstream: UpstreamRegistry.ecrPublic(), repositoryPrefix: 'p50' })).toThrow(
      'TestStack/Registry/R50: invalid scope "TestStack": a registry holds at most 50 pull-through cache rules (ECR quota)');
  });

  test('a rule can live outside a Registry', () => {
    const stack = newStack({ env: ENV });
    new PullThroughCacheRule(stack, 'K8s', { upstream: UpstreamRegistry.kubernetes() });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::PullThroughCacheRule', { EcrRepositoryPrefix: 'kubernetes' });
  });

  test('token inputs do not throw', () => {
    const stack = newStack({ env: ENV });
    const prefix = new CfnParameter(stack, 'Prefix').valueAsString;
    const account = new CfnParameter(stack, 'Account').valueAsString;
    const region = new CfnParameter(stack, 'Region').valueAsString;
    const name = new CfnParameter(stack, 'SecretName').valueAsString;
    const secret = secretsmanager.Secret.fromSecretNameV2(stack, 'S', name);
    new PullThroughCacheRule(stack, 'Hub', { upstream: UpstreamRegistry.dockerHub(secret), repositoryPrefix: prefix });
    new PullThroughCacheRule(stack, 'Ecr', { upstream: UpstreamRegistry.ecr({ account, region, upstreamRepositoryPrefix: prefix }) });
    new PullThroughCacheRule(stack, 'Az', { upstream: UpstreamRegistry.azureContainerRegistry(prefix, secret), repositoryPrefix: 'azure' });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', { EcrRepositoryPrefix: { Ref: 'Prefix' }, UpstreamRegistry: 'docker-hub' });
    t.hasResourceProperties('AWS::ECR::PullThroughCacheRule', {
      UpstreamRegistry: 'ecr',
      UpstreamRegistryUrl: { 'Fn::Join': ['', [{ Ref: 'Account' }, '.dkr.ecr.', { Ref: 'Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
    });
  });
});

describe('grants and URIs', () => {
  test('grantPullThroughCache gives pull, import and create on the rule\'s repositories only', () => {
    const { stack, registry, secret } = setup();
    const rule = registry.addPullThroughCacheRule('DockerHub', { upstream: UpstreamRegistry.dockerHub(secret) });
    const role = new iam.Role(stack, 'Nodes', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    rule.grantPullThroughCache(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository', 'ecr:GetDownloadUrlForLayer'],
            Resource: arn('eu-west-1', '111111111111', 'repository/docker-hub/*'),
          },
          { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        ],
      },
    });
  });

  test('ROOT prefix grants on every repository; URIs with and without a namespace', () => {
    const { stack, registry } = setup();
    const root = registry.addPullThroughCacheRule('Root', { upstream: UpstreamRegistry.quay(), repositoryPrefix: 'ROOT' });
    const pub = registry.addPullThroughCacheRule('Public', { upstream: UpstreamRegistry.ecrPublic() });
    expect(stack.resolve(root.repositoryArnPattern)).toEqual(arn('eu-west-1', '111111111111', 'repository/*'));
    expect(stack.resolve(pub.repositoryUri('docker/library/nginx'))).toEqual(
      { 'Fn::Join': ['', ['111111111111.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/ecr-public/docker/library/nginx']] });
    expect(stack.resolve(root.repositoryUri('prometheus/node-exporter'))).toEqual(
      { 'Fn::Join': ['', ['111111111111.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/prometheus/node-exporter']] });
  });

  test('works in a second app too (prefix bookkeeping is per stack)', () => {
    const stack = new Stack(new App(), 'Other', { env: ENV });
    new PullThroughCacheRule(stack, 'A', { upstream: UpstreamRegistry.ecrPublic() });
    expect(() => new PullThroughCacheRule(newStack({ env: ENV }), 'A', { upstream: UpstreamRegistry.ecrPublic() })).not.toThrow();
  });
});

describe('the L2 shape: a Resource behind IPullThroughCacheRule', () => {
  test('the L1 is node.defaultChild, and the removal policy applies to it', () => {
    const { stack, registry } = setup();
    const rule = registry.addPullThroughCacheRule('Public', { upstream: UpstreamRegistry.ecrPublic() });
    expect(rule).toBeInstanceOf(Resource);
    expect(Resource.isOwnedResource(rule)).toBe(true);
    expect(rule.node.defaultChild).toBeInstanceOf(ecr.CfnPullThroughCacheRule);
    expect(stack.resolve((rule.node.defaultChild as ecr.CfnPullThroughCacheRule).ecrRepositoryPrefix)).toBe('ecr-public');
    rule.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Template.fromStack(stack).hasResource('AWS::ECR::PullThroughCacheRule', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('fromRepositoryPrefix: grants and URIs of an existing rule, nothing synthesized', () => {
    const { stack } = setup();
    const imported: IPullThroughCacheRule = PullThroughCacheRule.fromRepositoryPrefix(stack, 'Hub', 'docker-hub');
    expect(imported.repositoryPrefix).toBe('docker-hub');
    expect(Resource.isOwnedResource(imported)).toBe(false);
    expect(imported.node.defaultChild).toBeUndefined();
    expect(stack.resolve(imported.repositoryArnPattern)).toEqual(arn('eu-west-1', '111111111111', 'repository/docker-hub/*'));
    expect(stack.resolve(imported.repositoryUri('library/nginx'))).toEqual(
      { 'Fn::Join': ['', ['111111111111.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/docker-hub/library/nginx']] });
    const role = new iam.Role(stack, 'Nodes', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    imported.grantPullThroughCache(role);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ECR::PullThroughCacheRule', 0);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Action: Match.arrayWith(['ecr:BatchImportUpstreamImage']), Resource: arn('eu-west-1', '111111111111', 'repository/docker-hub/*') }),
          Match.objectLike({ Action: 'ecr:GetAuthorizationToken', Resource: '*' }),
        ],
      },
    });
    // an import is not an owned rule: it takes no prefix from the stack's rules
    expect(() => new PullThroughCacheRule(stack, 'Owned', { upstream: UpstreamRegistry.ecrPublic(), repositoryPrefix: 'docker-hub' })).not.toThrow();
  });

  test('fails on a bad imported prefix; a token prefix does not throw', () => {
    const { stack } = setup();
    expect(() => PullThroughCacheRule.fromRepositoryPrefix(stack, 'Bad', 'Docker')).toThrow(
      /^TestStack\/Bad: invalid repositoryPrefix "Docker": must be ROOT or a repository namespace/);
    expect(stack.node.tryFindChild('Bad')).toBeUndefined();
    const prefix = new CfnParameter(stack, 'Prefix').valueAsString;
    expect(PullThroughCacheRule.fromRepositoryPrefix(stack, 'Token', prefix).repositoryPrefix).toBe(prefix);
  });

  test('the stack\'s rule prefixes live in the construct tree, and a failed rule adds none', () => {
    const stack = newStack({ env: ENV });
    expect(() => new PullThroughCacheRule(stack, 'Bad', { upstream: UpstreamRegistry.ecrPublic(), repositoryPrefix: 'X' })).toThrow(/repositoryPrefix/);
    expect(stack.node.children).toHaveLength(0);
    new PullThroughCacheRule(stack, 'A', { upstream: UpstreamRegistry.ecrPublic() });
    expect(stack.node.tryFindChild('CdkEcrRegistryStackState')).toBeDefined();
    expect(() => new PullThroughCacheRule(stack, 'B', { upstream: UpstreamRegistry.ecrPublic() })).toThrow(/TestStack\/A already uses this prefix/);
  });
});
