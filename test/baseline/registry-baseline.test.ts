import * as fs from 'fs';
import { App, CfnParameter, CfnResource, Duration, Fn, RemovalPolicy, Stack, Stage } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  InUseProtection,
  CreationTemplateAppliedFor, EcrValidationError, LifecyclePolicy, LifecycleRule, RegistryBaseline, RegistryBaselineProps, RegistryScanning,
  ScanFrequency, UpstreamRegistry,
} from '../../src';
import { caught } from '../helpers/errors';

const ENV = { account: '111111111111', region: 'eu-west-1' };

function baseline(props: RegistryBaselineProps, app = new App()): RegistryBaseline {
  return new RegistryBaseline(app, 'Baseline', props);
}

const repos = (...names: string[]) => names.map(repositoryName => ({ repositoryName }));

describe('RegistryBaseline defaults', () => {
  const b = baseline({ env: ENV, repositories: repos('team/app') });
  const registry = Template.fromStack(b.registryStack!);
  const shard = Template.fromStack(b.repositoryStacks[0]);

  test('one registry stack and one repository stack, named from the construct id', () => {
    expect(b.registryStack!.stackName).toBe('Baseline-Registry');
    expect(b.repositoryStacks.map(s => s.stackName)).toEqual(['Baseline-Repositories-0']);
    expect(b.shardCount).toBe(1);
    expect(b.capacity).toBe(250);
    expect(b.registryStack!.account).toBe('111111111111');
    expect(b.repositoryStacks[0].region).toBe('eu-west-1');
  });

  test('the baseline owns scanning explicitly (a plain Registry writes none); unmanaged() leaves it out', () => {
    const app = new App();
    const own = new RegistryBaseline(app, 'Own', { env: { account: '111111111111', region: 'eu-west-1' } });
    expect(own.registry!.scanning.scanType).toBe('BASIC');
    const left = new RegistryBaseline(app, 'Left', { env: { account: '222222222222', region: 'eu-west-1' }, registry: { scanning: RegistryScanning.unmanaged() } });
    Template.fromStack(left.registryStack!).resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 0);
    expect(left.registry!.scanningConfiguration).toBeUndefined();
  });

  test('the registry: basic scan on push for every repository and one ROOT creation template', () => {
    registry.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
      ScanType: 'BASIC',
      Rules: [{ ScanFrequency: 'SCAN_ON_PUSH', RepositoryFilters: [{ Filter: '*', FilterType: 'WILDCARD' }] }],
    });
    registry.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', {
      Prefix: 'ROOT',
      AppliedFor: ['PULL_THROUGH_CACHE', 'REPLICATION', 'CREATE_ON_PUSH'],
      ImageTagMutability: 'IMMUTABLE',
      EncryptionConfiguration: { EncryptionType: 'KMS' },
      LifecyclePolicy: Match.stringLikeRegexp('"countNumber":1000'),
    });
    expect(Object.keys(registry.toJSON().Resources)).toHaveLength(2);
    registry.resourceCountIs('AWS::ECR::ReplicationConfiguration', 0);
    registry.resourceCountIs('AWS::ECR::RegistryPolicy', 0);
  });

  test('the registry stack is StackSet-ready: no bootstrap parameter or rule, no assets, no asset manifest', () => {
    const t = registry.toJSON();
    expect(t.Parameters).toBeUndefined();
    expect(t.Rules).toBeUndefined();
    expect(t.Conditions).toBeUndefined();
    const artifact = (b.node.root as App).synth().getStackArtifact(b.registryStack!.artifactId);
    expect(artifact.assets).toEqual([]);
    expect(artifact.dependencies.map(d => d.id)).toEqual([]);
    // the template names nothing of the CDK bootstrap (the CLI may still deploy it with the bootstrap deploy role)
    expect(JSON.stringify(t)).not.toMatch(/cdk-hnb659fds|BootstrapVersion|AssetParameters/);
    // the repository stacks use the app's synthesizer (the CDK CLI uploads their large templates)
    expect(shard.toJSON().Parameters.BootstrapVersion).toBeDefined();
  });

  test('no AWS::CDK::Metadata in the registry stack, even with version reporting on', () => {
    const app = new App({ context: { 'aws:cdk:version-reporting': true } });
    const reporting = baseline({ env: ENV, repositories: repos('team/app') }, app);
    Template.fromStack(reporting.registryStack!).resourceCountIs('AWS::CDK::Metadata', 0);
    Template.fromStack(reporting.repositoryStacks[0]).resourceCountIs('AWS::CDK::Metadata', 1);
  });

  test('a repository with PrivateRepository defaults and no policy', () => {
    shard.resourceCountIs('AWS::ECR::Repository', 1);
    shard.hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'team/app',
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      EncryptionConfiguration: { EncryptionType: 'KMS' },
      LifecyclePolicy: { LifecyclePolicyText: InUseProtection.protect(LifecyclePolicy.repositoryDefault()).toJson() },
      RepositoryPolicyText: Match.absent(),
    });
    shard.hasResource('AWS::ECR::Repository', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  test('repository lookups by name', () => {
    expect(b.repositoryKeys).toEqual(['team/app']);
    expect(b.stackOfRepository('team/app')).toBe(b.repositoryStacks[0]);
    expect(b.shardOfRepository('team/app')).toBe(0);
    expect(Stack.of(b.repository('team/app'))).toBe(b.repositoryStacks[0]);
    expect(() => b.repository('nope')).toThrow('Baseline: invalid repository "nope": not a repository of this baseline');
  });

  test('snapshot (defaults)', () => {
    expect({ registry: registry.toJSON(), repositories: shard.toJSON() }).toMatchSnapshot();
  });

  test('without repositories: no repository stacks; with manageRegistry false: no registry stack', () => {
    const empty = baseline({});
    expect(empty.repositoryStacks).toEqual([]);
    expect(empty.shardCount).toBe(0);
    expect(empty.registryStack).toBeDefined();
    const reposOnly = baseline({ manageRegistry: false, repositories: repos('a/b') });
    expect(reposOnly.registryStack).toBeUndefined();
    expect(reposOnly.registry).toBeUndefined();
    expect(reposOnly.repositoryStacks).toHaveLength(1);
  });

  test('a shard that no repository hashes to still deploys: it holds one no-op resource, which the first repository replaces', () => {
    // Capacity 1,000 plans 4 shards; 3 repositories leave at least one empty. Analytics off: no CDK metadata resource either.
    const names = ['team-a/api', 'team-b/web', 'team-c/jobs'];
    const sharded = baseline({ env: ENV, manageRegistry: false, repositories: repos(...names), sharding: { capacity: 1000 } },
      new App({ analyticsReporting: false }));
    expect(sharded.shardCount).toBe(4);
    const used = new Set(names.map(n => sharded.shardOfRepository(n)));
    expect(used.size).toBeLessThan(4);
    for (const [s, stack] of sharded.repositoryStacks.entries()) {
      const resources = Template.fromStack(stack).toJSON().Resources ?? {};
      const types = Object.values(resources).map((r: any) => r.Type);
      if (used.has(s)) {
        expect(types).not.toContain('AWS::CloudFormation::WaitConditionHandle');
      } else {
        expect(resources).toEqual({ EmptyShard: { Type: 'AWS::CloudFormation::WaitConditionHandle' } });
      }
    }
    const empty = [0, 1, 2, 3].find(s => !used.has(s))!;
    const newcomer = Array.from({ length: 100 }, (_, i) => `team-d/svc-${i}`).find(n => RegistryBaseline.shardOf(n, 4) === empty)!;
    const grown = baseline({ env: ENV, manageRegistry: false, repositories: repos(...names, newcomer), sharding: { capacity: 1000 } },
      new App({ analyticsReporting: false }));
    const types = Object.values(Template.fromStack(grown.repositoryStacks[empty]).toJSON().Resources).map((r: any) => r.Type);
    expect(types).toEqual(['AWS::ECR::Repository']);
    expect(new AwsSolutionsChecks().validateScope(sharded.repositoryStacks[empty]).violations).toEqual([]);
  });

  test('stack names: an explicit prefix, or the stage name and construct id', () => {
    expect(baseline({ stackNamePrefix: 'ecr', repositories: repos('a/b') }).repositoryStacks[0].stackName).toBe('ecr-Repositories-0');
    const stage = new Stage(new App(), 'Prod');
    expect(new RegistryBaseline(stage, 'Ecr', {}).registryStack!.stackName).toBe('Prod-Ecr-Registry');
  });
});

describe('RegistryBaseline with everything on', () => {
  const app = new App();
  const b = new RegistryBaseline(app, 'Baseline', {
    env: ENV,
    stackNamePrefix: 'ecr',
    registry: {
      scanning: RegistryScanning.enhanced([
        { frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: ['prod/*'] },
        { frequency: ScanFrequency.SCAN_ON_PUSH },
      ]),
      replicationRules: [{ destinations: [{ region: 'us-east-1' }] }],
      replicationSources: [{ account: '333333333333', repositoryPrefixes: ['shared/'] }],
      pullThroughCacheRules: [{ upstream: UpstreamRegistry.ecrPublic() }, { id: 'K8s', upstream: UpstreamRegistry.kubernetes(), repositoryPrefix: 'k8s' }],
      creationTemplates: [
        { prefix: 'ROOT', appliedFor: [CreationTemplateAppliedFor.CREATE_ON_PUSH, CreationTemplateAppliedFor.REPLICATION] },
        { id: 'Caches', prefix: 'ecr-public', appliedFor: [CreationTemplateAppliedFor.PULL_THROUGH_CACHE] },
      ],
    },
    repositoryDefaults: {
      pullOrganizationId: 'o-a1b2c3d4e5',
      tags: { owner: 'platform', tier: 'standard' },
      lifecyclePolicy: new LifecyclePolicy({ rules: [LifecycleRule.expireUntaggedAfter(Duration.days(7)), LifecycleRule.keepLast(50)] }),
    },
    repositories: [
      { repositoryName: 'prod/api', pullAccounts: ['222222222222'], tags: { tier: 'gold' } },
      { repositoryName: 'prod/worker', pullPushAccounts: ['222222222222'], pullOrganizationalUnitPaths: ['o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/'] },
      {
        repositoryName: 'dev/sandbox',
        imageTagMutability: ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION,
        imageTagMutabilityExclusionFilters: ['latest'],
        removalPolicy: RemovalPolicy.DESTROY,
        emptyOnDelete: true,
        lambdaPull: { sourceAccounts: ['222222222222'] },
      },
    ],
    sharding: { capacity: 600 },
  });
  const registry = Template.fromStack(b.registryStack!);
  const stacks = b.repositoryStacks.map(s => Template.fromStack(s));
  const repoTemplate = (name: string) => Template.fromStack(b.stackOfRepository(name));

  test('registry stack: replication, registry policy, enhanced scanning, caches, templates', () => {
    registry.hasResourceProperties('AWS::ECR::ReplicationConfiguration', {
      ReplicationConfiguration: { Rules: [{ Destinations: [{ Region: 'us-east-1', RegistryId: '111111111111' }] }] },
    });
    registry.hasResourceProperties('AWS::ECR::RegistryPolicy', {
      PolicyText: { Statement: [Match.objectLike({ Sid: 'ReplicationFrom333333333333', Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'] })] },
    });
    registry.hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', { ScanType: 'ENHANCED' });
    registry.resourceCountIs('AWS::ECR::PullThroughCacheRule', 2);
    registry.hasResourceProperties('AWS::ECR::PullThroughCacheRule', { EcrRepositoryPrefix: 'k8s', UpstreamRegistry: 'k8s' });
    registry.resourceCountIs('AWS::ECR::RepositoryCreationTemplate', 2);
    registry.hasResourceProperties('AWS::ECR::RepositoryCreationTemplate', { Prefix: 'ecr-public', AppliedFor: ['PULL_THROUGH_CACHE'] });
    expect(b.registry!.node.tryFindChild('K8s')).toBeDefined();
    expect(b.registry!.node.tryFindChild('Caches')).toBeDefined();
    expect(b.registry!.node.tryFindChild('PullThroughCache-ecr-public')).toBeDefined();
  });

  test('a pull-through cache rule without a creation template gets a warning', () => {
    Annotations.fromStack(b.registryStack!).hasWarning('/Baseline/Registry/Registry/K8s',
      Match.stringLikeRegexp('no creation template applies to the repositories this rule creates under k8s/'));
    Annotations.fromStack(b.registryStack!).hasNoWarning('/Baseline/Registry/Registry/PullThroughCache-ecr-public', Match.anyValue());
  });

  test('capacity 600 gives 3 shard stacks', () => {
    expect(b.shardCount).toBe(3);
    expect(b.repositoryStacks.map(s => s.stackName)).toEqual(['ecr-Repositories-0', 'ecr-Repositories-1', 'ecr-Repositories-2']);
    expect(stacks.reduce((n, t) => n + Object.keys(t.findResources('AWS::ECR::Repository')).length, 0)).toBe(3);
  });

  test('defaults apply to every repository; a repository\'s own value wins, tags merge by key', () => {
    repoTemplate('prod/api').hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'prod/api',
      LifecyclePolicy: { LifecyclePolicyText: Match.stringLikeRegexp('"countNumber":50') },
      Tags: [{ Key: 'owner', Value: 'platform' }, { Key: 'tier', Value: 'gold' }],
      RepositoryPolicyText: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CrossAccountPull',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] } },
          }),
          Match.objectLike({ Sid: 'OrganizationPull', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } } }),
        ]),
      },
    });
  });

  test('pull-push accounts, organizational units, Lambda, exclusions and DESTROY', () => {
    repoTemplate('prod/worker').hasResourceProperties('AWS::ECR::Repository', {
      RepositoryName: 'prod/worker',
      RepositoryPolicyText: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'CrossAccountPullPush', Action: Match.arrayWith(['ecr:PutImage']) }),
          Match.objectLike({ Sid: 'OrganizationalUnitsPull' }),
        ]),
      },
    });
    repoTemplate('dev/sandbox').hasResource('AWS::ECR::Repository', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({
        RepositoryName: 'dev/sandbox',
        ImageTagMutability: 'IMMUTABLE_WITH_EXCLUSION',
        EmptyOnDelete: true,
        RepositoryPolicyText: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'LambdaPullBySourceAccount' })]) },
      }),
    });
  });

  test('snapshot (everything on)', () => {
    expect({ registry: registry.toJSON(), repositories: stacks.map(t => t.toJSON()) }).toMatchSnapshot();
  });

  test('cdk-nag AwsSolutions: nothing unacknowledged', () => {
    for (const stack of [b.registryStack!, ...b.repositoryStacks]) {
      expect(new AwsSolutionsChecks().validateScope(stack).violations).toEqual([]);
    }
  });
});

describe('RegistryBaseline sharding at scale: 1,200 repositories', () => {
  const N = 1200;
  const names = Array.from({ length: N }, (_, i) => `team-${i % 37}/service-${i}`);
  const props = (list: string[]): RegistryBaselineProps => ({
    env: ENV,
    manageRegistry: false,
    repositories: repos(...list),
    repositoryDefaults: { pullOrganizationId: 'o-a1b2c3d4e5' },
    sharding: { capacity: 1500 },
  });
  const timings: Record<string, number> = {};
  let t0 = Date.now();
  const app = new App();
  const big = new RegistryBaseline(app, 'Baseline', props(names));
  timings.construct = Date.now() - t0;
  t0 = Date.now();
  const assembly = app.synth();
  timings.synth = Date.now() - t0;
  const artifacts = big.repositoryStacks.map(s => assembly.getStackArtifact(s.artifactId));
  const resourceCounts = artifacts.map(a => Object.keys(a.template.Resources).length);
  const templateBytes = artifacts.map(a => fs.statSync(a.templateFullPath).size);
  const repositoryIds = artifacts.map(a => Object.entries(a.template.Resources as Record<string, any>)
    .filter(([, r]) => r.Type === 'AWS::ECR::Repository')
    .map(([id, r]) => [id, r.Properties.RepositoryName] as [string, string]));

  // One more repository, inserted in the middle of the list: order must not matter either.
  const added = 'team-3/newcomer';
  const app2 = new App();
  const bigger = new RegistryBaseline(app2, 'Baseline', props([...names.slice(0, 600), added, ...names.slice(600)]));
  const assembly2 = app2.synth();

  test(`synthesizes in seconds (${N} repositories, 6 stacks)`, () => {
    // eslint-disable-next-line no-console
    console.log(`1,200 repositories: construct ${timings.construct} ms, synth ${timings.synth} ms; `
      + `resources per stack ${resourceCounts.join(', ')}; template bytes per stack ${templateBytes.join(', ')}`);
    expect(big.shardCount).toBe(6);
    expect(timings.construct + timings.synth).toBeLessThan(20_000);
  });

  test('every stack is under 500 resources and under 1 MB', () => {
    expect(Math.max(...resourceCounts)).toBeLessThan(500);
    expect(Math.max(...templateBytes)).toBeLessThan(1_000_000);
    // Planned for about 250 per stack: hashing keeps every stack near it.
    expect(Math.max(...resourceCounts)).toBeLessThan(300);
    expect(Math.min(...resourceCounts)).toBeGreaterThan(100);
  });

  test('every repository is in exactly one stack, the one its name hashes to', () => {
    const all = repositoryIds.flat().map(([, name]) => name);
    expect(all).toHaveLength(N);
    expect(new Set(all).size).toBe(N);
    for (const [shard, list] of repositoryIds.entries()) {
      for (const [, name] of list) {
        expect(RegistryBaseline.shardOf(name, 6)).toBe(shard);
      }
    }
  });

  test('adding a repository moves no existing repository and changes no existing resource', () => {
    const before = artifacts.map(a => a.template.Resources as Record<string, any>);
    const after = bigger.repositoryStacks.map(s => assembly2.getStackArtifact(s.artifactId).template.Resources as Record<string, any>);
    const newShard = bigger.shardOfRepository(added);
    for (let s = 0; s < 6; s++) {
      const extra = Object.keys(after[s]).filter(id => !(id in before[s]));
      const gone = Object.keys(before[s]).filter(id => !(id in after[s]));
      expect(gone).toEqual([]);
      expect(extra.map(id => after[s][id].Properties.RepositoryName)).toEqual(s === newShard ? [added] : []);
      for (const id of Object.keys(before[s])) {
        expect(after[s][id]).toEqual(before[s][id]);
      }
    }
  });

  test('removing repositories moves no other repository', () => {
    const fewer = new RegistryBaseline(new App(), 'Baseline', props(names.slice(0, 300).filter((_, i) => i % 3 !== 0)));
    expect(fewer.repositoryKeys).toHaveLength(200);
    for (const name of fewer.repositoryKeys) {
      expect(fewer.shardOfRepository(name)).toBe(big.shardOfRepository(name));
    }
  });

  test('raising the shard count moves only about 1/7 of the repositories, all to the new stack', () => {
    const moved = names.filter(name => RegistryBaseline.shardOf(name, 7) !== RegistryBaseline.shardOf(name, 6));
    expect(moved.every(name => RegistryBaseline.shardOf(name, 7) === 6)).toBe(true);
    expect(moved.length / N).toBeGreaterThan(0.1);
    expect(moved.length / N).toBeLessThan(0.19);
  });
});

describe('RegistryBaseline sharding details', () => {
  test('a pinned repository stays in its shard', () => {
    const names = Array.from({ length: 20 }, (_, i) => `svc-${i}`);
    const b = baseline({
      manageRegistry: false,
      sharding: { shardCount: 4 },
      repositories: names.map(repositoryName => ({ repositoryName, shard: 2 })),
    });
    expect(b.capacity).toBe(1000);
    expect(names.map(n => b.shardOfRepository(n))).toEqual(names.map(() => 2));
    expect(b.repositoryStacks.map(s => Object.keys(Template.fromStack(s).findResources('AWS::ECR::Repository')).length)).toEqual([0, 0, 20, 0]);
  });

  test('a shard key picks the stack and names the construct', () => {
    const b = baseline({ manageRegistry: false, sharding: { shardCount: 8 }, repositories: [{ repositoryName: 'a/b', shardKey: 'legacy-a-b' }] });
    expect(b.shardOfRepository('a/b')).toBe(RegistryBaseline.shardOf('legacy-a-b', 8));
    expect(b.repository('legacy-a-b').node.id).toBe('legacy-a-b');
  });

  test('jump hash is spread evenly and stable', () => {
    expect(RegistryBaseline.shardOf('team/app', 1)).toBe(0);
    expect(RegistryBaseline.shardOf('team/app', 10)).toBe(RegistryBaseline.shardOf('team/app', 10));
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) {
      counts[RegistryBaseline.shardOf(`r${i}`, 10)]++;
    }
    expect(Math.min(...counts)).toBeGreaterThan(850);
    expect(Math.max(...counts)).toBeLessThan(1150);
    expect(() => RegistryBaseline.shardOf('x', 0)).toThrow('invalid shardCount 0: must be a positive integer');
  });

  test('the finished stacks are checked too: resources added later count', () => {
    const app = new App();
    const b = new RegistryBaseline(app, 'Baseline', { manageRegistry: false, sharding: { maxResourcesPerStack: 5, capacity: 4 }, repositories: repos('a/b') });
    for (let i = 0; i < 5; i++) {
      new CfnResource(b.repositoryStacks[0], `Extra${i}`, { type: 'AWS::SNS::Topic' });
    }
    expect(() => app.synth()).toThrow('Baseline/Repositories0: invalid resource count 6: must be at most 5 per stack (CloudFormation allows 500); '
      + 'spread the repositories over more shards (sharding.capacity or sharding.shardCount)');
  });

  test('a template above 1,000,000 bytes fails the synth', () => {
    const app = new App();
    const b = new RegistryBaseline(app, 'Baseline', { manageRegistry: false, repositories: repos('a/b') });
    new CfnResource(b.repositoryStacks[0], 'Huge', { type: 'AWS::SNS::Topic', properties: { DisplayName: 'x'.repeat(1_000_000) } });
    expect(() => app.synth()).toThrow(/^Baseline\/Repositories0: invalid template size 100\d{4}: must be at most 1000000 bytes \(CloudFormation accepts 1 MB from S3\); spread the repositories over more shards/);
  });

  test('the registry stack refuses Lambda functions', () => {
    const app = new App();
    const b = new RegistryBaseline(app, 'Baseline', {});
    new lambda.Function(b.registryStack!, 'Fn', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=1') });
    expect(() => app.synth()).toThrow('Baseline/Registry/Fn/Resource: invalid resource AWS::Lambda::Function: the registry stack of a RegistryBaseline '
      + 'must deploy without assets or functions (a StackSet template); put it in another stack');
  });

  test('the registry stack refuses assets', () => {
    const b = baseline({});
    expect(() => new lambda.Function(b.registryStack!, 'Fn', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code: lambda.Code.fromAsset(__dirname) }))
      .toThrow('Cannot add assets to a Stack that uses the BootstraplessSynthesizer');
  });
});

describe('RegistryBaseline tokens', () => {
  test('tokens are accepted for accounts, organization, OUs, names with a shard key, and registry settings', () => {
    const app = new App();
    const params = new Stack(app, 'Params');
    const p = (id: string) => new CfnParameter(params, id).valueAsString;
    const b = new RegistryBaseline(app, 'Baseline', {
      registry: {
        replicationRules: [{ destinations: [{ region: p('Region'), account: p('Account') }] }],
        pullThroughCacheRules: [{ upstream: UpstreamRegistry.ecrPublic(), repositoryPrefix: p('Prefix') }],
      },
      repositoryDefaults: { pullOrganizationId: p('Org'), pullAccounts: [Fn.importValue('Consumer')] },
      repositories: [
        { repositoryName: p('Name'), shardKey: 'from-parameter', pullOrganizationalUnitPaths: [p('Ou')] },
        { repositoryName: 'fixed/name', pullPushAccounts: [p('Pusher')] },
      ],
    });
    expect(b.repositoryKeys).toEqual(['from-parameter', 'fixed/name']);
  });
});

describe('RegistryBaseline fails', () => {
  const make = (props: RegistryBaselineProps, app = new App()) => () => new RegistryBaseline(app, 'Baseline', props);

  test('fails with duplicate repository names', () => {
    expect(make({ repositories: repos('a/b', 'c/d', 'a/b') }))
      .toThrow('Baseline: invalid repositories[2].repositoryName "a/b": repositories[0] has the same name; each repository appears once');
  });

  test('fails with duplicate shard keys', () => {
    expect(make({ repositories: [{ repositoryName: 'a/b' }, { repositoryName: 'c/d', shardKey: 'a/b' }] }))
      .toThrow('Baseline: invalid repositories[1].shardKey "a/b": repositories[0] has the same shard key (names and shard keys name the repository constructs, so each is used once)');
  });

  test('fails with more repositories than the declared capacity', () => {
    expect(make({ repositories: repos('a1', 'a2', 'a3'), sharding: { capacity: 2 } }))
      .toThrow('Baseline: invalid repositories.length 3: exceeds the declared capacity 2 (sharding.capacity): raise the capacity, knowing that a larger shard count '
        + 'moves about (new - old) / new of the repositories to the new stacks (pin them with shard, or import them there)');
  });

  test('fails with a shard over its resource limit', () => {
    expect(make({ repositories: ['a1', 'a2', 'a3', 'a4'].map(repositoryName => ({ repositoryName, shard: 0 })), sharding: { shardCount: 2, maxResourcesPerStack: 4 } }))
      .toThrow('Baseline: invalid shard 0 resources 5: must be at most 4 (sharding.maxResourcesPerStack): declare a larger capacity or shardCount so that each stack holds fewer repositories');
  });

  test('fails with a capacity that cannot fit in the shard count', () => {
    expect(make({ sharding: { shardCount: 2, capacity: 1000 } }))
      .toThrow('Baseline: invalid sharding.capacity 1000: cannot fit in 2 stacks of at most 500 resources (998 repositories at most): raise shardCount or leave it out to derive it from the capacity');
  });

  test('fails with bad sharding numbers', () => {
    expect(make({ sharding: { shardCount: 0 } }))
      .toThrow('Baseline: invalid sharding.shardCount 0: must be an integer from 1 to 10000 known at synth time (it decides how many stacks there are)');
    expect(make({ sharding: { maxResourcesPerStack: 501 } }))
      .toThrow('Baseline: invalid sharding.maxResourcesPerStack 501: must be an integer from 2 to 500 known at synth time (it decides how many stacks there are)');
    expect(make({ repositories: [{ repositoryName: 'a/b', shard: 3 }], sharding: { shardCount: 2 } }))
      .toThrow('Baseline: invalid repositories[0].shard 3: must be a shard number known at synth time, 0 to 1');
  });

  test('fails with a token name and no shard key', () => {
    const app = new App();
    const name = new CfnParameter(new Stack(app, 'Params'), 'Name').valueAsString;
    expect(make({ repositories: [{ repositoryName: name }] }, app))
      .toThrow(/^Baseline: invalid repositories\[0\]\.repositoryName "\$\{Token\[TOKEN\.\d+\]\}": the key that picks the repository's stack must be known at synth time: give a fixed shardKey for a repository name that is a token$/);
  });

  test('fails with registry settings while manageRegistry is false', () => {
    expect(make({ manageRegistry: false, registry: {} }))
      .toThrow('Baseline: invalid registry "given": manageRegistry is false, so no registry stack is created: leave registry out, or set manageRegistry to true');
  });

  test('fails inside a stack', () => {
    const stack = new Stack(new App(), 'Host');
    expect(() => new RegistryBaseline(stack, 'Baseline', {}))
      .toThrow('Host/Baseline: invalid scope "Host": a RegistryBaseline creates its own stacks: create it in an App or a Stage, not inside a Stack');
  });

  test('fails with conflicting access: an account in both lists, an OU of another organization, the own account', () => {
    expect(make({
      env: ENV,
      repositoryDefaults: { pullOrganizationId: 'o-a1b2c3d4e5' },
      repositories: [
        { repositoryName: 'a/b', pullAccounts: ['222222222222'], pullPushAccounts: ['222222222222'] },
        { repositoryName: 'c/d', pullOrganizationalUnitPaths: ['o-zzzzzzzzzz/r-ab12/ou-ab12-11111111/'] },
        { repositoryName: 'e/f', pullAccounts: ['111111111111'] },
      ],
    })).toThrow([
      'Baseline: 3 invalid properties:',
      '  - invalid repositories[0].pullAccounts "222222222222": is also in pullPushAccounts, which already includes pull: list the account once',
      '  - invalid repositories[1].pullOrganizationalUnitPaths[0] "o-zzzzzzzzzz/r-ab12/ou-ab12-11111111/": belongs to another organization than pullOrganizationId o-a1b2c3d4e5; a path starts with the organization id',
      '  - invalid repositories[2].pullAccounts[0] "111111111111": is the repository\'s own account: grant its principals through their identity policies instead (grantToPrincipal or repository.grantPull)',
    ].join('\n'));
  });

  test('fails with bad access values', () => {
    expect(make({ repositoryDefaults: { pullOrganizationId: 'org-1', lambdaPull: {} }, repositories: [{ repositoryName: 'a/b', pullAccounts: ['12345'] }] })).toThrow([
      'Baseline: 3 invalid properties:',
      '  - invalid repositoryDefaults.pullOrganizationId "org-1": must be an AWS Organizations id: o- and 10-32 lowercase letters or digits, such as o-a1b2c3d4e5',
      '  - invalid repositoryDefaults.lambdaPull {}: name the functions (functionArns) or their accounts (sourceAccounts): the Lambda service is never granted without an aws:SourceArn or aws:SourceAccount condition',
      '  - invalid repositories[0].pullAccounts[0] "12345": must be a 12-digit AWS account id',
    ].join('\n'));
  });

  test('fails with the repository\'s own validation (PrivateRepository rules), prefixed', () => {
    expect(make({ repositories: [{ repositoryName: 'Bad_Name' }, { repositoryName: 'ok/name', emptyOnDelete: true }] })).toThrow([
      'Baseline: 2 invalid properties:',
      '  - invalid repositories[0].repositoryName "Bad_Name": must be 2-256 characters: lowercase letters and digits separated by single \'.\', \'_\' or \'-\', with optional \'/\' namespaces (pattern ^(?=.{2,256}$)((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)$)',
      '  - invalid repositories[1].emptyOnDelete true: only with removalPolicy DESTROY (got retain)',
    ].join('\n'));
  });

  test('fails with bad defaults once, not once per repository', () => {
    expect(make({ repositoryDefaults: { emptyOnDelete: true }, repositories: repos('a/b', 'c/d', 'e/f') }))
      .toThrow('Baseline: invalid repositoryDefaults.emptyOnDelete true: only with removalPolicy DESTROY (got retain)');
  });

  test('fails with the registry\'s own validation (Registry, cache, template rules), prefixed', () => {
    expect(make({
      registry: {
        scanning: RegistryScanning.basic([{ frequency: ScanFrequency.CONTINUOUS_SCAN }]),
        pullThroughCacheRules: [{ upstream: UpstreamRegistry.quay() }, { upstream: UpstreamRegistry.quay(), id: 'Quay2' }],
        creationTemplates: [{ prefix: 'team' }, { prefix: 'team', id: 'Other' }, { prefix: 'Bad Prefix' }],
      },
    })).toThrow([
      'Baseline: 4 invalid properties:',
      '  - invalid registry.scanning.rules[0].frequency "CONTINUOUS_SCAN": basic scanning supports only SCAN_ON_PUSH; use RegistryScanning.enhanced() for continuous scanning',
      '  - invalid registry.pullThroughCacheRules[1].repositoryPrefix "quay": registry.pullThroughCacheRules[0] uses the same prefix; each rule needs its own',
      '  - invalid registry.creationTemplates[1].prefix "team": registry.creationTemplates[0] has the same prefix; ECR keeps one template per prefix',
      '  - invalid registry.creationTemplates[2].prefix "Bad Prefix": must be ROOT or a repository namespace: lowercase letters and digits separated by \'.\', \'_\', \'__\' or \'-\', with optional \'/\' levels',
    ].join('\n'));
  });

  test('fails with duplicate construct ids of rules and templates', () => {
    expect(make({ registry: { creationTemplates: [{ prefix: 'a', id: 'T' }, { prefix: 'b', id: 'T' }] } }))
      .toThrow('Baseline: invalid registry.creationTemplates[1].id "T": registry.creationTemplates[0] has the same construct id; give each rule and template its own id');
  });

  test('fails before creating anything', () => {
    const app = new App();
    expect(make({ repositories: repos('a/b', 'a/b'), registry: {} }, app)).toThrow();
    expect(app.node.findAll().filter(c => Stack.isStack(c))).toEqual([]);
  });

  test('fails on bad Lambda function ARNs of two repositories with one error naming both nested paths, before creating anything', () => {
    // The access checks are RepositoryAccess's own collectors, run on the spec before any stack exists.
    const app = new App();
    const lambdaPull = { functionArns: ['not-an-arn'] };
    const allowed = 'must be a Lambda function ARN arn:<partition>:lambda:<region>:<12-digit account>:function:<name>[:<qualifier>] ("*" and "?" allowed in the name and qualifier)';
    const e = caught(() => new RegistryBaseline(app, 'Baseline', {
      env: ENV,
      repositories: [{ repositoryName: 'team/a', lambdaPull }, { repositoryName: 'team/b', lambdaPull, pullAccounts: ['111111111111'] }],
    }));
    expect(EcrValidationError.isEcrValidationError(e)).toBe(true);
    const error = e as EcrValidationError;
    expect(error.message).toBe([
      'Baseline: 3 invalid properties:',
      `  - invalid repositories[0].lambdaPull.functionArns[0] "not-an-arn": ${allowed}`,
      "  - invalid repositories[1].pullAccounts[0] \"111111111111\": is the repository's own account: grant its principals through their identity policies instead (grantToPrincipal or repository.grantPull)",
      `  - invalid repositories[1].lambdaPull.functionArns[0] "not-an-arn": ${allowed}`,
    ].join('\n'));
    expect(error.constructPath).toBe('Baseline');
    expect(error.violations.map(violation => violation.property)).toEqual([
      'repositories[0].lambdaPull.functionArns[0]', 'repositories[1].pullAccounts[0]', 'repositories[1].lambdaPull.functionArns[0]',
    ]);
    expect(app.node.children).toHaveLength(0);
  });

  test('fails on Lambda pull options naming neither functions nor accounts, under the lambdaPull path', () => {
    const app = new App();
    expect(() => new RegistryBaseline(app, 'Baseline', { env: ENV, repositories: [{ repositoryName: 'team/a', lambdaPull: {} }] }))
      .toThrow('Baseline: invalid repositories[0].lambdaPull {}: name the functions (functionArns) or their accounts (sourceAccounts)');
    expect(app.node.children).toHaveLength(0);
  });

  test('fails on a registry that replicates to itself, judged in the environment the baseline will create (no scratch stack)', () => {
    const app = new App();
    expect(() => new RegistryBaseline(app, 'Baseline', {
      env: ENV,
      registry: { replicationRules: [{ destinations: [{ region: 'eu-west-1' }] }] },
    })).toThrow('Baseline: invalid registry.replicationRules[0].destinations[0] {"region":"eu-west-1"}: is this registry itself (account 111111111111, region eu-west-1); replicate to another region or account');
    expect(app.node.children).toHaveLength(0);
  });
});
