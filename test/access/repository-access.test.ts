import { App, Annotations as CdkAnnotations, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PrivateRepository, RepositoryAccess, RepositoryAccessLevel, RepositoryActions } from '../../src';
import { newStack } from '../helpers/synth';

const PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];
const PUSH = ['ecr:BatchCheckLayerAvailability', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage'];
const PULL_PUSH = [...PULL, 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage'];
const LAMBDA_PULL = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

const root = (account: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:root`]] });

/** The repository policy of the only repository of the stack. */
function policyOf(stack: Stack): any {
  const repos = Template.fromStack(stack).findResources('AWS::ECR::Repository');
  const [repo] = Object.values(repos) as any[];
  return repo.Properties.RepositoryPolicyText;
}

function setup(): { stack: Stack; repo: PrivateRepository } {
  const stack = newStack();
  return { stack, repo: new PrivateRepository(stack, 'Repo') };
}

const ECR1_ACK = 'AwsSolutions-ECR1';
/** Acknowledged rule ids and reasons (without aws-cdk-lib's 'annotation::' / 'Annotation::' prefix). */
function acknowledgementsOf(c: { node: { metadata: any[] } }): Record<string, string> {
  const entries = c.node.metadata.filter(m => m.type === 'aws:cdk:acknowledged-rules').flatMap(m => Object.entries(m.data as Record<string, string>));
  return Object.fromEntries(entries.map(([id, reason]) => [id.replace(/^annotation::/i, ''), reason]));
}

describe('RepositoryActions', () => {
  test('the exact action lists', () => {
    expect(RepositoryActions.PULL).toEqual(PULL);
    expect(RepositoryActions.PUSH).toEqual(PUSH);
    expect(RepositoryActions.PULL_PUSH).toEqual(PULL_PUSH);
    expect(RepositoryActions.LAMBDA_PULL).toEqual(LAMBDA_PULL);
    expect(RepositoryActions.AUTHORIZATION).toEqual(['ecr:GetAuthorizationToken']);
    for (const list of [RepositoryActions.PULL, RepositoryActions.PUSH, RepositoryActions.PULL_PUSH, RepositoryActions.LAMBDA_PULL]) {
      expect(list.some(a => a.includes('*'))).toBe(false);
    }
  });

  test('access levels use them', () => {
    expect(RepositoryAccessLevel.PULL.actions).toEqual(PULL);
    expect(RepositoryAccessLevel.PUSH.actions).toEqual(PUSH);
    expect(RepositoryAccessLevel.PULL_PUSH.actions).toEqual(PULL_PUSH);
    expect([RepositoryAccessLevel.PULL.name, RepositoryAccessLevel.PUSH.name, RepositoryAccessLevel.PULL_PUSH.name]).toEqual(['Pull', 'Push', 'PullPush']);
  });
});

describe('cross-account access for accounts', () => {
  test('pull, push and pull-push render one statement each, exactly', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToAccounts(['222222222222']);
    repo.access.grantToAccounts(RepositoryAccessLevel.PUSH, ['333333333333']);
    repo.access.grantToAccounts(RepositoryAccessLevel.PULL_PUSH, ['444444444444']);
    expect(policyOf(stack)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'CrossAccountPull', Effect: 'Allow', Action: PULL, Principal: { AWS: root('222222222222') } },
        { Sid: 'CrossAccountPush', Effect: 'Allow', Action: PUSH, Principal: { AWS: root('333333333333') } },
        { Sid: 'CrossAccountPullPush', Effect: 'Allow', Action: PULL_PUSH, Principal: { AWS: root('444444444444') } },
      ],
    });
  });

  test('grants of the same level merge into one statement, without duplicates', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToAccounts(['222222222222']);
    repo.access.grantPullToAccounts(['333333333333', '222222222222']);
    expect(policyOf(stack).Statement).toEqual([
      { Sid: 'CrossAccountPull', Effect: 'Allow', Action: PULL, Principal: { AWS: [root('222222222222'), root('333333333333')] } },
    ]);
  });

  test('an account grant warns that a whole account root is trusted', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToAccounts(['222222222222']);
    Annotations.fromStack(stack).hasWarning('/TestStack/Repo',
      Match.stringLikeRegexp('^Pull is granted to a whole account \\(222222222222\\).*grant that role instead.*\\[ack: cdk-ecr-registry:accountRootPrincipal\\]'));
  });

  test('the account-root warning is acknowledgeable per repository after the grant, and for a whole scope before it', () => {
    const app = new App();
    const acked = newStack({ stackName: 'Acked' }, app);
    const stack = newStack({}, app);
    // Before: aws-cdk-lib matches an earlier acknowledgement on the construct's parents (a stack, a group).
    CdkAnnotations.of(acked).acknowledgeWarning('cdk-ecr-registry:accountRootPrincipal', 'these consumer accounts are ours');
    const [ackedRepo, after, kept] = [new PrivateRepository(acked, 'Repo'), new PrivateRepository(stack, 'After'), new PrivateRepository(stack, 'Kept')];
    for (const repo of [ackedRepo, after, kept]) {
      repo.access.grantPullToAccounts(['222222222222']);
    }
    // After: per repository.
    CdkAnnotations.of(after).acknowledgeWarning('cdk-ecr-registry:accountRootPrincipal', 'the consumer account is ours');
    const warned = (s: Stack) => Annotations.fromStack(s).findWarning('*', Match.stringLikeRegexp('cdk-ecr-registry:accountRootPrincipal')).map(w => w.id);
    expect(warned(stack)).toEqual(['/TestStack/Kept']);
    expect(warned(acked)).toEqual([]);
  });

  test('the account-root warning is recorded without a stack trace, unless CDK_DEBUG=true', () => {
    const saved = { debug: process.env.CDK_DEBUG, disable: process.env.CDK_DISABLE_STACK_TRACE };
    const traceOf = (repo: PrivateRepository) => repo.node.metadata.find(m => m.type === 'aws:cdk:warning')!.trace;
    try {
      delete process.env.CDK_DISABLE_STACK_TRACE;
      delete process.env.CDK_DEBUG;
      const { repo } = setup();
      repo.access.grantPullToAccounts(['222222222222']);
      expect(traceOf(repo)).toBeUndefined();
      expect(process.env.CDK_DISABLE_STACK_TRACE).toBeUndefined();

      process.env.CDK_DEBUG = 'true';
      const debug = setup().repo;
      debug.access.grantPullToAccounts(['222222222222']);
      expect(traceOf(debug)!.length).toBeGreaterThan(0);

      // A user's own setting is left as it was.
      delete process.env.CDK_DEBUG;
      process.env.CDK_DISABLE_STACK_TRACE = '';
      setup().repo.access.grantPullToAccounts(['222222222222']);
      expect(process.env.CDK_DISABLE_STACK_TRACE).toBe('');
    } finally {
      for (const [key, value] of [['CDK_DEBUG', saved.debug], ['CDK_DISABLE_STACK_TRACE', saved.disable]] as const) {
        if (value === undefined) {
          delete process.env[key];
        } else {
          process.env[key] = value;
        }
      }
    }
  });

  test('no Resource element and no acknowledgement of AwsSolutions-ECR1', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToAccounts(['222222222222']);
    expect(policyOf(stack).Statement.every((s: any) => s.Resource === undefined)).toBe(true);
    expect(acknowledgementsOf(repo)).toEqual({});
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  test('account id parameters are accepted', () => {
    const { stack, repo } = setup();
    const account = new CfnParameter(stack, 'Consumer');
    repo.access.grantPullToAccounts([account.valueAsString]);
    expect(policyOf(stack).Statement[0].Principal).toEqual({
      AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'Consumer' }, ':root']] },
    });
  });

  test.each([['22222222222'], ['2222222222222'], ['abcdefghijkl'], ['']])('fails on account id %p', (id) => {
    const { repo } = setup();
    expect(() => repo.access.grantPullToAccounts([id])).toThrow(
      `TestStack/Repo: invalid accountIds[0] ${JSON.stringify(id)}: must be a 12-digit AWS account id`);
  });

  test('fails on the repository\'s own account', () => {
    const { repo } = setup();
    expect(() => repo.access.grantPullToAccounts(['111111111111'])).toThrow(
      'TestStack/Repo: invalid accountIds[0] "111111111111": is the repository\'s own account: grant its principals through their identity policies instead (grantToPrincipal or repository.grantPull)');
  });

  test('fails on an empty account list', () => {
    const { repo } = setup();
    expect(() => repo.access.grantPullToAccounts([])).toThrow('TestStack/Repo: invalid accountIds []: must name at least one account');
  });

  test('fails on an imported repository (it has no policy to change)', () => {
    const stack = newStack();
    const repo = ecr.Repository.fromRepositoryName(stack, 'Imported', 'team/app');
    expect(() => RepositoryAccess.of(repo).grantPullToAccounts(['222222222222'])).toThrow(
      'TestStack/Imported: invalid repository "Imported": is imported and has no repository policy this app can change: add this grant in the stack that defines the repository');
  });
});

describe('wildcard and custom actions', () => {
  test('a custom level renders its actions and its name in the Sid', () => {
    const { stack, repo } = setup();
    repo.access.grantToAccounts(RepositoryAccessLevel.custom('PullDescribe', [...RepositoryActions.PULL, 'ecr:DescribeImages']), ['222222222222']);
    expect(policyOf(stack).Statement).toEqual([
      { Sid: 'CrossAccountPullDescribe', Effect: 'Allow', Action: [...PULL, 'ecr:DescribeImages'], Principal: { AWS: root('222222222222') } },
    ]);
  });

  test.each([['ecr:*'], ['*'], ['ecr:Batch*'], ['ecr:Get?ownloadUrlForLayer']])('fails on wildcard action %p', (action) => {
    const { repo } = setup();
    expect(() => repo.access.grantToAccounts(RepositoryAccessLevel.custom('Any', [action]), ['222222222222'])).toThrow(
      `TestStack/Repo: invalid level.actions[0] ${JSON.stringify(action)}: wildcard actions are never granted through a repository policy (ecr:* would hand another account every permission on the repository, including deleting it and changing its policy): name the actions, e.g. RepositoryActions.PULL`);
  });

  test('fails on ecr:* for an organization and for a principal too', () => {
    const { stack, repo } = setup();
    const all = RepositoryAccessLevel.custom('All', ['ecr:*']);
    expect(() => repo.access.grantToOrganization(all, 'o-abcdefghij')).toThrow('TestStack/Repo: invalid level.actions[0] "ecr:*": wildcard actions');
    expect(() => repo.access.grantToPrincipal(all, iam.Role.fromRoleArn(stack, 'R', 'arn:aws:iam::222222222222:role/r'))).toThrow(
      'TestStack/Repo: invalid level.actions[0] "ecr:*": wildcard actions');
  });

  test('fails on ecr:GetAuthorizationToken in a repository policy', () => {
    const { repo } = setup();
    expect(() => repo.access.grantToAccounts(RepositoryAccessLevel.custom('Login', ['ecr:GetAuthorizationToken']), ['222222222222'])).toThrow(
      'TestStack/Repo: invalid level.actions[0] "ecr:GetAuthorizationToken": is a registry-level action that only works in identity policies: each consumer grants it to its own principals');
  });

  test('fails on a non-ECR action and on a bad level name, together', () => {
    const { repo } = setup();
    expect(() => repo.access.grantToAccounts(RepositoryAccessLevel.custom('my level', ['s3:GetObject']), ['222222222222'])).toThrow(
      'TestStack/Repo: 2 invalid properties:\n'
      + '  - invalid level.name "my level": must be 1-32 letters or digits (it is part of the statement ids)\n'
      + '  - invalid level.actions[0] "s3:GetObject": must be one ECR action: ecr: and the action name in PascalCase, without wildcards (e.g. ecr:DescribeImages)');
  });

  test('fails on an empty action list', () => {
    const { repo } = setup();
    expect(() => repo.access.grantToAccounts(RepositoryAccessLevel.custom('None', []), ['222222222222'])).toThrow(
      'TestStack/Repo: invalid level.actions []: must hold at least one ECR action');
  });
});

describe('principals', () => {
  test('a role in another account: one repository policy statement naming the role, no identity policy, no warning', () => {
    const { stack, repo } = setup();
    const role = iam.Role.fromRoleArn(stack, 'Consumer', 'arn:aws:iam::222222222222:role/image-puller');
    const grant = repo.access.grantPullToPrincipal(role);
    expect(grant.success).toBe(true);
    expect(policyOf(stack)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'CrossAccountPull', Effect: 'Allow', Action: PULL, Principal: { AWS: 'arn:aws:iam::222222222222:role/image-puller' } }],
    });
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('roles and accounts of the same level share the statement; levels do not', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToAccounts(['333333333333']);
    repo.access.grantPullToPrincipal(new iam.ArnPrincipal('arn:aws:iam::222222222222:role/a'));
    repo.access.grantToPrincipal(RepositoryAccessLevel.PUSH, new iam.ArnPrincipal('arn:aws:iam::222222222222:role/ci'));
    expect(policyOf(stack).Statement).toEqual([
      { Sid: 'CrossAccountPull', Effect: 'Allow', Action: PULL, Principal: { AWS: [root('333333333333'), 'arn:aws:iam::222222222222:role/a'] } },
      { Sid: 'CrossAccountPush', Effect: 'Allow', Action: PUSH, Principal: { AWS: 'arn:aws:iam::222222222222:role/ci' } },
    ]);
  });

  test('a role in the same account: identity policy only (repository ARN and GetAuthorizationToken), no repository policy', () => {
    const { stack, repo } = setup();
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    repo.access.grantToPrincipal(RepositoryAccessLevel.PULL_PUSH, role);
    const t = Template.fromStack(stack);
    expect(policyOf(stack)).toBeUndefined();
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: PULL_PUSH, Resource: { 'Fn::GetAtt': ['Repo02AC86CF', 'Arn'] } },
          { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^Role') }],
    });
  });

  test('the consumer side: an imported repository of another account grants the identity policy', () => {
    const stack = newStack({ env: { account: '222222222222', region: 'eu-west-1' } });
    const repo = ecr.Repository.fromRepositoryArn(stack, 'Repo', 'arn:aws:ecr:eu-west-1:111111111111:repository/payments/api');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
    RepositoryAccess.of(repo).grantPullToPrincipal(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: PULL, Resource: 'arn:aws:ecr:eu-west-1:111111111111:repository/payments/api' },
          { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        ],
      },
    });
  });

  test('an account root principal warns', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToPrincipal(new iam.AccountPrincipal('222222222222'));
    expect(policyOf(stack).Statement).toEqual([
      { Sid: 'CrossAccountPull', Effect: 'Allow', Action: PULL, Principal: { AWS: root('222222222222') } },
    ]);
    Annotations.fromStack(stack).hasWarning('/TestStack/Repo', Match.stringLikeRegexp('^Pull is granted to a whole account'));
  });

  test('fails on Principal "*"', () => {
    const { repo } = setup();
    expect(() => repo.access.grantPullToPrincipal(new iam.AnyPrincipal())).toThrow(
      'TestStack/Repo: invalid grantee {"AWS":"*"}: Principal "*" is only granted with an organization or source condition: use grantToOrganization, grantToOrganizationalUnits or grantPullToLambda');
    expect(() => repo.access.grantPullToPrincipal(new iam.StarPrincipal())).toThrow('TestStack/Repo: invalid grantee "*": Principal "*" is only granted');
    expect(() => repo.access.grantPullToPrincipal(new iam.OrganizationPrincipal('o-abcdefghij'))).toThrow('invalid grantee {"AWS":"*"}');
  });

  test('fails on the Lambda service principal without conditions', () => {
    const { repo } = setup();
    expect(() => repo.access.grantPullToPrincipal(new iam.ServicePrincipal('lambda.amazonaws.com'))).toThrow(
      'TestStack/Repo: invalid grantee {"Service":"lambda.amazonaws.com"}: the Lambda service is only granted with aws:SourceArn / aws:SourceAccount conditions: use grantPullToLambda');
  });

  test('principal ARNs from parameters are accepted', () => {
    const { stack, repo } = setup();
    const arn = new CfnParameter(stack, 'RoleArn');
    repo.access.grantPullToPrincipal(new iam.ArnPrincipal(arn.valueAsString));
    expect(policyOf(stack).Statement[0]).toEqual({ Sid: 'CrossAccountPull', Effect: 'Allow', Action: PULL, Principal: { AWS: { Ref: 'RoleArn' } } });
  });
});

describe('organization and organizational units', () => {
  test('organization pull: Principal * with aws:PrincipalOrgID, exactly', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToOrganization('o-a1b2c3d4e5');
    expect(policyOf(stack)).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'OrganizationPull',
        Effect: 'Allow',
        Action: PULL,
        Principal: { AWS: '*' },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      }],
    });
  });

  test('two organizations merge into one condition list; push is its own statement', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToOrganization('o-a1b2c3d4e5');
    repo.access.grantPullToOrganization('o-zzzzzzzzzz');
    repo.access.grantPullToOrganization('o-a1b2c3d4e5');
    repo.access.grantToOrganization(RepositoryAccessLevel.PUSH, 'o-a1b2c3d4e5');
    expect(policyOf(stack).Statement).toEqual([
      {
        Sid: 'OrganizationPull',
        Effect: 'Allow',
        Action: PULL,
        Principal: { AWS: '*' },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': ['o-a1b2c3d4e5', 'o-zzzzzzzzzz'] } },
      },
      {
        Sid: 'OrganizationPush',
        Effect: 'Allow',
        Action: PUSH,
        Principal: { AWS: '*' },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
      },
    ]);
  });

  test('organizational units: ForAnyValue:StringLike aws:PrincipalOrgPaths matching each OU and its children', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToOrganizationalUnits(['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/', 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/']);
    repo.access.grantToOrganizationalUnits(RepositoryAccessLevel.PULL_PUSH, ['o-a1b2c3d4e5/r-ab12/ou-ab12-33333333/']);
    expect(policyOf(stack).Statement).toEqual([
      {
        Sid: 'OrganizationalUnitsPull',
        Effect: 'Allow',
        Action: PULL,
        Principal: { AWS: '*' },
        Condition: {
          'ForAnyValue:StringLike': {
            'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*', 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/*'],
          },
        },
      },
      {
        Sid: 'OrganizationalUnitsPullPush',
        Effect: 'Allow',
        Action: PULL_PUSH,
        Principal: { AWS: '*' },
        Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': 'o-a1b2c3d4e5/r-ab12/ou-ab12-33333333/*' } },
      },
    ]);
  });

  test('organizational units ship one checkov CKV_AWS_32 skip with its reason; an organization grant needs none', () => {
    const org = setup();
    org.repo.access.grantPullToOrganization('o-a1b2c3d4e5');
    expect(Object.values(Template.fromStack(org.stack).findResources('AWS::ECR::Repository'))[0].Metadata?.checkov).toBeUndefined();
    const { stack, repo } = setup();
    repo.access.grantPullToOrganization('o-a1b2c3d4e5');
    repo.access.grantPullToOrganizationalUnits(['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/']);
    repo.access.grantToOrganizationalUnits(RepositoryAccessLevel.PUSH, ['o-a1b2c3d4e5/r-ab12/ou-ab12-33333333/']);
    const metadata = Object.values(Template.fromStack(stack).findResources('AWS::ECR::Repository'))[0].Metadata;
    expect(metadata.checkov).toEqual({ skip: [{ id: 'CKV_AWS_32', comment: expect.stringContaining('aws:PrincipalOrgPaths') }] });
  });

  test('organization ids and OU paths from parameters are accepted', () => {
    const { stack, repo } = setup();
    const org = new CfnParameter(stack, 'OrgId');
    const ou = new CfnParameter(stack, 'OuPath');
    repo.access.grantPullToOrganization(org.valueAsString);
    repo.access.grantPullToOrganizationalUnits([ou.valueAsString]);
    const [orgStatement, ouStatement] = policyOf(stack).Statement;
    expect(orgStatement.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': { Ref: 'OrgId' } } });
    expect(ouStatement.Condition).toEqual({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': { 'Fn::Join': ['', [{ Ref: 'OuPath' }, '*']] } } });
  });

  test('ships the AwsSolutions-ECR1 acknowledgement with a reason; cdk-nag reports nothing', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToOrganization('o-a1b2c3d4e5');
    repo.access.grantPullToOrganizationalUnits(['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/']);
    const acks = acknowledgementsOf(repo);
    expect(Object.keys(acks)).toEqual([ECR1_ACK]);
    expect(acks[ECR1_ACK]).toMatch(/^Principal "\*" appears in this repository policy only together with an aws:PrincipalOrgID or aws:PrincipalOrgPaths condition/);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  test('the acknowledgement is needed: without it AwsSolutions-ECR1 fires on the same policy', () => {
    const stack = newStack();
    const repo = new ecr.Repository(stack, 'Plain');
    repo.addToResourcePolicy(new iam.PolicyStatement({
      actions: RepositoryActions.PULL,
      principals: [new iam.AnyPrincipal()],
      conditions: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
    }));
    expect(new AwsSolutionsChecks().validateScope(stack).violations.map(v => v.ruleName)).toEqual(['AwsSolutions-ECR1']);
  });

  test('works on a plain aws-cdk-lib ecr.Repository too', () => {
    const stack = newStack();
    const repo = new ecr.Repository(stack, 'Plain');
    RepositoryAccess.of(repo).grantPullToOrganization('o-a1b2c3d4e5');
    expect(RepositoryAccess.of(repo)).toBe(RepositoryAccess.of(repo));
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      RepositoryPolicyText: { Statement: [Match.objectLike({ Sid: 'OrganizationPull', Principal: { AWS: '*' } })] },
    });
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  test('the synth fails if someone adds an unconditioned Principal * next to the acknowledged policy', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToOrganization('o-a1b2c3d4e5');
    repo.addToResourcePolicy(new iam.PolicyStatement({ sid: 'Open', actions: ['ecr:BatchGetImage'], principals: [new iam.AnyPrincipal()] }));
    expect(() => Template.fromStack(stack)).toThrow(
      'TestStack/Repo: invalid repositoryPolicy.Statement[1] (Open) {"AWS":"*"}: Principal "*" needs an aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:SourceArn or aws:SourceAccount condition');
  });

  test('the synth fails on an open policy set through the L1 escape hatch after a grant', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToOrganization('o-a1b2c3d4e5');
    (repo.node.defaultChild as ecr.CfnRepository).repositoryPolicyText = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'Hatch', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'ecr:BatchGetImage' }],
    };
    expect(() => Template.fromStack(stack)).toThrow(
      'TestStack/Repo: invalid repositoryPolicy.Statement[0] (Hatch) {"AWS":"*"}: Principal "*" needs an aws:PrincipalOrgID');
  });

  test('each synth checks the policy as it is then: a statement added after a clean synth still fails the next one', () => {
    const app = new App();
    const stack = new Stack(app, 'TestStack', { env: { account: '111111111111', region: 'eu-west-1' } });
    const repo = new PrivateRepository(stack, 'Repo');
    repo.access.grantPullToOrganization('o-a1b2c3d4e5');
    app.synth();
    repo.addToResourcePolicy(new iam.PolicyStatement({ sid: 'Open', actions: ['ecr:BatchGetImage'], principals: [new iam.AnyPrincipal()] }));
    expect(() => app.synth({ force: true })).toThrow('TestStack/Repo: invalid repositoryPolicy.Statement[1] (Open) {"AWS":"*"}');
  });

  test('the synth fails on a Resource element or a wildcard action added next to our statements', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToAccounts(['222222222222']);
    repo.addToResourcePolicy(new iam.PolicyStatement({
      actions: ['ecr:*'], principals: [new iam.AccountPrincipal('333333333333')], resources: ['*'],
    }));
    expect(() => Template.fromStack(stack)).toThrow(/invalid repositoryPolicy.Statement\[1\] "\*": a repository policy has no Resource element[\s\S]*invalid repositoryPolicy.Statement\[1\] \["ecr:\*"\]: name the actions/);
  });

  test.each([['o-abc'], ['o-ABCDEFGHIJ'], ['a1b2c3d4e5'], ['o-' + 'a'.repeat(33)], ['o-a1b2c3d4e5 ']])('fails on organization id %p', (id) => {
    const { repo } = setup();
    expect(() => repo.access.grantPullToOrganization(id)).toThrow(
      `TestStack/Repo: invalid organizationId ${JSON.stringify(id)}: must be an AWS Organizations id: o- and 10-32 lowercase letters or digits, such as o-a1b2c3d4e5`);
  });

  test.each([
    ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111'], // no trailing slash
    ['o-a1b2c3d4e5/r-ab12/'], // no OU
    ['o-a1b2c3d4e5/ou-ab12-11111111/'], // no root
    ['r-ab12/ou-ab12-11111111/'], // no organization
    ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*'], // wildcard
    ['o-a1b2c3d4e5/r-ab12/ou-AB12-11111111/'], // upper case
  ])('fails on OU path %p', (p) => {
    const { repo } = setup();
    expect(() => repo.access.grantPullToOrganizationalUnits([p])).toThrow(
      `TestStack/Repo: invalid organizationalUnitPaths[0] ${JSON.stringify(p)}: must be an organizational unit path <org id>/<root id>/<ou id>/[<ou id>/...] such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ (at least one OU, ending with "/"; for the whole organization use grantToOrganization)`);
  });

  test('fails on an empty OU list', () => {
    const { repo } = setup();
    expect(() => repo.access.grantPullToOrganizationalUnits([])).toThrow(
      'TestStack/Repo: invalid organizationalUnitPaths []: must name at least one organizational unit path');
  });

  test('nothing is added when a grant fails', () => {
    const { stack, repo } = setup();
    expect(() => repo.access.grantPullToOrganization('bad')).toThrow();
    expect(policyOf(stack)).toBeUndefined();
    expect(acknowledgementsOf(repo)).toEqual({});
  });
});

describe('Lambda service pull', () => {
  test('same account, by function ARN: only the service statement with aws:SourceArn', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToLambda({ functionArns: ['arn:aws:lambda:us-east-1:111111111111:function:orders-*'] });
    expect(policyOf(stack)).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'LambdaPullByFunction',
        Effect: 'Allow',
        Action: LAMBDA_PULL,
        Principal: { Service: 'lambda.amazonaws.com' },
        Condition: { StringLike: { 'aws:SourceArn': 'arn:aws:lambda:us-east-1:111111111111:function:orders-*' } },
      }],
    });
    expect(acknowledgementsOf(repo)).toEqual({});
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  test('same account, by source account', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToLambda({ sourceAccounts: ['111111111111'] });
    expect(policyOf(stack).Statement).toEqual([{
      Sid: 'LambdaPullBySourceAccount',
      Effect: 'Allow',
      Action: LAMBDA_PULL,
      Principal: { Service: 'lambda.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
    }]);
  });

  test('cross-account: the service statement plus the function accounts, as Lambda requires', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToLambda({ functionArns: ['arn:aws:lambda:eu-west-1:222222222222:function:api'] });
    repo.access.grantPullToLambda({ functionArns: ['arn:aws:lambda:eu-west-1:333333333333:function:worker:live'] });
    expect(policyOf(stack).Statement).toEqual([
      {
        Sid: 'LambdaPullByFunction',
        Effect: 'Allow',
        Action: LAMBDA_PULL,
        Principal: { Service: 'lambda.amazonaws.com' },
        Condition: {
          StringLike: { 'aws:SourceArn': ['arn:aws:lambda:eu-west-1:222222222222:function:api', 'arn:aws:lambda:eu-west-1:333333333333:function:worker:live'] },
        },
      },
      {
        Sid: 'LambdaCrossAccountPull',
        Effect: 'Allow',
        Action: LAMBDA_PULL,
        Principal: { AWS: [root('222222222222'), root('333333333333')] },
      },
    ]);
    expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
  });

  test('function ARNs and source accounts together: both conditions in one statement per grant', () => {
    const { stack, repo } = setup();
    repo.access.grantPullToLambda({ functionArns: ['arn:aws:lambda:us-east-1:222222222222:function:a'], sourceAccounts: ['222222222222'] });
    repo.access.grantPullToLambda({ functionArns: ['arn:aws:lambda:us-east-1:111111111111:function:b'], sourceAccounts: ['111111111111'] });
    const statements = policyOf(stack).Statement;
    expect(statements.map((s: any) => s.Sid)).toEqual(['LambdaPullByFunctionAndSourceAccount', 'LambdaCrossAccountPull', 'LambdaPullByFunctionAndSourceAccount2']);
    expect(statements[0].Condition).toEqual({
      StringLike: { 'aws:SourceArn': 'arn:aws:lambda:us-east-1:222222222222:function:a' },
      StringEquals: { 'aws:SourceAccount': '222222222222' },
    });
    expect(statements[1].Principal).toEqual({ AWS: root('222222222222') });
  });

  test('function ARNs from parameters are accepted', () => {
    const { stack, repo } = setup();
    const arn = new CfnParameter(stack, 'FunctionArn');
    repo.access.grantPullToLambda({ functionArns: [arn.valueAsString] });
    expect(policyOf(stack).Statement).toEqual([{
      Sid: 'LambdaPullByFunction',
      Effect: 'Allow',
      Action: LAMBDA_PULL,
      Principal: { Service: 'lambda.amazonaws.com' },
      Condition: { StringLike: { 'aws:SourceArn': { Ref: 'FunctionArn' } } },
    }]);
  });

  test('fails without any condition', () => {
    const { repo } = setup();
    expect(() => repo.access.grantPullToLambda({})).toThrow(
      'TestStack/Repo: invalid options {}: name the functions (functionArns) or their accounts (sourceAccounts): the Lambda service is never granted without an aws:SourceArn or aws:SourceAccount condition');
  });

  test.each([
    ['arn:aws:lambda:us-east-1:*:function:x'],
    ['arn:aws:lambda:us-east-1:111111111111:layer:x'],
    ['arn:aws:s3:::bucket'],
    ['orders-api'],
  ])('fails on function ARN %p', (arn) => {
    const { repo } = setup();
    expect(() => repo.access.grantPullToLambda({ functionArns: [arn] })).toThrow(
      `TestStack/Repo: invalid functionArns[0] ${JSON.stringify(arn)}: must be a Lambda function ARN arn:<partition>:lambda:<region>:<12-digit account>:function:<name>[:<qualifier>] ("*" and "?" allowed in the name and qualifier)`);
  });

  test('fails on a source account that is not 12 digits', () => {
    const { repo } = setup();
    expect(() => repo.access.grantPullToLambda({ sourceAccounts: ['1234'] })).toThrow(
      'TestStack/Repo: invalid sourceAccounts[0] "1234": must be a 12-digit AWS account id');
  });
});

describe('environment-agnostic stacks', () => {
  test('grants to accounts and principals work when the repository account is unknown', () => {
    const app = new App();
    const stack = new Stack(app, 'Agnostic');
    const repo = new PrivateRepository(stack, 'Repo');
    repo.access.grantPullToAccounts(['222222222222']);
    repo.access.grantPullToLambda({ functionArns: ['arn:aws:lambda:us-east-1:222222222222:function:x'] });
    // the repository account is a token: no cross-account statement can be derived for Lambda
    expect(policyOf(stack).Statement.map((s: any) => s.Sid)).toEqual(['CrossAccountPull', 'LambdaPullByFunction']);
  });
});
