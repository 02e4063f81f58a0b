import { App, CfnParameter, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InUseProtection, LifecyclePolicy, PrivateRepository } from '../../src';
import { newStack } from '../helpers/synth';

function repoTemplate(props: ConstructorParameters<typeof PrivateRepository>[2] = {}): Template {
  const stack = newStack();
  new PrivateRepository(stack, 'Repo', props);
  return Template.fromStack(stack);
}

function lifecycleOf(t: Template): any {
  const repos = t.findResources('AWS::ECR::Repository');
  const [repo] = Object.values(repos) as any[];
  return JSON.parse(repo.Properties.LifecyclePolicy.LifecyclePolicyText);
}

describe('PrivateRepository defaults', () => {
  const t = repoTemplate();

  test('tag mutability is IMMUTABLE', () => {
    t.hasResourceProperties('AWS::ECR::Repository', { ImageTagMutability: 'IMMUTABLE' });
  });

  test('scan on push is on', () => {
    t.hasResourceProperties('AWS::ECR::Repository', { ImageScanningConfiguration: { ScanOnPush: true } });
  });

  test('KMS encryption with the AWS managed key', () => {
    t.hasResourceProperties('AWS::ECR::Repository', {
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: Match.absent() },
    });
    t.resourceCountIs('AWS::KMS::Key', 0);
  });

  test('lifecycle policy expires untagged after 14 days and keeps 1,000 tagged images', () => {
    expect(lifecycleOf(t)).toEqual({
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

  test('repositories with the default share one immutable policy, rendered as LifecyclePolicy.repositoryDefault()', () => {
    const stack = newStack();
    const a = new PrivateRepository(stack, 'A');
    const b = new PrivateRepository(stack, 'B');
    expect(a.lifecyclePolicy).toBe(b.lifecyclePolicy);
    expect(Object.isFrozen(a.lifecyclePolicy!.rules)).toBe(true);
    expect(() => a.lifecyclePolicy!.rules.push(a.lifecyclePolicy!.rules[0])).toThrow(TypeError);
    const texts = Object.values(Template.fromStack(stack).findResources('AWS::ECR::Repository'))
      .map((r: any) => r.Properties.LifecyclePolicy.LifecyclePolicyText);
    const text = InUseProtection.protect(LifecyclePolicy.repositoryDefault()).toJson();
    expect(texts).toEqual([text, text]);
  });

  test('retained on delete, not emptied', () => {
    t.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    t.hasResourceProperties('AWS::ECR::Repository', { EmptyOnDelete: Match.absent() });
  });

  test('no repository name, no policy, no exclusion filters', () => {
    t.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: Match.absent(),
      RepositoryPolicyText: Match.absent(),
      ImageTagMutabilityExclusionFilters: Match.absent(),
    });
  });

  test('exactly one resource: nothing else is created', () => {
    expect(Object.keys(t.toJSON().Resources)).toHaveLength(1);
  });

  test('no warnings', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo');
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('snapshot (defaults)', () => {
    expect(t.toJSON()).toMatchSnapshot();
  });
});

describe('PrivateRepository overrides', () => {
  test('repository name', () => {
    repoTemplate({ repositoryName: 'team/app-api' })
      .hasResourceProperties('AWS::ECR::Repository', { RepositoryName: 'team/app-api' });
  });

  test('MUTABLE tag mutability warns (ECR.2)', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo', { imageTagMutability: ecr.TagMutability.MUTABLE });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', { ImageTagMutability: 'MUTABLE' });
    Annotations.fromStack(stack).hasWarning('/TestStack/Repo', Match.stringLikeRegexp('imageTagMutability is MUTABLE: Security Hub ECR.2'));
  });

  test('exclusion filters render and warn (CT.ECR.PR.3 / CKV_AWS_51)', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo', {
      imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: ['latest', 'dev-*'],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      ImageTagMutabilityExclusionFilters: [
        { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'latest' },
        { ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: 'dev-*' },
      ],
    });
    Annotations.fromStack(stack).hasWarning('/TestStack/Repo',
      Match.stringLikeRegexp('tag mutability exclusion filters make some tags overwritable: .*CT.ECR.PR.3 and checkov CKV_AWS_51'));
  });

  test('scan on push off warns (ECR.1)', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo', { imageScanOnPush: false });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', { ImageScanningConfiguration: { ScanOnPush: false } });
    Annotations.fromStack(stack).hasWarning('/TestStack/Repo', Match.stringLikeRegexp('imageScanOnPush is false'));
  });

  test('customer managed key', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    new PrivateRepository(stack, 'Repo', { encryptionKey: key });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      EncryptionConfiguration: { EncryptionType: 'KMS', KmsKey: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
    });
  });

  test('KMS_DSSE with the AWS managed key', () => {
    repoTemplate({ encryption: ecr.RepositoryEncryption.KMS_DSSE })
      .hasResourceProperties('AWS::ECR::Repository', { EncryptionConfiguration: { EncryptionType: 'KMS_DSSE', KmsKey: Match.absent() } });
  });

  test('KMS_DSSE with a customer key', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    const repo = new PrivateRepository(stack, 'Repo', { encryption: ecr.RepositoryEncryption.KMS_DSSE, encryptionKey: key });
    expect(repo.encryptionType).toBe('KMS_DSSE');
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      EncryptionConfiguration: { EncryptionType: 'KMS_DSSE', KmsKey: 'arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
    });
  });

  test('AES256 on request, with a warning (ECR.5 / CKV_AWS_136)', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo', { encryption: ecr.RepositoryEncryption.AES_256 });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', { EncryptionConfiguration: Match.absent() });
    Annotations.fromStack(stack).hasWarning('/TestStack/Repo', Match.stringLikeRegexp('encryption is AES256'));
  });

  test('custom lifecycle rules replace the default', () => {
    const t = repoTemplate({ lifecycleRules: [{ maxImageCount: 5 }] });
    expect(lifecycleOf(t).rules).toEqual([
      { rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 }, action: { type: 'expire' } },
    ]);
  });

  test('an empty lifecycle rule list removes the policy, with a warning (ECR.3)', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo', { lifecycleRules: [] });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', { LifecyclePolicy: Match.absent() });
    Annotations.fromStack(stack).hasWarning('/TestStack/Repo', Match.stringLikeRegexp('no lifecycle policy'));
  });

  test('DESTROY with emptyOnDelete', () => {
    const t = repoTemplate({ removalPolicy: RemovalPolicy.DESTROY, emptyOnDelete: true });
    t.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ EmptyOnDelete: true }) });
  });

  test('snapshot (everything on)', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const repo = new PrivateRepository(stack, 'Repo', {
      repositoryName: 'platform/everything',
      imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: ['latest'],
      imageScanOnPush: true,
      encryption: ecr.RepositoryEncryption.KMS_DSSE,
      encryptionKey: key,
      lifecycleRules: [
        { rulePriority: 1, tagStatus: ecr.TagStatus.UNTAGGED, maxImageAge: Duration.days(7) },
        { rulePriority: 2, tagStatus: ecr.TagStatus.TAGGED, tagPrefixList: ['release-'], maxImageCount: 50 },
      ],
      removalPolicy: RemovalPolicy.DESTROY,
      emptyOnDelete: true,
    });
    repo.grantPull(new iam.AccountPrincipal('222222222222'));
    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
  });
});

describe('PrivateRepository validation', () => {
  const make = (props: ConstructorParameters<typeof PrivateRepository>[2]) => () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo', props);
  };

  test.each([
    ['Upper'], ['a'], ['-leading'], ['double--dash'], ['trailing/'], ['a'.repeat(257)], ['bad_/name'],
  ])('fails on repository name %p', (name) => {
    expect(make({ repositoryName: name })).toThrow(
      `TestStack/Repo: invalid repositoryName ${JSON.stringify(name)}: must be 2-256 characters: lowercase letters and digits separated by single '.', '_' or '-', with optional '/' namespaces (pattern ^(?=.{2,256}$)((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)$)`);
  });

  test.each([['ab'], ['team/app'], ['a.b_c-d/e'], ['x'.repeat(256)]])('accepts repository name %p', (name) => {
    expect(make({ repositoryName: name })).not.toThrow();
  });

  test('fails on exclusion filters without an _WITH_EXCLUSION mode', () => {
    expect(make({ imageTagMutabilityExclusionFilters: ['dev-*'] })).toThrow(
      'TestStack/Repo: invalid imageTagMutabilityExclusionFilters ["dev-*"]: exclusion filters need imageTagMutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION (got IMMUTABLE)');
  });

  test('fails on an _WITH_EXCLUSION mode without filters', () => {
    expect(make({ imageTagMutability: ecr.TagMutability.MUTABLE_WITH_EXCLUSION })).toThrow(
      'TestStack/Repo: invalid imageTagMutabilityExclusionFilters undefined: MUTABLE_WITH_EXCLUSION needs 1-5 exclusion filters');
  });

  test('fails on more than 5 exclusion filters', () => {
    const filters = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect(make({ imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION, imageTagMutabilityExclusionFilters: filters })).toThrow(
      'TestStack/Repo: invalid imageTagMutabilityExclusionFilters ["a","b","c","d","e","f"]: must have 1-5 entries (got 6)');
  });

  test.each([['has space'], ['slash/no'], ['x'.repeat(129)]])('fails on exclusion filter %p', (f) => {
    expect(make({
      imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: [f],
    })).toThrow(`TestStack/Repo: invalid imageTagMutabilityExclusionFilters[0] ${JSON.stringify(f)}: must be 1-128 of letters, digits, '.', '_', '-' and '*' (pattern ^[0-9a-zA-Z._*-]{1,128}$)`);
  });

  test('fails on a customer key with AES256', () => {
    expect(() => {
      const stack = newStack();
      new PrivateRepository(stack, 'Repo', { encryption: ecr.RepositoryEncryption.AES_256, encryptionKey: new kms.Key(stack, 'K') });
    }).toThrow('TestStack/Repo: invalid encryption "AES256": a customer encryptionKey needs encryption KMS or KMS_DSSE (AES256 uses keys managed by ECR)');
  });

  test('fails on emptyOnDelete without DESTROY', () => {
    expect(make({ emptyOnDelete: true })).toThrow('TestStack/Repo: invalid emptyOnDelete true: only with removalPolicy DESTROY (got retain)');
    expect(make({ emptyOnDelete: true, removalPolicy: RemovalPolicy.SNAPSHOT })).toThrow('only with removalPolicy DESTROY (got snapshot)');
  });

  test('several violations are reported together, once', () => {
    expect(make({ repositoryName: 'BAD', emptyOnDelete: true })).toThrow(
      /^TestStack\/Repo: 2 invalid properties:\n {2}- invalid repositoryName "BAD": .*\n {2}- invalid emptyOnDelete true: only with removalPolicy DESTROY/);
  });

  test('nothing is half-created when validation fails', () => {
    const stack = newStack();
    expect(() => new PrivateRepository(stack, 'Repo', { repositoryName: 'BAD' })).toThrow();
    expect(stack.node.tryFindChild('Repo')).toBeUndefined();
    // the id is still free
    expect(() => new PrivateRepository(stack, 'Repo')).not.toThrow();
  });

  test('token inputs do not throw', () => {
    const stack = newStack();
    const name = new CfnParameter(stack, 'Name');
    const filter = new CfnParameter(stack, 'Filter');
    new PrivateRepository(stack, 'Repo', {
      repositoryName: name.valueAsString,
      imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
      imageTagMutabilityExclusionFilters: [filter.valueAsString],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: { Ref: 'Name' },
      ImageTagMutabilityExclusionFilters: [{ ImageTagMutabilityExclusionFilterType: 'WILDCARD', ImageTagMutabilityExclusionFilterValue: { Ref: 'Filter' } }],
    });
  });
});

describe('PrivateRepository is an ecr.IRepository', () => {
  test('grants work like ecr.Repository', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    repo.grantPull(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Repo'), 'Arn'] },
          }),
        ]),
      },
    });
  });

  test('ECS ContainerImage.fromEcrRepository and Lambda DockerImageCode.fromEcr accept it', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo');
    const task = new ecs.FargateTaskDefinition(stack, 'Task');
    task.addContainer('app', { image: ecs.ContainerImage.fromEcrRepository(repo, 'v1') });
    new lambda.DockerImageFunction(stack, 'Fn', { code: lambda.DockerImageCode.fromEcr(repo, { tagOrDigest: 'v1' }) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Image: Match.objectLike({ 'Fn::Join': Match.anyValue() }) })],
    });
    t.resourceCountIs('AWS::Lambda::Function', 1);
  });

  test('imports keep working as ecr.IRepository', () => {
    const stack = newStack();
    const byName: ecr.IRepository = PrivateRepository.fromRepositoryName(stack, 'ByName', 'team/app');
    const byArn: ecr.IRepository = PrivateRepository.fromRepositoryArn(stack, 'ByArn', 'arn:aws:ecr:eu-west-1:222222222222:repository/team/app');
    expect(stack.resolve(byName.repositoryUriForTag('v1'))).toEqual({
      'Fn::Join': ['', ['111111111111.dkr.ecr.us-east-1.', { Ref: 'AWS::URLSuffix' }, '/team/app:v1']],
    });
    expect(byArn.repositoryName).toBe('team/app');
    expect(stack.resolve(byArn.repositoryUri)).toEqual({ 'Fn::Join': ['', ['222222222222.dkr.ecr.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/team/app']] });
  });
});

describe('PrivateRepository compliance and determinism', () => {
  test('cdk-nag AwsSolutions reports nothing on a stack of defaults', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'A');
    new PrivateRepository(stack, 'B', { repositoryName: 'team/b' });
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('cdk-nag AwsSolutions-ECR1 does fire on an open policy (the check is live)', () => {
    const stack = newStack();
    const repo = new ecr.Repository(stack, 'Open');
    repo.addToResourcePolicy(new iam.PolicyStatement({ actions: ['ecr:BatchGetImage'], principals: [new iam.AnyPrincipal()] }));
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map(v => v.ruleName)).toContain('AwsSolutions-ECR1');
  });

  test('synthesizing the same app twice gives identical templates', () => {
    const build = () => {
      const app = new App();
      const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
      for (let i = 0; i < 5; i++) {
        const repo = new PrivateRepository(stack, `Repo${i}`, { repositoryName: `team/app-${i}` });
        repo.grantPull(new iam.AccountPrincipal('222222222222'));
      }
      return JSON.stringify(app.synth().getStackByName('S').template);
    };
    expect(build()).toEqual(build());
  });
});
