import { GetSigningConfigurationCommand } from '@aws-sdk/client-ecr';
import { CodeValue } from '../code';
import { compareValues, sortedJson } from '../compare';
import { KindDescriptor } from '../descriptor';
import { isIntrinsic } from '../intrinsic';
import { SigningConfigurationModel, SigningRuleModel } from '../settings';
import { apiFilters, filtersOf, isObject, textOrDeployTime } from '../template-values';
import { textOf } from '../values';

/** A signing configuration's rules for comparison: filters as a set, rules as a set. */
function normalizeSigningRules(rules: readonly SigningRuleModel[]): unknown {
  return sortedJson(rules.map(r => ({
    signingProfileArn: r.signingProfileArn,
    repositoryFilters: sortedJson(r.repositoryFilters.map(f => ({ filter: f.filter, filterType: f.filterType }))),
  })));
}

/**
 * The registry's managed signing configuration (`AWS::ECR::SigningConfiguration`; one per
 * registry). Not a judged subject: the opt-in `EcrChecks-Signing` rule judges the repositories it
 * should cover.
 */
export const SIGNING: KindDescriptor<SigningConfigurationModel> = {
  kind: 'signing',
  identity: 'singleton',
  field: 'signingConfigurations',
  subject: false,
  words: { one: 'signing configuration', drift: 'signing configuration', noun: 'signing configuration', gap: 'the signing configuration' },
  parts: [{ part: 'signing', words: 'signing configuration' }],
  cfnTypes: ['AWS::ECR::SigningConfiguration'],
  fromTemplate: ctx => {
    const rules = ctx.props.Rules;
    if (!Array.isArray(rules) || rules.some(r => !isObject(r) || isIntrinsic(r))) {
      return { id: ctx.id, rules: null };
    }
    return {
      id: ctx.id,
      rules: rules.map((r: Record<string, unknown>) => ({
        signingProfileArn: textOrDeployTime(r.SigningProfileArn),
        repositoryFilters: filtersOf(r.RepositoryFilters),
      })),
    };
  },
  // Rules that fail to render cannot be known before deployment.
  unreadable: id => ({ id, rules: null }),
  api: {
    calls: [{ action: 'GetSigningConfiguration', permission: 'ecr:GetSigningConfiguration', per: 'registry', optional: true }],
    read: async ctx => {
      const answer = await ctx.call<any>('signing', 'GetSigningConfiguration', new GetSigningConfigurationCommand({}));
      if (answer.failed) {
        return undefined;
      }
      // No configuration (SigningConfigurationNotFoundException) is no rule.
      if (!answer.value) {
        return [];
      }
      ctx.keep('signingConfiguration', answer.value.signingConfiguration ?? { rules: [] });
      const rules: any[] = answer.value.signingConfiguration?.rules ?? [];
      return [{ id: '', rules: rules.map(r => ({ signingProfileArn: r.signingProfileArn ?? '', repositoryFilters: apiFilters(r.repositoryFilters) })) }];
    },
  },
  liveId: (_s, registryArn) => `${registryArn}#signing`,
  nameOf: () => 'signing configuration',
  toJson: s => ({
    rules: s.rules === null ? null : s.rules.map(r => ({
      signingProfileArn: textOf(r.signingProfileArn),
      repositoryFilters: r.repositoryFilters.map(f => ({ filter: textOf(f.filter) ?? '', filterType: textOf(f.filterType) ?? '' })),
    })),
  }),
  properties: [{
    name: 'rules',
    words: 'the signing rules',
    compare: (d, l) => compareValues(d.rules === null ? null : [d.rules], l.rules === null ? null : [l.rules], normalizeSigningRules),
  }],
  toCode: (s, writer) => {
    if (s.rules === null || s.rules.length === 0) {
      // ECR answers a configuration without rules once its rules are deleted: there is nothing to declare.
      return;
    }
    writer.declare({
      construct: { module: 'ecr', name: 'CfnSigningConfiguration' },
      id: writer.idFor('Signing'),
      props: {
        rules: s.rules.map((r): CodeValue => ({
          signingProfileArn: textOf(r.signingProfileArn) ?? '',
          ...(r.repositoryFilters.length > 0
            ? { repositoryFilters: r.repositoryFilters.map(f => ({ filter: textOf(f.filter) ?? '', filterType: textOf(f.filterType) ?? '' })) } : {}),
        })),
      },
      retain: true,
    });
  },
};
