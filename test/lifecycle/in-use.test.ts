import { CfnParameter, Duration, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  ImageCheck, ImageReference, InUseProtection, LifecyclePolicy, LifecycleRule, PreviewOutcome, PrivateRepository,
  Registry, RepositoryAccess, RepositoryAccessLevel, RepositoryActions, TagSelection,
} from '../../src';
import { newStack } from '../helpers/synth';

const NOW = new Date('2025-06-01T00:00:00Z');
const DAY = 86_400_000;
const digest = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;
const PROTECTION = `in-use.0123456789abcdef.${'0'.repeat(63)}1`;

describe('InUseProtection: the first rule of every policy', () => {
  test('the rule selects in-use.* and keeps 1,000,000 images: it never acts', () => {
    const rule = InUseProtection.rule();
    expect(rule.rulePriority).toBe(1);
    expect(rule.tagPrefixList).toEqual(['in-use.']);
    expect(rule.countNumber).toBe(InUseProtection.RULE_COUNT);
    expect(InUseProtection.RULE_COUNT).toBeGreaterThan(100_000); // ECR's default quota of images per repository
    expect(InUseProtection.isProtectionRule(rule)).toBe(true);
    expect(InUseProtection.isProtectionRule(LifecycleRule.keepLast(10))).toBe(false);
  });

  test('a policy using priority 1 is shifted by one, in order', () => {
    const policy = new LifecyclePolicy({
      rules: [
        LifecycleRule.expireUntaggedAfter(Duration.days(3), { rulePriority: 1 }),
        LifecycleRule.keepLast(5, { rulePriority: 4, tagSelection: TagSelection.anyTag() }),
      ],
    });
    const p = InUseProtection.protect(policy);
    expect(p.rules.map(r => [r.rulePriority, r.countNumber])).toEqual([[1, InUseProtection.RULE_COUNT], [2, 3], [5, 5]]);
    expect(InUseProtection.isProtected(p)).toBe(true);
    expect(InUseProtection.isProtected(policy)).toBe(false);
  });

  test('a policy starting above 1 keeps its priorities; protecting twice changes nothing', () => {
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.keepLast(5, { rulePriority: 10 })] });
    const p = InUseProtection.protect(policy);
    expect(p.rules.map(r => r.rulePriority)).toEqual([1, 10]);
    expect(InUseProtection.protect(p)).toBe(p);
    expect(InUseProtection.protect(LifecyclePolicy.fromJson(p.toJson())).toJson()).toBe(p.toJson());
  });

  test('a policy with token priorities is left alone (canProtect false)', () => {
    const stack = newStack();
    const prio = new CfnParameter(stack, 'P', { type: 'Number' }).valueAsNumber;
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.keepLast(5, { rulePriority: prio })] });
    expect(InUseProtection.canProtect(policy)).toBe(false);
    expect(InUseProtection.protect(policy)).toBe(policy);
    expect(Token.isUnresolved(policy.rules[0].rulePriority)).toBe(true);
    new PrivateRepository(stack, 'Repo', { lifecyclePolicy: policy });
    Annotations.fromStack(stack).hasWarning('/TestStack/Repo', Match.stringLikeRegexp('in-use protection rule cannot be placed first'));
  });

  test('preview: a protected image is kept by rule 1 where every other rule would act on it', () => {
    const user = new LifecyclePolicy({
      rules: [
        LifecycleRule.expireAfterPush(Duration.days(30), { rulePriority: 1, tagSelection: TagSelection.anyTag() }),
        LifecycleRule.archiveAfterNotPulled(Duration.days(10), { rulePriority: 2 }),
      ],
    });
    const images = [
      { digest: digest(1), tags: ['v1', PROTECTION], pushedAt: new Date(NOW.getTime() - 100 * DAY) },
      { digest: digest(2), tags: ['v2'], pushedAt: new Date(NOW.getTime() - 100 * DAY) },
      { digest: digest(3), tags: [], pushedAt: new Date(NOW.getTime() - 100 * DAY) },
    ];
    expect(user.preview(images, { now: NOW }).expired).toEqual([digest(1), digest(2)]);
    const p = InUseProtection.protect(user).preview(images, { now: NOW });
    expect(p.decisionFor(digest(1))).toEqual({ digest: digest(1), outcome: PreviewOutcome.KEEP, rulePriority: 1 });
    expect(p.expired).toEqual([digest(2)]);
    expect(p.transitioned).toEqual([digest(3)]);
  });
});

describe('repositories and creation templates render the protection rule first', () => {
  test('a given policy is rendered protected and exposed as rendered', () => {
    const stack = newStack();
    const policy = new LifecyclePolicy({ rules: [LifecycleRule.keepLast(5, { rulePriority: 1 })] });
    const repo = new PrivateRepository(stack, 'Repo', { lifecyclePolicy: policy });
    expect(InUseProtection.isProtected(repo.lifecyclePolicy!)).toBe(true);
    const text = JSON.parse(Template.fromStack(stack).toJSON().Resources.Repo02AC86CF.Properties.LifecyclePolicy.LifecyclePolicyText);
    expect(text.rules[0]).toEqual({
      rulePriority: 1,
      description: InUseProtection.RULE_DESCRIPTION,
      selection: { tagStatus: 'tagged', tagPrefixList: ['in-use.'], countType: 'imageCountMoreThan', countNumber: 1_000_000 },
      action: { type: 'expire' },
    });
    expect(text.rules[1].rulePriority).toBe(2);
  });

  test('lifecycleRules (aws-cdk-lib rules) are rendered by aws-cdk-lib, without the protection rule', () => {
    const stack = newStack();
    new PrivateRepository(stack, 'Repo', { lifecycleRules: [{ maxImageCount: 5 }] });
    const text = Template.fromStack(stack).toJSON().Resources.Repo02AC86CF.Properties.LifecyclePolicy.LifecyclePolicyText;
    expect(text).not.toMatch(/in-use/);
  });

  test('fails for a policy of 50 rules (the protection rule takes one of ECR\'s 50)', () => {
    const stack = newStack();
    const rules = Array.from({ length: 50 }, (_, i) => LifecycleRule.keepLast(5, { rulePriority: i + 1, tagSelection: TagSelection.prefixes([`p${i}`]) }));
    expect(() => new PrivateRepository(stack, 'Repo', { lifecyclePolicy: new LifecyclePolicy({ rules }) }))
      .toThrow(/Repo: invalid lifecyclePolicy "50 rules": must have at most 49 rules: the in-use protection rule/);
    const registry = new Registry(stack, 'Registry');
    expect(() => registry.addCreationTemplate('T', { prefix: 'team', lifecyclePolicy: new LifecyclePolicy({ rules }) }))
      .toThrow(/invalid lifecyclePolicy "50 rules": must have at most 49 rules/);
    // 49 rules fit
    expect(() => new PrivateRepository(stack, 'Ok', { lifecyclePolicy: new LifecyclePolicy({ rules: rules.slice(1) }) })).not.toThrow();
  });

  test('a creation template renders the protection rule first', () => {
    const stack = newStack();
    new Registry(stack, 'Registry').addCreationTemplate('T', { prefix: 'team' });
    const [t] = Object.values(Template.fromStack(stack).findResources('AWS::ECR::RepositoryCreationTemplate')) as any[];
    expect(JSON.parse(t.Properties.LifecyclePolicy).rules[0].selection.tagPrefixList).toEqual(['in-use.']);
  });
});

describe('ImageCheck protectInUse', () => {
  test('off by default: no protection property, no write permission', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo', { repositoryName: 'app' });
    const check = new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(repo, 'v1')] });
    expect(check.protectInUse).toBe(false);
    const t = Template.fromStack(stack);
    t.hasResourceProperties('Custom::EcrImageCheck', { ProtectInUse: Match.absent() });
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).not.toMatch(/PutImage|BatchDeleteImage/);
  });

  test('on: the resource asks for protection; the role may read, tag and untag exactly the referenced repositories', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo', { repositoryName: 'app' });
    const remote = ecr.Repository.fromRepositoryArn(stack, 'Remote', 'arn:aws:ecr:eu-west-1:222222222222:repository/payments/api');
    new ImageCheck(stack, 'Check', { images: [ImageReference.fromTag(repo, 'v1'), ImageReference.fromTag(remote, 'v2')], protectInUse: true });
    new ImageCheck(stack, 'Again', { images: [ImageReference.fromTag(repo, 'v3')], protectInUse: true });
    const t = Template.fromStack(stack);
    t.resourcePropertiesCountIs('Custom::EcrImageCheck', { ProtectInUse: 'true' }, 2);
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Effect: 'Allow',
          Action: ['ecr:BatchGetImage', 'ecr:PutImage', 'ecr:BatchDeleteImage'],
          Resource: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^Repo'), 'Arn'] }, 'arn:aws:ecr:eu-west-1:222222222222:repository/payments/api'],
        }]),
      },
    });
  });

  test('cross-account: the repository owner grants IN_USE_PROTECTION to the checking role', () => {
    const stack = newStack();
    const repo = new PrivateRepository(stack, 'Repo', { repositoryName: 'app' });
    const role = iam.Role.fromRoleArn(stack, 'CheckRole', 'arn:aws:iam::333333333333:role/app-image-check');
    RepositoryAccess.of(repo).grantToPrincipal(RepositoryAccessLevel.IN_USE_PROTECTION, role);
    expect(RepositoryAccessLevel.IN_USE_PROTECTION.actions).toEqual(RepositoryActions.IN_USE_PROTECTION);
    expect(RepositoryActions.IN_USE_PROTECTION).toEqual(['ecr:DescribeImages', 'ecr:BatchGetImage', 'ecr:PutImage', 'ecr:BatchDeleteImage']);
    const policy = Template.fromStack(stack).toJSON().Resources.Repo02AC86CF.Properties.RepositoryPolicyText;
    expect(JSON.stringify(policy)).toMatch(/ecr:PutImage/);
    expect(JSON.stringify(policy)).toMatch(/333333333333/);
  });
});
