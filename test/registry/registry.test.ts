import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Construct } from 'constructs';
import { CreationTemplateAppliedFor, IRegistry, Registry, RegistryProps, RegistryScanning, ReplicationSource, ScanFrequency, UpstreamRegistry } from '../../src';
import { newStack } from '../helpers/synth';

function registryTemplate(props?: RegistryProps, env = { account: '111111111111', region: 'eu-west-1' }): Template {
  const stack = newStack({ env });
  new Registry(stack, 'Registry', props);
  return Template.fromStack(stack);
}

const make = (props: RegistryProps) => () => {
  const stack = newStack({ env: { account: '111111111111', region: 'eu-west-1' } });
  new Registry(stack, 'Registry', props);
};


describe('Registry defaults', () => {
  const t = registryTemplate();

  test('no scanning configuration unless asked: a deployed one (Amazon Inspector, an organization administrator) is left alone', () => {
    t.resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 0);
  });

  test('scanning only when asked: RegistryScanning.basic() writes basic scan on push for every repository', () => {
    registryTemplate({ scanning: RegistryScanning.basic() }).hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
      ScanType: 'BASIC',
      Rules: [{ ScanFrequency: 'SCAN_ON_PUSH', RepositoryFilters: [{ Filter: '*', FilterType: 'WILDCARD' }] }],
    });
  });

  test('a registry with only a pull-through cache rule writes no scanning configuration', () => {
    const stack = newStack({ env: { account: '111111111111', region: 'eu-west-1' } });
    const registry = new Registry(stack, 'Registry');
    registry.addPullThroughCacheRule('EcrPublic', { upstream: UpstreamRegistry.ecrPublic() });
    const tt = Template.fromStack(stack);
    tt.resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 0);
    tt.resourceCountIs('AWS::ECR::PullThroughCacheRule', 1);
    expect(registry.scanningConfiguration).toBeUndefined();
    expect(registry.scanning.scanType).toBeUndefined();
  });

  test('no replication, no registry policy, no pull-through cache, no template', () => {
    t.resourceCountIs('AWS::ECR::ReplicationConfiguration', 0);
    t.resourceCountIs('AWS::ECR::RegistryPolicy', 0);
    t.resourceCountIs('AWS::ECR::PullThroughCacheRule', 0);
    t.resourceCountIs('AWS::ECR::RepositoryCreationTemplate', 0);
    expect(t.toJSON().Resources ?? {}).toEqual({});
  });

  test('snapshot (defaults)', () => {
    expect(t.toJSON()).toMatchSnapshot();
  });

  test('Registry.of finds the stack\'s registry; registryId is the stack account', () => {
    const stack = newStack();
    expect(Registry.of(stack)).toBeUndefined();
    const registry = new Registry(stack, 'Registry', { scanning: RegistryScanning.unmanaged() });
    expect(Registry.of(stack)).toBe(registry);
    expect(Registry.isRegistry(registry)).toBe(true);
    expect(Registry.isRegistry(stack)).toBe(false);
    expect(registry.registryId).toBe('111111111111');
  });
});

describe('the stack\'s registry lives in the construct tree', () => {
  test('Registry.of reads a state child of the stack that synthesizes nothing; a failed Registry leaves none', () => {
    const stack = newStack();
    expect(() => new Registry(stack, 'Bad', { replicationSources: [{ account: '42' }] })).toThrow(/must be a 12-digit AWS account id/);
    expect(stack.node.children).toHaveLength(0);
    const registry = new Registry(stack, 'Registry', { scanning: RegistryScanning.basic() });
    const state = stack.node.tryFindChild('CdkEcrRegistryStackState');
    expect(state).toBeDefined();
    expect(state!.node.children).toHaveLength(0);
    expect(Registry.of(stack)).toBe(registry);
    expect(Registry.of(registry.scanningConfiguration!)).toBe(registry);
    // only the registry's own scanning configuration is synthesized
    expect(Object.keys(Template.fromStack(stack).toJSON().Resources)).toEqual([expect.stringMatching(/^RegistryScanning/)]);
  });

  test('Registry.of is per stack: another stack of the same app has none', () => {
    const app = new App();
    const a = newStack({ stackName: 'A' }, app);
    const b = newStack({ stackName: 'B' }, app);
    const registry = new Registry(a, 'Registry');
    expect(Registry.of(a)).toBe(registry);
    expect(Registry.of(b)).toBeUndefined();
    expect(() => new Registry(b, 'Registry')).not.toThrow();
  });
});

describe('Registry scanning', () => {
  test('enhanced defaults to continuous scanning of every repository', () => {
    registryTemplate({ scanning: RegistryScanning.enhanced() }).hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
      ScanType: 'ENHANCED',
      Rules: [{ ScanFrequency: 'CONTINUOUS_SCAN', RepositoryFilters: [{ Filter: '*', FilterType: 'WILDCARD' }] }],
    });
  });

  test('enhanced with two rules and filters', () => {
    registryTemplate({
      scanning: RegistryScanning.enhanced([
        { frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: ['prod-*', 'payments/*'] },
        { frequency: ScanFrequency.SCAN_ON_PUSH },
      ]),
    }).hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', {
      ScanType: 'ENHANCED',
      Rules: [
        {
          ScanFrequency: 'CONTINUOUS_SCAN',
          RepositoryFilters: [{ Filter: 'prod-*', FilterType: 'WILDCARD' }, { Filter: 'payments/*', FilterType: 'WILDCARD' }],
        },
        { ScanFrequency: 'SCAN_ON_PUSH', RepositoryFilters: [{ Filter: '*', FilterType: 'WILDCARD' }] },
      ],
    });
  });

  test('basic with no rules (manual scans only)', () => {
    registryTemplate({ scanning: RegistryScanning.basic([]) })
      .hasResourceProperties('AWS::ECR::RegistryScanningConfiguration', { ScanType: 'BASIC', Rules: [] });
  });

  test('unmanaged: no scanning configuration', () => {
    const stack = newStack();
    const registry = new Registry(stack, 'Registry', { scanning: RegistryScanning.unmanaged() });
    Template.fromStack(stack).resourceCountIs('AWS::ECR::RegistryScanningConfiguration', 0);
    expect(registry.scanningConfiguration).toBeUndefined();
    expect(registry.scanning.scanType).toBeUndefined();
  });

  test('fails on BASIC with CONTINUOUS_SCAN', () => {
    expect(make({ scanning: RegistryScanning.basic([{ frequency: ScanFrequency.CONTINUOUS_SCAN }]) })).toThrow(
      'TestStack/Registry: invalid scanning.rules[0].frequency "CONTINUOUS_SCAN": basic scanning supports only SCAN_ON_PUSH; use RegistryScanning.enhanced() for continuous scanning');
  });

  test('fails on a MANUAL rule', () => {
    expect(make({ scanning: RegistryScanning.basic([{ frequency: ScanFrequency.MANUAL }]) })).toThrow(
      'TestStack/Registry: invalid scanning.rules[0].frequency "MANUAL": MANUAL is what ECR applies to repositories no rule matches, and CloudFormation accepts only SCAN_ON_PUSH and CONTINUOUS_SCAN in a rule; leave those repositories out of the other rules');
  });

  test('fails on more than 2 rules', () => {
    expect(make({
      scanning: RegistryScanning.enhanced([
        { frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: ['a*'] },
        { frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: ['b*'] },
        { frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: ['c*'] },
      ]),
    })).toThrow(/^TestStack\/Registry: 2 invalid properties:\n {2}- invalid scanning.rules.length 3: at most 2 scanning rules \(one SCAN_ON_PUSH, one CONTINUOUS_SCAN\)\n {2}- invalid scanning.rules\[2\].frequency "CONTINUOUS_SCAN": one rule per frequency: put all its filters in one rule$/);
  });

  test('fails on two rules with the same frequency', () => {
    expect(make({
      scanning: RegistryScanning.enhanced([
        { frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: ['a*'] },
        { frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: ['b*'] },
      ]),
    })).toThrow('TestStack/Registry: invalid scanning.rules[1].frequency "SCAN_ON_PUSH": one rule per frequency: put all its filters in one rule');
  });

  test('fails on an empty filter list and on more than 100 filters', () => {
    expect(make({ scanning: RegistryScanning.basic([{ frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: [] }]) })).toThrow(
      'TestStack/Registry: invalid scanning.rules[0].repositoryFilters.length 0: must have 1-100 filters');
    const many = Array.from({ length: 101 }, (_, i) => `repo-${i}`);
    expect(make({ scanning: RegistryScanning.basic([{ frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: many }]) })).toThrow(
      'TestStack/Registry: invalid scanning.rules[0].repositoryFilters.length 101: must have 1-100 filters');
  });

  test.each([['Upper*'], ['-lead'], ['a b'], ['x?']])('fails on scanning filter %p', (f) => {
    expect(make({ scanning: RegistryScanning.basic([{ frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: [f] }]) })).toThrow(
      `TestStack/Registry: invalid scanning.rules[0].repositoryFilters[0] ${JSON.stringify(f)}: must be a repository name pattern: lowercase letters, digits, '.', '_', '-', '/' and '*' wildcards`);
  });

  test('fails on a scanning filter longer than 255 characters', () => {
    const f = 'a'.repeat(256);
    expect(make({ scanning: RegistryScanning.basic([{ frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: [f] }]) })).toThrow(
      `TestStack/Registry: invalid scanning.rules[0].repositoryFilters[0] "${f}": must be 1-255 characters long (got 256)`);
  });

  test.each([['*'], ['prod-*'], ['team/app'], ['a.b_c-d*']])('accepts scanning filter %p', (f) => {
    expect(make({ scanning: RegistryScanning.basic([{ frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: [f] }]) })).not.toThrow();
  });
});

describe('Registry replication', () => {
  test('cross-region and cross-account destinations with prefix filters', () => {
    const t = registryTemplate({
      replicationRules: [
        { destinations: [{ region: 'us-east-1' }, { region: 'eu-central-1', account: '222222222222' }], repositoryPrefixes: ['payments', 'platform/'] },
        { destinations: [{ region: 'ap-southeast-2' }] },
      ],
    });
    t.resourceCountIs('AWS::ECR::ReplicationConfiguration', 1);
    t.hasResourceProperties('AWS::ECR::ReplicationConfiguration', {
      ReplicationConfiguration: {
        Rules: [
          {
            Destinations: [{ Region: 'us-east-1', RegistryId: '111111111111' }, { Region: 'eu-central-1', RegistryId: '222222222222' }],
            RepositoryFilters: [{ Filter: 'payments', FilterType: 'PREFIX_MATCH' }, { Filter: 'platform/', FilterType: 'PREFIX_MATCH' }],
          },
          { Destinations: [{ Region: 'ap-southeast-2', RegistryId: '111111111111' }], RepositoryFilters: Match.absent() },
        ],
      },
    });
  });

  test('addReplicationRule creates the configuration once and appends', () => {
    const stack = newStack({ env: { account: '111111111111', region: 'eu-west-1' } });
    const registry = new Registry(stack, 'Registry');
    expect(registry.replicationConfiguration).toBeUndefined();
    registry.addReplicationRule({ destinations: [{ region: 'us-east-1' }] });
    registry.addReplicationRule({ destinations: [{ region: 'us-west-2' }], repositoryPrefixes: ['team'] });
    expect(registry.replicationRules).toHaveLength(2);
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::ECR::ReplicationConfiguration', 1);
    t.hasResourceProperties('AWS::ECR::ReplicationConfiguration', {
      ReplicationConfiguration: {
        Rules: [
          { Destinations: [{ Region: 'us-east-1', RegistryId: '111111111111' }] },
          { Destinations: [{ Region: 'us-west-2', RegistryId: '111111111111' }], RepositoryFilters: [{ Filter: 'team', FilterType: 'PREFIX_MATCH' }] },
        ],
      },
    });
  });

  test('the destination account defaults to AWS::AccountId in an environment-agnostic stack', () => {
    const stack = new Stack(new App(), 'Agnostic');
    new Registry(stack, 'Registry', { replicationRules: [{ destinations: [{ region: 'us-east-1' }] }] });
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::ReplicationConfiguration', {
      ReplicationConfiguration: { Rules: [{ Destinations: [{ Region: 'us-east-1', RegistryId: { Ref: 'AWS::AccountId' } }] }] },
    });
  });

  test('fails on a rule without destinations', () => {
    expect(make({ replicationRules: [{ destinations: [] }] })).toThrow(
      'TestStack/Registry: invalid replicationRules[0].destinations []: a replication rule needs at least 1 destination');
  });

  test('fails on more than 10 rules', () => {
    const rules = Array.from({ length: 11 }, (_, i) => ({ destinations: [{ region: 'us-east-1' }], repositoryPrefixes: [`team${i}`] }));
    expect(make({ replicationRules: rules })).toThrow(
      'TestStack/Registry: invalid replicationRules.length 11: at most 10 replication rules per registry (ECR PutReplicationConfiguration)');
  });

  test('fails on the 11th rule added later', () => {
    const stack = newStack({ env: { account: '111111111111', region: 'eu-west-1' } });
    const registry = new Registry(stack, 'Registry');
    for (let i = 0; i < 10; i++) {
      registry.addReplicationRule({ destinations: [{ region: 'us-east-1' }], repositoryPrefixes: [`team${i}`] });
    }
    expect(() => registry.addReplicationRule({ destinations: [{ region: 'us-east-1' }] })).toThrow(
      'TestStack/Registry: invalid replicationRules.length 11: at most 10 replication rules per registry (ECR PutReplicationConfiguration)');
    expect(registry.replicationRules).toHaveLength(10);
  });

  test('fails on more than 25 distinct destinations', () => {
    const destinations = Array.from({ length: 26 }, (_, i) => ({ region: 'us-east-1', account: String(200000000000 + i) }));
    expect(make({ replicationRules: [{ destinations }] })).toThrow(
      'TestStack/Registry: invalid replicationRules destinations 26: at most 25 distinct destinations across all replication rules (ECR quota)');
  });

  test('25 destinations split over rules, repeated across rules, are fine', () => {
    const destinations = Array.from({ length: 25 }, (_, i) => ({ region: 'us-east-1', account: String(200000000000 + i) }));
    expect(make({ replicationRules: [{ destinations, repositoryPrefixes: ['a1'] }, { destinations, repositoryPrefixes: ['b1'] }] })).not.toThrow();
  });

  test('fails on more than 100 filters in a rule', () => {
    const prefixes = Array.from({ length: 101 }, (_, i) => `team${i}`);
    expect(make({ replicationRules: [{ destinations: [{ region: 'us-east-1' }], repositoryPrefixes: prefixes }] })).toThrow(
      'TestStack/Registry: invalid replicationRules[0].repositoryPrefixes.length 101: at most 100 filters per replication rule (ECR quota)');
  });

  test('fails on a destination equal to the source registry', () => {
    expect(make({ replicationRules: [{ destinations: [{ region: 'eu-west-1' }] }] })).toThrow(
      'TestStack/Registry: invalid replicationRules[0].destinations[0] {"region":"eu-west-1"}: is this registry itself (account 111111111111, region eu-west-1); replicate to another region or account');
    expect(make({ replicationRules: [{ destinations: [{ region: 'eu-west-1', account: '111111111111' }] }] })).toThrow(
      'is this registry itself (account 111111111111, region eu-west-1)');
  });

  test('the same region in another account is fine', () => {
    expect(make({ replicationRules: [{ destinations: [{ region: 'eu-west-1', account: '222222222222' }] }] })).not.toThrow();
  });

  test.each([['EU-WEST-1'], ['eu-west'], ['euwest1'], ['us-east-1 ']])('fails on region %p', (region) => {
    expect(make({ replicationRules: [{ destinations: [{ region }] }] })).toThrow(
      `TestStack/Registry: invalid replicationRules[0].destinations[0].region ${JSON.stringify(region)}: must be an AWS region name such as eu-west-1`);
  });

  test.each([['12345'], ['1111111111112'], ['abcdefghijkl']])('fails on destination account %p', (account) => {
    expect(make({ replicationRules: [{ destinations: [{ region: 'us-east-1', account }] }] })).toThrow(
      `TestStack/Registry: invalid replicationRules[0].destinations[0].account ${JSON.stringify(account)}: must be a 12-digit AWS account id`);
  });

  const LENGTH = (n: number) => `must be 2-256 characters long (got ${n})`;
  const PATTERN = 'must be the start of a repository name: lowercase letters, digits, \'.\', \'_\', \'-\' and \'/\' namespaces';
  test.each([['a', LENGTH(1)], ['Upper', PATTERN], ['a b', PATTERN], ['a'.repeat(257), LENGTH(257)], ['team//x', PATTERN]])('fails on repository prefix %p', (prefix, allowed) => {
    expect(make({ replicationRules: [{ destinations: [{ region: 'us-east-1' }], repositoryPrefixes: [prefix] }] })).toThrow(
      `TestStack/Registry: invalid replicationRules[0].repositoryPrefixes[0] ${JSON.stringify(prefix)}: ${allowed}`);
  });

  test('fails on a too-short prefix with the length message', () => {
    expect(make({ replicationRules: [{ destinations: [{ region: 'us-east-1' }], repositoryPrefixes: ['a'] }] })).toThrow(
      'TestStack/Registry: invalid replicationRules[0].repositoryPrefixes[0] "a": must be 2-256 characters long (got 1)');
    expect(make({ replicationRules: [{ destinations: [{ region: 'us-east-1' }], repositoryPrefixes: ['Upper'] }] })).toThrow(
      'TestStack/Registry: invalid replicationRules[0].repositoryPrefixes[0] "Upper": must be the start of a repository name: lowercase letters, digits, \'.\', \'_\', \'-\' and \'/\' namespaces');
  });

  test('token inputs do not throw', () => {
    const stack = newStack({ env: { account: '111111111111', region: 'eu-west-1' } });
    const region = new CfnParameter(stack, 'Region').valueAsString;
    const account = new CfnParameter(stack, 'Account').valueAsString;
    const prefix = new CfnParameter(stack, 'Prefix').valueAsString;
    const source = new CfnParameter(stack, 'Source').valueAsString;
    new Registry(stack, 'Registry', {
      replicationRules: [{ destinations: [{ region, account }], repositoryPrefixes: [prefix] }],
      replicationSources: [{ account: source, repositoryPrefixes: [prefix] }],
      scanning: RegistryScanning.basic([{ frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: [prefix] }]),
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ECR::ReplicationConfiguration', {
      ReplicationConfiguration: {
        Rules: [{ Destinations: [{ Region: { Ref: 'Region' }, RegistryId: { Ref: 'Account' } }], RepositoryFilters: [{ Filter: { Ref: 'Prefix' } }] }],
      },
    });
    t.hasResourceProperties('AWS::ECR::RegistryPolicy', {
      PolicyText: { Statement: [Match.objectLike({ Sid: 'ReplicationFromSource1' })] },
    });
  });
});

describe('Registry policy (destination side of cross-account replication)', () => {
  test('allows ReplicateImage and CreateRepository to the source account on all repositories', () => {
    const t = registryTemplate({ replicationSources: [{ account: '333333333333' }] });
    t.hasResourceProperties('AWS::ECR::RegistryPolicy', {
      PolicyText: {
        Version: '2012-10-17',
        Statement: [{
          Sid: 'ReplicationFrom333333333333',
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::333333333333:root']] } },
          Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:111111111111:repository/*']] },
        }],
      },
    });
  });

  test('scoped to prefixes, and without CreateRepository when opted out', () => {
    const stack = newStack({ env: { account: '111111111111', region: 'eu-west-1' } });
    const registry = new Registry(stack, 'Registry');
    expect(registry.registryPolicy).toBeUndefined();
    registry.allowReplicationFrom({ account: '333333333333', repositoryPrefixes: ['team-b', 'payments'], createRepository: false });
    expect(registry.replicationSources).toEqual([{ account: '333333333333', repositoryPrefixes: ['team-b', 'payments'], createRepository: false }]);
    Template.fromStack(stack).hasResourceProperties('AWS::ECR::RegistryPolicy', {
      PolicyText: {
        Statement: [{
          Sid: 'ReplicationFrom333333333333',
          Effect: 'Allow',
          Principal: Match.anyValue(),
          Action: 'ecr:ReplicateImage',
          Resource: [
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:111111111111:repository/payments*']] },
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:111111111111:repository/team-b*']] },
          ],
        }],
      },
    });
  });

  test('fails on the registry\'s own account, a bad account and a duplicate source', () => {
    expect(make({ replicationSources: [{ account: '111111111111' }] })).toThrow(
      'TestStack/Registry: invalid replicationSources[0].account "111111111111": is this registry\'s own account: a registry policy is only needed for cross-account replication');
    expect(make({ replicationSources: [{ account: '42' }] })).toThrow(
      'TestStack/Registry: invalid replicationSources[0].account "42": must be a 12-digit AWS account id');
    expect(make({ replicationSources: [{ account: '333333333333' }, { account: '333333333333', repositoryPrefixes: ['ab'] }] })).toThrow(
      'TestStack/Registry: invalid replicationSources "333333333333": this account is already allowed to replicate in; give all its prefixes in one source');
  });

  test('fails on a bad source prefix', () => {
    expect(make({ replicationSources: [{ account: '333333333333', repositoryPrefixes: ['X'] }] })).toThrow(
      'TestStack/Registry: invalid replicationSources[0].repositoryPrefixes[0] "X": must be 2-256 characters long (got 1)');
  });
});

describe('a matched pair: source and destination registries in one app', () => {
  function pair(sourceRules: RegistryProps['replicationRules']) {
    const app = new App();
    const source = new Stack(app, 'Source', { env: { account: '111111111111', region: 'eu-west-1' } });
    const dest = new Stack(app, 'Destination', { env: { account: '222222222222', region: 'eu-west-1' } });
    const sourceRegistry = new Registry(source, 'Registry', { replicationRules: sourceRules });
    const destRegistry = new Registry(dest, 'Registry');
    destRegistry.allowReplicationFromRegistry(sourceRegistry);
    return { app, source, dest, sourceRegistry, destRegistry };
  }

  test('the destination allows exactly the source account and prefixes that target it', () => {
    const { dest, sourceRegistry } = pair([
      { destinations: [{ region: 'eu-west-1', account: '222222222222' }], repositoryPrefixes: ['payments'] },
      { destinations: [{ region: 'eu-west-1', account: '222222222222' }, { region: 'us-east-1' }], repositoryPrefixes: ['platform', 'payments'] },
      { destinations: [{ region: 'us-east-1', account: '222222222222' }], repositoryPrefixes: ['other'] },
    ]);
    // a rule added after the destination was wired is still taken into account (rendered lazily)
    sourceRegistry.addReplicationRule({ destinations: [{ region: 'eu-west-1', account: '222222222222' }], repositoryPrefixes: ['late'] });
    Template.fromStack(dest).hasResourceProperties('AWS::ECR::RegistryPolicy', {
      PolicyText: {
        Statement: [{
          Sid: 'ReplicationFrom111111111111',
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
          Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
          Resource: ['late', 'payments', 'platform'].map(p =>
            ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ecr:eu-west-1:222222222222:repository/${p}*`]] })),
        }],
      },
    });
  });

  test('a rule without filters allows every repository', () => {
    const { dest } = pair([{ destinations: [{ region: 'eu-west-1', account: '222222222222' }] }]);
    Template.fromStack(dest).hasResourceProperties('AWS::ECR::RegistryPolicy', {
      PolicyText: { Statement: [Match.objectLike({ Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:222222222222:repository/*']] } })] },
    });
  });

  test('replicationSourceFor gives the shared value for a destination in another app', () => {
    const { sourceRegistry } = pair([
      { destinations: [{ region: 'eu-west-1', account: '222222222222' }], repositoryPrefixes: ['b1', 'a1'] },
    ]);
    expect(sourceRegistry.replicationSourceFor('222222222222', 'eu-west-1')).toEqual({ account: '111111111111', repositoryPrefixes: ['a1', 'b1'] });
    expect(sourceRegistry.replicationSourceFor('222222222222', 'us-east-1')).toBeUndefined();
  });

  test('fails at synth when no source rule targets the destination', () => {
    const { app } = pair([{ destinations: [{ region: 'us-east-1', account: '222222222222' }] }]);
    expect(() => app.synth()).toThrow(
      'Destination/Registry: invalid source "Source/Registry": none of its replication rules targets this registry (account 222222222222, region eu-west-1); add a rule with that destination to the source registry');
  });

  test('accepts any IRegistry as the source, not only a Registry', () => {
    const app = new App();
    const source = new Stack(app, 'Source', { env: { account: '111111111111', region: 'eu-west-1' } });
    const dest = new Stack(app, 'Destination', { env: { account: '222222222222', region: 'eu-west-1' } });
    class FixedSource extends Construct implements IRegistry {
      public readonly registryId = '111111111111';
      public replicationSourceFor(account: string, region: string): ReplicationSource | undefined {
        return account === '222222222222' && region === 'eu-west-1' ? { account: this.registryId, repositoryPrefixes: ['team'] } : undefined;
      }
    }
    const destRegistry = new Registry(dest, 'Registry');
    destRegistry.allowReplicationFromRegistry(new FixedSource(source, 'Elsewhere'), { createRepository: false });
    Template.fromStack(dest).hasResourceProperties('AWS::ECR::RegistryPolicy', {
      PolicyText: {
        Statement: [Match.objectLike({
          Sid: 'ReplicationFrom111111111111',
          Action: 'ecr:ReplicateImage',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ecr:eu-west-1:222222222222:repository/team*']] },
        })],
      },
    });
  });

  test('fails on a source registry in an environment-agnostic stack', () => {
    const app = new App();
    const source = new Stack(app, 'Source');
    const dest = new Stack(app, 'Destination', { env: { account: '222222222222', region: 'eu-west-1' } });
    const sourceRegistry = new Registry(source, 'Registry');
    const destRegistry = new Registry(dest, 'Registry');
    expect(() => destRegistry.allowReplicationFromRegistry(sourceRegistry)).toThrow(
      'Destination/Registry: invalid source "Source/Registry": the source registry\'s stack needs a concrete account (env.account)');
    expect(() => destRegistry.allowReplicationFromRegistry(destRegistry)).toThrow(
      'Destination/Registry: invalid source "Destination/Registry": a registry cannot replicate into itself');
  });
});

describe('one Registry per stack, one owner per registry setting', () => {
  test('fails on a second Registry in the same stack', () => {
    const stack = newStack();
    new Registry(stack, 'First');
    expect(() => new Registry(stack, 'Second')).toThrow(
      'TestStack/Second: invalid scope "TestStack": this stack already has a Registry (TestStack/First); registry settings are one per account and region, so add rules to that one');
    expect(stack.node.tryFindChild('Second')).toBeUndefined();
  });

  test('fails at synth when two stacks manage the same setting of one account and region', () => {
    const app = new App();
    const env = { account: '111111111111', region: 'eu-west-1' };
    new Registry(new Stack(app, 'A', { env }), 'Registry', { scanning: RegistryScanning.basic() });
    new Registry(new Stack(app, 'B', { env }), 'Registry', { scanning: RegistryScanning.enhanced() });
    expect(() => app.synth()).toThrow(
      'A/Registry: invalid scope "A": B/Registry manages the same registry (account 111111111111, region eu-west-1): both set RegistryScanningConfiguration, which ECR keeps once per registry; manage each setting in one stack only (give scanning in one of them)');
  });

  test('two stacks may split the settings of one registry', () => {
    const app = new App();
    const env = { account: '111111111111', region: 'eu-west-1' };
    new Registry(new Stack(app, 'A', { env }), 'Registry', { replicationRules: [{ destinations: [{ region: 'us-east-1' }] }] });
    const b = new Registry(new Stack(app, 'B', { env }), 'Registry');
    b.addPullThroughCacheRule('EcrPublic', { upstream: UpstreamRegistry.ecrPublic() });
    expect(() => app.synth()).not.toThrow();
  });

  test('registries of other regions do not conflict', () => {
    const app = new App();
    new Registry(new Stack(app, 'A', { env: { account: '111111111111', region: 'eu-west-1' } }), 'Registry', { scanning: RegistryScanning.basic() });
    new Registry(new Stack(app, 'B', { env: { account: '111111111111', region: 'us-east-1' } }), 'Registry', { scanning: RegistryScanning.basic() });
    expect(() => app.synth()).not.toThrow();
  });
});

describe('Registry everything on', () => {
  test('snapshot and cdk-nag', () => {
    const stack = newStack({ env: { account: '111111111111', region: 'eu-west-1' } });
    new Registry(stack, 'Registry', {
      replicationRules: [
        { destinations: [{ region: 'us-east-1' }, { region: 'eu-west-1', account: '222222222222' }], repositoryPrefixes: ['payments', 'platform'] },
      ],
      replicationSources: [{ account: '333333333333', repositoryPrefixes: ['shared'] }],
      scanning: RegistryScanning.enhanced([
        { frequency: ScanFrequency.CONTINUOUS_SCAN, repositoryFilters: ['payments*'] },
        { frequency: ScanFrequency.SCAN_ON_PUSH, repositoryFilters: ['*'] },
      ]),
    });
    const registry = Registry.of(stack)!;
    const secret = new secretsmanager.Secret(stack, 'DockerHubCredentials', { secretName: 'ecr-pullthroughcache/docker-hub' });
    registry.addPullThroughCacheRule('DockerHub', { upstream: UpstreamRegistry.dockerHub(secret) });
    registry.addPullThroughCacheRule('EcrPublic', { upstream: UpstreamRegistry.ecrPublic() });
    registry.addPullThroughCacheRule('Central', {
      upstream: UpstreamRegistry.ecr({ account: '444444444444', region: 'us-east-1', upstreamRepositoryPrefix: 'golden' }),
    });
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    registry.addCreationTemplate('Cache', {
      prefix: 'docker-hub',
      appliedFor: [CreationTemplateAppliedFor.PULL_THROUGH_CACHE],
      encryptionKey: key,
      resourceTags: { owner: 'platform' },
    });
    registry.addCreationTemplate('Root', { prefix: 'ROOT' });
    expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
    // The only findings: wildcards IAM cannot avoid (ecr:GetAuthorizationToken needs '*'; cache and template
    // repositories are created on demand under their prefix) and the test secret's rotation.
    const findings = new AwsSolutionsChecks().validateScope(stack).violations
      .flatMap(v => v.violatingResources.map(r => `${v.ruleName} ${r.constructPath}`)).sort();
    expect(findings).toEqual([
      'AwsSolutions-IAM5[Resource::*] TestStack/Registry/Central/UpstreamRole/DefaultPolicy/Resource',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:eu-west-1:111111111111:repository/docker-hub/*] TestStack/Registry/Cache/Role/DefaultPolicy/Resource',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:eu-west-1:111111111111:repository/ecr/*] TestStack/Registry/Central/UpstreamRole/DefaultPolicy/Resource',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:us-east-1:444444444444:repository/golden/*] TestStack/Registry/Central/UpstreamRole/DefaultPolicy/Resource',
      'AwsSolutions-SMG4 TestStack/DockerHubCredentials/Resource',
    ]);
  });

  test('synthesizing the same app twice gives identical templates', () => {
    const build = () => {
      const app = new App();
      const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
      new Registry(stack, 'Registry', {
        replicationRules: [{ destinations: [{ region: 'us-east-1' }], repositoryPrefixes: ['b', 'a'].map(x => `${x}x`) }],
        replicationSources: [{ account: '333333333333' }],
      });
      return JSON.stringify(app.synth().getStackByName('S').template);
    };
    expect(build()).toEqual(build());
  });
});
