import { CfnParameter, Duration, RemovalPolicy, Resource } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import {
  InUseProtection,
  CreationTemplateAppliedFor, IRepositoryCreationTemplate, LifecyclePolicy, LifecycleRule, Registry, RegistryScanning,
  RepositoryCreationTemplate, RepositoryCreationTemplateOptions, TagSelection,
} from '../../src';
import { newStack } from '../helpers/synth';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function setup() {
  const stack = newStack({ env: ENV });
  const registry = new Registry(stack, 'Registry', { scanning: RegistryScanning.unmanaged() });
  return { stack, registry };
}

function templateOf(options: RepositoryCreationTemplateOptions): Template {
  const { stack, registry } = setup();
  registry.addCreationTemplate('Template', options);
  return Template.fromStack(stack);
}

const make = (options: RepositoryCreationTemplateOptions) => () => {
  const { registry } = setup();
  registry.addCreationTemplate('Template', options);
};

describe('RepositoryCreationTemplate defaults', () => {
  const t = templateOf({ prefix: 'ROOT' });

  test('applies to every creation path, immutable tags, KMS, the default lifecycle policy', () => {
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      Prefix: 'ROOT',
      AppliedFor: ['PULL_THROUGH_CACHE', 'REPLICATION', 'CREATE_ON_PUSH'],
      ImageTagMutability: 'IMMUTABLE',
      ImageTagMutabilityExclusionFilters: Match.absent(),
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: Match.absent() },
      LifecyclePolicy: InUseProtection.protect(LifecyclePolicy.repositoryDefault()).toJson(),
      RepositoryPolicy: Match.absent(),
      ResourceTags: Match.absent(),
      CustomRoleArn: Match.absent(),
      Description: Match.absent(),
    });
  });

  test('the lifecycle policy text is the same as PrivateRepository\'s default', () => {
    const [res] = Object.values(t.findResources('AWS::ECR::RepositoryCreationTemplate')) as any[];
    expect(JSON.parse(res.Properties.LifecyclePolicy)).toEqual({
      rules: [
        {
          rulePriority: 1,
          description: InUseProtection.RULE_DESCRIPTION,
          selection: { tagStatus: 'tagged', tagPrefixList: ['in-use.'], countType: 'imageCountMoreThan', countNumber: 1_000_000 },
          action: { type: 'expire' },
        },
        {
          rulePriority: 2,
          description: 'Expire untagged images 14 days after push',
          selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14, countUnit: 'days' },
          action: { type: 'expire' },
        },
        {
          rulePriority: 3,
          description: 'Keep the 1000 most recent tagged images',
          selection: { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'imageCountMoreThan', countNumber: 1000 },
          action: { type: 'expire' },
        },
      ],
    });
  });

  test('no role, no other resource, no warning', () => {
    t.resourceCountIs('AWS::IAM::Role', 0);
    expect(Object.keys(t.toJSON().Resources)).toHaveLength(1);
    const { stack, registry } = setup();
    registry.addCreationTemplate('T', { prefix: 'team' });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('RepositoryCreationTemplate options', () => {
  test('a customer key and tags: a role trusted by ecr.amazonaws.com with scoped permissions', () => {
    const { stack, registry } = setup();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const template = registry.addCreationTemplate('Replicated', {
      prefix: 'payments',
      appliedFor: [CreationTemplateAppliedFor.REPLICATION],
      encryptionKey: key,
      resourceTags: { 'team': 'payments', 'cost-center': '42' },
      description: 'Repositories replicated in from the payments account',
    });
    expect(template.role).toBeDefined();
    expect(template.prefix).toBe('payments');
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      Prefix: 'payments',
      AppliedFor: ['REPLICATION'],
      Description: 'Repositories replicated in from the payments account',
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
      ResourceTags: [{ Key: 'cost-center', Value: '42' }, { Key: 'team', Value: 'payments' }],
      CustomRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RegistryReplicatedRole'), 'Arn'] },
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'ecr.amazonaws.com' } }] },
    });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Sid: 'CreateRepositoriesFromTemplate',
            Effect: 'Allow',
            Action: ['ecr:CreateRepository', 'ecr:ReplicateImage', 'ecr:TagResource'],
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:111111111111:repository/payments/*']] },
          },
          {
            Effect: 'Allow',
            Action: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
          },
        ],
      },
    });
  });

  test('tags only (no REPLICATION): CreateRepository and TagResource, no KMS statement', () => {
    const t = templateOf({ prefix: 'ROOT', appliedFor: [CreationTemplateAppliedFor.CREATE_ON_PUSH], resourceTags: { owner: 'platform' } });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{
          Sid: 'CreateRepositoriesFromTemplate',
          Effect: 'Allow',
          Action: ['ecr:CreateRepository', 'ecr:TagResource'],
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:111111111111:repository/*']] },
        }],
      },
    });
  });

  test('its own role ships the IAMNoInlinePolicy acknowledgements (NIST, HIPAA, PCI); a given role does not', () => {
    const { stack, registry } = setup();
    const own = registry.addCreationTemplate('Own', { prefix: 'own', resourceTags: { owner: 'platform' } });
    const mine = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('ecr.amazonaws.com') });
    registry.addCreationTemplate('Given', { prefix: 'given', role: mine });
    const acks = (c: { node: { metadata: Array<{ type: string; data: any }> } }) => c.node.metadata
      .filter(m => m.type === 'aws:cdk:acknowledged-rules').flatMap(m => Object.keys(m.data).map(k => k.replace(/^annotation::/i, '')));
    expect(acks(own.role as iam.Role)).toEqual(['NIST.800.53.R5-IAMNoInlinePolicy', 'HIPAA.Security-IAMNoInlinePolicy', 'PCI.DSS.321-IAMNoInlinePolicy']);
    expect(acks(mine)).toEqual([]);
  });

  test('a given role gets the permissions and is used', () => {
    const { stack, registry } = setup();
    const role = new iam.Role(stack, 'Mine', { assumedBy: new iam.ServicePrincipal('ecr.amazonaws.com') });
    const template = registry.addCreationTemplate('T', { prefix: 'team', role });
    expect(template.role).toBe(role);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::Role', 1);
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', { CustomRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Mine'), 'Arn'] } });
  });

  test('custom lifecycle policy, exclusion filters, KMS_DSSE and a repository policy', () => {
    const policy = new iam.PolicyDocument({
      statements: [new iam.PolicyStatement({
        sid: 'OrgPull',
        actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        principals: [new iam.AnyPrincipal()],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } },
      })],
    });
    const lifecycle = new LifecyclePolicy({
      rules: [LifecycleRule.keepLast(50, { tagSelection: TagSelection.anyTag() }), LifecycleRule.expireUntaggedAfter(Duration.days(3))],
    });
    const t = templateOf({
      prefix: 'docker-hub',
      appliedFor: [CreationTemplateAppliedFor.PULL_THROUGH_CACHE],
      imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: ['latest'],
      encryption: ecr.RepositoryEncryption.KMS_DSSE,
      lifecyclePolicy: lifecycle,
      repositoryPolicy: policy,
    });
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      ImageTagMutabilityExclusionFilters: [{ ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'latest' }],
      EncryptionConfiguration: { EncryptionType: 'KMS_DSSE', KmsKey: Match.absent() },
      LifecyclePolicy: InUseProtection.protect(lifecycle).toJson(),
      RepositoryPolicy: JSON.stringify({
        Statement: [{
          Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } },
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Sid: 'OrgPull',
        }],
        Version: '2012-10-17',
      }),
    });
  });

  test('MUTABLE and AES256 warn', () => {
    const { stack, registry } = setup();
    registry.addCreationTemplate('T', { prefix: 'scratch', imageTagMutability: ecr.TagMutability.MUTABLE, encryption: ecr.RepositoryEncryption.AES_256 });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      ImageTagMutability: 'MUTABLE', EncryptionConfiguration: { EncryptionType: 'AES256' },
    });
    const a = Annotations.fromStack(stack);
    a.hasWarning('/TestStack/Registry/T', Match.stringLikeRegexp('imageTagMutability is MUTABLE: Security Hub ECR.2'));
    a.hasWarning('/TestStack/Registry/T', Match.stringLikeRegexp('encryption is AES256'));
  });

  test('a template can live outside a Registry', () => {
    const stack = newStack({ env: ENV });
    new RepositoryCreationTemplate(stack, 'T', { prefix: 'team' });
    Template.fromStack(stack).resourceCountIs('AWS::ECR::RepositoryCreationTemplate', 1);
  });

  test('token inputs do not throw', () => {
    const stack = newStack({ env: ENV });
    const p = new CfnParameter(stack, 'P').valueAsString;
    new RepositoryCreationTemplate(stack, 'T', {
      prefix: p,
      description: p,
      resourceTags: { team: p },
      imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: [p],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', { Prefix: { Ref: 'P' }, ResourceTags: [{ Key: 'team', Value: { Ref: 'P' } }] });
  });
});

describe('RepositoryCreationTemplate validation', () => {
  const PATTERN = 'must be ROOT or a repository namespace: lowercase letters and digits separated by \'.\', \'_\', \'__\' or \'-\', with optional \'/\' levels';
  test.each([
    ['', 'must be 1-256 characters long (got 0)'],
    ['a'.repeat(257), 'must be 1-256 characters long (got 257)'],
    ['Team', PATTERN],
    ['team//app', PATTERN],
  ])('fails on prefix %p', (prefix, allowed) => {
    expect(make({ prefix })).toThrow(`TestStack/Registry/Template: invalid prefix ${JSON.stringify(prefix)}: ${allowed}`);
  });

  test('fails on an empty or repeated appliedFor', () => {
    expect(make({ prefix: 'team', appliedFor: [] })).toThrow(
      'TestStack/Registry/Template: invalid appliedFor []: needs at least one of PULL_THROUGH_CACHE, REPLICATION, CREATE_ON_PUSH');
    expect(make({ prefix: 'team', appliedFor: [CreationTemplateAppliedFor.REPLICATION, CreationTemplateAppliedFor.REPLICATION] })).toThrow(
      'TestStack/Registry/Template: invalid appliedFor ["REPLICATION","REPLICATION"]: lists a value twice');
  });

  test('fails on a description over 256 characters', () => {
    expect(make({ prefix: 'team', description: 'd'.repeat(257) })).toThrow(
      `TestStack/Registry/Template: invalid description "${'d'.repeat(257)}": must be 0-256 characters long (got 257)`);
  });

  test('fails on exclusion filters without an _WITH_EXCLUSION mode, and the reverse', () => {
    expect(make({ prefix: 'team', imageTagMutabilityExclusionFilters: ['latest'] })).toThrow(
      'TestStack/Registry/Template: invalid imageTagMutabilityExclusionFilters ["latest"]: exclusion filters need imageTagMutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION (got IMMUTABLE)');
    expect(make({ prefix: 'team', imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION })).toThrow(
      'TestStack/Registry/Template: invalid imageTagMutabilityExclusionFilters undefined: IMMUTABLE_WITH_EXCLUSION needs 1-5 exclusion filters');
    expect(make({ prefix: 'team', imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION, imageTagMutabilityExclusionFilters: ['a', 'b', 'c', 'd', 'e', 'f'] })).toThrow(
      'TestStack/Registry/Template: invalid imageTagMutabilityExclusionFilters ["a","b","c","d","e","f"]: must have 1-5 entries (got 6)');
    expect(make({ prefix: 'team', imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION, imageTagMutabilityExclusionFilters: ['no/slash'] })).toThrow(
      'TestStack/Registry/Template: invalid imageTagMutabilityExclusionFilters[0] "no/slash": must be 1-128 of letters, digits, \'.\', \'_\', \'-\' and \'*\' (pattern ^[0-9a-zA-Z._*-]{1,128}$)');
  });

  test('fails on a customer key with AES256', () => {
    const { stack, registry } = setup();
    const key = new kms.Key(stack, 'Key');
    expect(() => registry.addCreationTemplate('T', { prefix: 'team', encryption: ecr.RepositoryEncryption.AES_256, encryptionKey: key })).toThrow(
      'TestStack/Registry/T: invalid encryption "AES256": a customer encryptionKey needs encryption KMS or KMS_DSSE (AES256 uses keys managed by ECR)');
  });

  test('fails on bad resource tags', () => {
    expect(make({ prefix: 'team', resourceTags: { 'aws:owner': 'x' } })).toThrow(
      'TestStack/Registry/Template: invalid resourceTags key "aws:owner": must be 1-128 characters and not start with aws:');
    expect(make({ prefix: 'team', resourceTags: { owner: 'v'.repeat(257) } })).toThrow(
      `TestStack/Registry/Template: invalid resourceTags["owner"] "${'v'.repeat(257)}": must be at most 256 characters (got 257)`);
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(make({ prefix: 'team', resourceTags: many })).toThrow('TestStack/Registry/Template: invalid resourceTags 51: at most 50 tags');
  });

  test('fails on an invalid lifecycle policy, reported under the template\'s path', () => {
    const bad = new LifecyclePolicy({ rules: [LifecycleRule.keepLast(0)] });
    expect(make({ prefix: 'team', lifecyclePolicy: bad })).toThrow(/^TestStack\/Registry\/Template: invalid lifecyclePolicy /);
  });

  test('fails at synth on a repository policy statement without a principal', () => {
    const { stack, registry } = setup();
    registry.addCreationTemplate('T', {
      prefix: 'team',
      repositoryPolicy: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['ecr:BatchGetImage'] })] }),
    });
    expect(() => Template.fromStack(stack)).toThrow(
      'TestStack/Registry/T: invalid repositoryPolicy.Statement[0] "ecr:BatchGetImage": a repository policy statement needs a Principal (the accounts, roles or organization it allows)');
  });

  test('fails at synth on a repository policy with a Resource element, an unconditioned open principal or a wildcard action', () => {
    const { stack, registry } = setup();
    registry.addCreationTemplate('T', {
      prefix: 'team',
      repositoryPolicy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({ sid: 'Scoped', actions: ['ecr:BatchGetImage'], principals: [new iam.AccountPrincipal('222222222222')], resources: ['*'] }),
          new iam.PolicyStatement({ sid: 'Open', actions: ['ecr:BatchGetImage'], principals: [new iam.AnyPrincipal()] }),
          new iam.PolicyStatement({ sid: 'Wild', actions: ['ecr:*'], principals: [new iam.AccountPrincipal('222222222222')] }),
        ],
      }),
    });
    expect(() => Template.fromStack(stack)).toThrow(
      'TestStack/Registry/T: invalid repositoryPolicy.Statement[0] (Scoped) "*": a repository policy has no Resource element (the repository is the resource)');
    expect(() => Template.fromStack(stack)).toThrow(
      'TestStack/Registry/T: invalid repositoryPolicy.Statement[1] (Open) {"AWS":"*"}: Principal "*" needs an aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:SourceArn or aws:SourceAccount condition');
    expect(() => Template.fromStack(stack)).toThrow(
      'TestStack/Registry/T: invalid repositoryPolicy.Statement[2] (Wild) ["ecr:*"]: name the actions (RepositoryActions.PULL, PUSH, PULL_PUSH): wildcard actions are never granted through a repository policy');
  });
});

describe('the L2 shape: a Resource behind IRepositoryCreationTemplate', () => {
  test('the L1 is node.defaultChild, and the removal policy applies to it', () => {
    const { stack, registry } = setup();
    const template = registry.addCreationTemplate('Template', { prefix: 'team' });
    expect(template).toBeInstanceOf(Resource);
    expect(template.node.defaultChild).toBeInstanceOf(ecr.CfnRepositoryCreationTemplate);
    expect((template.node.defaultChild as ecr.CfnRepositoryCreationTemplate).prefix).toBe('team');
    template.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Template.fromStack(stack).hasResource('AWS::ECR::RepositoryCreationTemplate', { DeletionPolicy: 'Retain' });
  });

  test('fromPrefix imports an existing template without synthesizing one', () => {
    const { stack } = setup();
    const imported: IRepositoryCreationTemplate = RepositoryCreationTemplate.fromPrefix(stack, 'Existing', 'ROOT');
    expect(imported.prefix).toBe('ROOT');
    expect(Resource.isOwnedResource(imported)).toBe(false);
    Template.fromStack(stack).resourceCountIs('AWS::ECR::RepositoryCreationTemplate', 0);
  });

  test('fails on a bad imported prefix; a token prefix does not throw', () => {
    const { stack } = setup();
    expect(() => RepositoryCreationTemplate.fromPrefix(stack, 'Bad', 'Team')).toThrow(
      /^TestStack\/Bad: invalid prefix "Team": must be ROOT or a repository namespace/);
    expect(stack.node.tryFindChild('Bad')).toBeUndefined();
    const prefix = new CfnParameter(stack, 'Prefix').valueAsString;
    expect(RepositoryCreationTemplate.fromPrefix(stack, 'Token', prefix).prefix).toBe(prefix);
  });
});
