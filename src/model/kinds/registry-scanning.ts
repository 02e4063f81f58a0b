import { GetRegistryScanningConfigurationCommand } from '@aws-sdk/client-ecr';
import { CodeValue } from '../code';
import { compareValues, sortedJson } from '../compare';
import { KindDescriptor } from '../descriptor';
import { isIntrinsic } from '../intrinsic';
import { RegistryScanningModel, ScanningRule } from '../settings';
import { filtersOf, isObject, possibleOf, textOrDeployTime, apiFilters } from '../template-values';
import { one, textOf } from '../values';

function rulesOf(rules: unknown): ScanningRule[] | null {
  if (!Array.isArray(rules)) {
    return null;
  }
  return rules.filter(r => isObject(r) && !isIntrinsic(r)).map((r: Record<string, unknown>) => ({
    scanFrequency: textOrDeployTime(r.ScanFrequency),
    repositoryFilters: filtersOf(r.RepositoryFilters),
  }));
}

/** The registry scanning configuration (`AWS::ECR::RegistryScanningConfiguration`; one per registry). */
export const REGISTRY_SCANNING: KindDescriptor<RegistryScanningModel> = {
  kind: 'registryScanning',
  identity: 'singleton',
  field: 'scanningConfigurations',
  subject: true,
  words: { one: 'registry scanning configuration', drift: 'registry scanning', noun: 'scanning configuration', gap: 'the registry scanning configuration' },
  parts: [{ part: 'registryScanning', words: 'registry scanning configuration' }],
  cfnTypes: ['AWS::ECR::RegistryScanningConfiguration'],
  fromTemplate: ctx => ({
    kind: 'registryScanning',
    id: ctx.id,
    scanType: possibleOf(ctx, ctx.props.ScanType, v => String(v)),
    rules: rulesOf(ctx.props.Rules),
  }),
  unreadable: (id, readError) => ({ kind: 'registryScanning', id, readError, scanType: null, rules: null }),
  api: {
    calls: [{ action: 'GetRegistryScanningConfiguration', permission: 'ecr:GetRegistryScanningConfiguration', per: 'registry' }],
    read: async ctx => {
      const answer = await ctx.call<any>('registryScanning', 'GetRegistryScanningConfiguration', new GetRegistryScanningConfigurationCommand({}));
      const cfg = answer.value?.scanningConfiguration;
      if (answer.failed) {
        return undefined;
      }
      return cfg ? [{
        kind: 'registryScanning',
        id: '',
        scanType: [cfg.scanType ?? 'BASIC'],
        rules: (cfg.rules ?? []).map((r: any) => ({ scanFrequency: r.scanFrequency ?? '', repositoryFilters: apiFilters(r.repositoryFilters) })),
      }] : [];
    },
  },
  liveId: (_s, registryArn) => `${registryArn}#scanning`,
  nameOf: () => 'registry scanning configuration',
  toJson: s => ({
    scanType: one(s.scanType),
    rules: (s.rules ?? []).map(r => ({
      scanFrequency: textOf(r.scanFrequency) ?? '',
      repositoryFilters: r.repositoryFilters.map(f => ({ filter: textOf(f.filter) ?? '', filterType: textOf(f.filterType) ?? '' })),
    })),
  }),
  properties: [
    { name: 'scanType', words: 'the scan type', compare: (d, l) => compareValues(d.scanType, l.scanType) },
    {
      name: 'rules',
      words: 'the scanning rules',
      compare: (d, l) => compareValues(d.rules === null ? null : [d.rules], l.rules === null ? null : [l.rules],
        rules => sortedJson(rules.map(r => ({ scanFrequency: r.scanFrequency, repositoryFilters: sortedJson(r.repositoryFilters) })))),
    },
  ],
  toCode: (s, writer) => writer.declare({
    construct: { module: 'ecr', name: 'CfnRegistryScanningConfiguration' },
    id: writer.idFor('RegistryScanning'),
    props: {
      scanType: one(s.scanType) ?? 'BASIC',
      rules: (s.rules ?? []).map((r): CodeValue => ({
        scanFrequency: textOf(r.scanFrequency) ?? '',
        repositoryFilters: r.repositoryFilters.map(f => ({ filter: textOf(f.filter) ?? '', filterType: textOf(f.filterType) ?? '' })),
      })),
    },
    retain: true,
  }),
};
