import { CodeValue } from '../code';
import { compareValues, DEPLOY_TIME } from '../compare';
import { KindDescriptor } from '../descriptor';
import { ReplicationModel } from '../settings';
import { isObject } from '../template-values';

function destinationsOf(configuration: unknown): string[] {
  const rules = isObject(configuration) && Array.isArray(configuration.Rules) ? configuration.Rules : [];
  return rules.filter(isObject).flatMap(r => (Array.isArray(r.Destinations) ? r.Destinations : []).filter(isObject)
    .map(d => `${typeof d.Region === 'string' ? d.Region : '?'}/${typeof d.RegistryId === 'string' ? d.RegistryId : '?'}`));
}

/** The replication configuration (`AWS::ECR::ReplicationConfiguration`; one per registry, read from `DescribeRegistry`). */
export const REPLICATION: KindDescriptor<ReplicationModel> = {
  kind: 'replication',
  identity: 'singleton',
  field: 'replicationConfigurations',
  subject: true,
  words: { one: 'replication configuration', drift: 'replication', noun: 'replication configuration', gap: 'the replication configuration' },
  parts: [{ part: 'replication', words: 'replication configuration' }],
  cfnTypes: ['AWS::ECR::ReplicationConfiguration'],
  fromTemplate: ctx => ({ kind: 'replication', id: ctx.id, destinations: destinationsOf(ctx.props.ReplicationConfiguration) }),
  unreadable: (id, readError) => ({ kind: 'replication', id, readError, destinations: [] }),
  api: {
    // DescribeRegistry is read first, for the account; its answer holds the replication rules.
    calls: [{ action: 'DescribeRegistry', permission: 'ecr:DescribeRegistry', per: 'registry' }],
    read: async ctx => {
      if (ctx.registry.failed) {
        return undefined;
      }
      const rules: any[] = ctx.registry.value?.replicationConfiguration?.rules ?? [];
      // A subject only when it has rules.
      return rules.length === 0 ? [] : [{
        kind: 'replication',
        id: '',
        destinations: rules.flatMap(r => (r.destinations ?? []).map((d: any) => `${d.region}/${d.registryId}`)),
        rules: rules.map(r => ({
          destinations: (r.destinations ?? []).map((d: any) => ({ region: String(d.region ?? ''), registryId: String(d.registryId ?? '') })),
          repositoryFilters: (r.repositoryFilters ?? []).map((f: any) => ({ filter: String(f.filter ?? ''), filterType: String(f.filterType ?? '') })),
        })),
      }];
    },
  },
  liveId: (_s, registryArn) => `${registryArn}#replication`,
  nameOf: () => 'replication configuration',
  toJson: r => ({ destinations: [...r.destinations] }),
  properties: [{
    name: 'destinations',
    words: 'the replication destinations',
    compare: (d, l) => (d.destinations.some(x => x.includes('?'))
      ? { kind: 'notComparable', reason: DEPLOY_TIME }
      : compareValues([d.destinations], [l.destinations], x => [...x].sort())),
  }],
  // Every rule with its destinations and repository filters, as ECR answers them.
  toCode: (r, writer) => writer.declare({
    construct: { module: 'ecr', name: 'CfnReplicationConfiguration' },
    id: writer.idFor('Replication'),
    props: {
      replicationConfiguration: {
        rules: (r.rules ?? [{ destinations: r.destinations.map(d => ({ region: d.split('/')[0], registryId: d.split('/')[1] })), repositoryFilters: [] }])
          .map((rule): CodeValue => ({
            destinations: rule.destinations.map(d => ({ region: d.region, registryId: d.registryId })),
            ...(rule.repositoryFilters.length > 0
              ? { repositoryFilters: rule.repositoryFilters.map(f => ({ filter: f.filter, filterType: f.filterType })) } : {}),
          })),
      },
    },
    retain: true,
  }),
  drift: {
    // ECR answers no configuration when nothing replicates: the same as one with no destinations.
    live: items => ({ kind: 'replication', id: items[0]?.id ?? '', destinations: items.flatMap(r => r.destinations) }),
    missing: (d, l) => (!d.destinations.some(x => x.includes('?')) && (l?.destinations.length ?? 0) === 0 && d.destinations.length > 0
      ? { reason: 'the registry replicates nowhere', declared: [...d.destinations].sort() } : undefined),
  },
};
