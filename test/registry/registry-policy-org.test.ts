import { CfnParameter } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EcrChecks, Registry, RegistryScanning } from '../../src';
import { newStack } from '../helpers/synth';

const env = { account: '111111111111', region: 'eu-west-1' };
const ORG = 'o-a1b2c3d4e5';
const OU = 'o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/';

function registry() {
  const stack = newStack({ env });
  return new Registry(stack, 'Registry', { scanning: RegistryScanning.basic() });
}

function statements(r: Registry): any[] {
  const policies = Template.fromStack(r.node.scope as any).findResources('AWS::ECR::RegistryPolicy');
  return Object.values(policies)[0].Properties.PolicyText.Statement;
}

describe('organization-wide registry policy statements', () => {
  test('allowReplicationFromOrganization: Principal * with aws:PrincipalOrgID, replication actions on the prefixes only', () => {
    const r = registry();
    r.allowReplicationFromOrganization({ organizationId: ORG, repositoryPrefixes: ['payments/'] });
    expect(statements(r)).toEqual([{
      Sid: 'ReplicationFromOrganization1',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:111111111111:repository/payments/*']] },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
    }]);
    expect(new EcrChecks().validateScope(r.node.scope!).violations).toEqual([]);
  });

  test('organizational units: ForAnyValue:StringLike aws:PrincipalOrgPaths; createRepository false', () => {
    const r = registry();
    r.allowReplicationFromOrganization({ organizationalUnitPaths: [OU], createRepository: false });
    const [s] = statements(r);
    expect(s.Action).toBe('ecr:ReplicateImage');
    expect(s.Condition).toEqual({ 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': `${OU}*` } });
    expect(s.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:111111111111:repository/*']] });
  });

  test('allowPullThroughCacheFromOrganization: import, create and pull on the cache prefixes only; pull: false leaves pull out', () => {
    const r = registry();
    r.allowPullThroughCacheFromOrganization({ organizationId: ORG, repositoryPrefixes: ['docker-hub', 'ecr-public'] });
    r.allowPullThroughCacheFromOrganization({ organizationalUnitPaths: [OU], repositoryPrefixes: ['quay'], pull: false });
    const [a, b] = statements(r);
    expect(a.Sid).toBe('PullThroughCacheForOrganization1');
    expect(a.Principal).toEqual({ AWS: '*' });
    expect(a.Action).toEqual(['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository', 'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']);
    expect(JSON.stringify(a.Resource)).toContain('repository/docker-hub/*');
    expect(JSON.stringify(a.Resource)).toContain('repository/ecr-public/*');
    expect(a.Condition).toEqual({ StringEquals: { 'aws:PrincipalOrgID': ORG } });
    expect(b.Action).toEqual(['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository']);
    expect(new EcrChecks().validateScope(r.node.scope!).violations).toEqual([]);
  });

  test('fails without an organization condition (no open principal)', () => {
    expect(() => registry().allowReplicationFromOrganization({})).toThrow(
      'TestStack/Registry: invalid organizationId undefined: give organizationId or organizationalUnitPaths: the statement allows Principal "*" and only the organization condition narrows it');
  });

  test('fails on a malformed organization id or path, and a path of another organization', () => {
    expect(() => registry().allowPullThroughCacheFromOrganization({ organizationId: 'my-org', repositoryPrefixes: ['docker-hub'] })).toThrow(
      'TestStack/Registry: invalid organizationId "my-org": must be an AWS Organizations id: o- and 10-32 lowercase letters or digits, such as o-a1b2c3d4e5');
    expect(() => registry().allowReplicationFromOrganization({ organizationalUnitPaths: ['ou-ab12-11111111'] })).toThrow(
      /invalid organizationalUnitPaths\[0\] "ou-ab12-11111111": must be an organizational unit path/);
    expect(() => registry().allowReplicationFromOrganization({ organizationId: 'o-zzzzzzzzzz', organizationalUnitPaths: [OU] })).toThrow(
      `TestStack/Registry: invalid organizationalUnitPaths[0] "${OU}": belongs to another organization than organizationId o-zzzzzzzzzz; a path starts with the organization id`);
  });

  test('fails on a pull-through statement for every repository (no prefix, or ROOT) and on a bad prefix', () => {
    expect(() => registry().allowPullThroughCacheFromOrganization({ organizationId: ORG, repositoryPrefixes: [] })).toThrow(
      'TestStack/Registry: invalid repositoryPrefixes.length 0: name 1-50 pull-through cache prefixes (one per rule, at most 50 rules per registry): the statement never covers every repository');
    expect(() => registry().allowPullThroughCacheFromOrganization({ organizationId: ORG, repositoryPrefixes: ['ROOT'] })).toThrow(
      'TestStack/Registry: invalid repositoryPrefixes[0] "ROOT": ROOT would cover every repository of the registry; name the cache rules\' prefixes');
    expect(() => registry().allowPullThroughCacheFromOrganization({ organizationId: ORG, repositoryPrefixes: ['Docker_Hub!'] })).toThrow(
      /invalid repositoryPrefixes\[0\] "Docker_Hub!": must be ROOT or a repository namespace/);
    expect(() => registry().allowReplicationFromOrganization({ organizationId: ORG, repositoryPrefixes: ['A'] })).toThrow(
      /invalid repositoryPrefixes\[0\] "A": must be 2-256 characters long/);
  });

  test('a failed call leaves no policy behind', () => {
    const r = registry();
    expect(() => r.allowReplicationFromOrganization({})).toThrow();
    expect(r.registryPolicy).toBeUndefined();
  });

  test('token organization ids and paths do not throw', () => {
    const r = registry();
    const org = new CfnParameter(r.node.scope as any, 'OrgId').valueAsString;
    const ou = new CfnParameter(r.node.scope as any, 'OuPath').valueAsString;
    expect(() => r.allowReplicationFromOrganization({ organizationId: org, organizationalUnitPaths: [ou] })).not.toThrow();
    expect(() => r.allowPullThroughCacheFromOrganization({ organizationId: org, repositoryPrefixes: [new CfnParameter(r.node.scope as any, 'P').valueAsString] })).not.toThrow();
    expect(statements(r)).toHaveLength(2);
  });
});
