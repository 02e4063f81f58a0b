import { Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  buildApp, MEMBER_REGISTRY, OrganizationRegistryStackSetStack, PLATFORM_REPOSITORIES, REGIONS, TARGET_OUS, TEMPLATE_BODY_LIMIT,
} from '../../examples/baseline-stackset/app';
import { RegistryBaseline } from 'cdk-ecr-registry';

const app = buildApp();
const assembly = app.synth();
const management = app.node.findChild('OrganizationRegistryBaseline') as OrganizationRegistryStackSetStack;
const platform = app.node.findChild('PlatformRepositories') as RegistryBaseline;
const m = Template.fromStack(management);
const stackSet = Object.values(m.findResources('AWS::CloudFormation::StackSet'))[0];
const body: string = stackSet.Properties.TemplateBody;
const embedded = JSON.parse(body);

describe('the StackSet in the management account', () => {
  test('is service-managed, deploys automatically to the target OUs in every region', () => {
    m.resourceCountIs('AWS::CloudFormation::StackSet', 1);
    m.hasResourceProperties('AWS::CloudFormation::StackSet', {
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: TARGET_OUS }, Regions: REGIONS }],
      TemplateBody: Match.anyValue(),
      TemplateURL: Match.absent(),
      Capabilities: Match.absent(),
    });
  });

  test('embeds the registry-level template as minified JSON within the TemplateBody limit', () => {
    expect(typeof body).toBe('string');
    expect(body).toBe(JSON.stringify(embedded));
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(TEMPLATE_BODY_LIMIT);
    expect(management.registryTemplate.body).toBe(body);
  });
});

describe('the embedded registry-level template', () => {
  const resources: { Type: string }[] = Object.values(embedded.Resources);

  test('has no asset parameters, no BootstrapVersion parameter or rule, no parameters at all', () => {
    expect(embedded.Parameters).toBeUndefined();
    expect(embedded.Rules).toBeUndefined();
    expect(body).not.toMatch(/AssetParameters|BootstrapVersion|cdk-hnb659fds|CheckBootstrapVersion/);
  });

  test('has no Lambda, no custom resource and no CDK metadata', () => {
    const types = resources.map(r => r.Type);
    expect(types.filter(t => /Lambda|Serverless|Custom::|CloudFormation::CustomResource/.test(t))).toEqual([]);
    expect(types).not.toContain('AWS::CDK::Metadata');
    expect(embedded.Conditions).toBeUndefined();
  });

  test('is environment-agnostic: no account or region of the example in it', () => {
    expect(body).not.toMatch(/\d{12}/);
    expect(body).not.toMatch(/eu-west-1|us-east-1/);
  });

  test('holds exactly the registry-level settings: scanning, 3 pull-through cache rules, the ROOT template', () => {
    expect(resources.map(r => r.Type).sort()).toEqual([
      'AWS::ECR::PullThroughCacheRule', 'AWS::ECR::PullThroughCacheRule', 'AWS::ECR::PullThroughCacheRule',
      'AWS::ECR::RegistryScanningConfiguration', 'AWS::ECR::RepositoryCreationTemplate',
    ]);
    const t = Template.fromJSON(embedded);
    t.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', { ScanType: 'ENHANCED' });
    t.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      Prefix: 'ROOT', AppliedFor: ['PULL_THROUGH_CACHE', 'REPLICATION', 'CREATE_ON_PUSH'], ImageTagMutability: 'IMMUTABLE',
    });
    expect(MEMBER_REGISTRY.pullThroughCacheRules).toHaveLength(3);
  });
});

describe('the registry account', () => {
  test('has no registry stack (the StackSet manages its registry) and 4 repository stacks', () => {
    expect(platform.registryStack).toBeUndefined();
    expect(platform.shardCount).toBe(4);
    expect(assembly.stacks.map(s => s.stackName).sort()).toEqual([
      'OrganizationRegistryBaseline',
      'PlatformRepositories-Repositories-0', 'PlatformRepositories-Repositories-1',
      'PlatformRepositories-Repositories-2', 'PlatformRepositories-Repositories-3',
    ]);
  });

  test('every repository is in exactly one stack: the one its name hashes to', () => {
    const seen: string[] = [];
    for (const [shard, stack] of platform.repositoryStacks.entries()) {
      const repos = Template.fromStack(stack).findResources('AWS::ECR::Repository');
      for (const r of Object.values(repos)) {
        const name = r.Properties.RepositoryName;
        seen.push(name);
        expect(RegistryBaseline.shardOf(name, 4)).toBe(shard);
      }
    }
    expect(seen.sort()).toEqual(PLATFORM_REPOSITORIES.map(r => r.repositoryName).sort());
  });

  test('repositories are pullable by the workload OUs only', () => {
    const stack = platform.stackOfRepository('payments/api');
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'payments/api',
      RepositoryPolicyText: {
        Statement: [Match.objectLike({
          Principal: { AWS: '*' },
          Condition: { 'ForAnyValue:StringLike': { 'aws:PrincipalOrgPaths': ['o-a1b2c3d4e5/r-ab12/ou-ab12-22222222/*', 'o-a1b2c3d4e5/r-ab12/ou-ab12-33333333/*'] } },
        })],
      },
      Tags: [{ Key: 'cost-center', Value: 'payments' }],
    });
  });

  test('cdk-nag AwsSolutions and warnings: nothing unacknowledged', () => {
    for (const stack of [management as Stack, ...platform.repositoryStacks]) {
      expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    }
  });
});

test('fails when the registry-level template is above the TemplateBody limit', () => {
  const big = {
    pullThroughCacheRules: Array.from({ length: 50 }, (_, i) => ({
      upstream: MEMBER_REGISTRY.pullThroughCacheRules![2].upstream, repositoryPrefix: `quay-mirror-${i}`,
    })),
    creationTemplates: Array.from({ length: 40 }, (_, i) => ({ prefix: `team-${i}`, description: 'd'.repeat(256) })),
  };
  expect(() => new OrganizationRegistryStackSetStack(new Stack(), 'TooBig', { registry: big, organizationalUnitIds: TARGET_OUS, regions: REGIONS }))
    .toThrow(/^the registry-level template is \d{5} bytes, above CloudFormation's TemplateBody limit of 51200: reduce the registry settings, or upload the template to S3 and pass templateUrl instead of templateBody$/);
});
