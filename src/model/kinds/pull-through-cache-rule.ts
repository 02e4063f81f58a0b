import { DescribePullThroughCacheRulesCommand, PullThroughCacheRule } from '@aws-sdk/client-ecr';
import { CodeValue, idFromName } from '../code';
import { compareValues, DEPLOY_TIME } from '../compare';
import { KindDescriptor } from '../descriptor';
import { PullThroughCacheRuleModel } from '../settings';
import { literal } from '../template-values';

/** The settings of a rule besides its prefix and URL, as `AWS::ECR::PullThroughCacheRule` names them (camelCase). */
const DETAILS = ['credentialArn', 'upstreamRegistry', 'upstreamRepositoryPrefix', 'customRoleArn'] as const;

/** ECR's page size of `DescribePullThroughCacheRules`. */
export const PULL_THROUGH_CACHE_PAGE_SIZE = 1000;

/** A pull-through cache rule (`AWS::ECR::PullThroughCacheRule`), by its repository prefix. */
export const PULL_THROUGH_CACHE_RULE: KindDescriptor<PullThroughCacheRuleModel> = {
  kind: 'pullThroughCacheRule',
  identity: 'prefix',
  field: 'pullThroughCacheRules',
  subject: true,
  words: { one: 'pull-through cache rule', drift: 'pull-through cache rule', noun: 'pull-through cache rule', gap: 'the pull-through cache rules', key: 'prefix' },
  parts: [{ part: 'pullThroughCacheRules', words: 'pull-through cache rules' }],
  cfnTypes: ['AWS::ECR::PullThroughCacheRule'],
  fromTemplate: ctx => ({
    kind: 'pullThroughCacheRule',
    id: ctx.id,
    ecrRepositoryPrefix: literal(ctx.props.EcrRepositoryPrefix),
    upstreamRegistryUrl: literal(ctx.props.UpstreamRegistryUrl),
  }),
  unreadable: (id, readError) => ({ kind: 'pullThroughCacheRule', id, readError }),
  api: {
    calls: [{
      action: 'DescribePullThroughCacheRules', permission: 'ecr:DescribePullThroughCacheRules', per: 'page', pageSize: PULL_THROUGH_CACHE_PAGE_SIZE, optional: true,
    }],
    read: async ctx => {
      const rules = await ctx.pages<PullThroughCacheRule>('pullThroughCacheRules', 'DescribePullThroughCacheRules',
        nextToken => new DescribePullThroughCacheRulesCommand({ registryId: ctx.registryId, maxResults: PULL_THROUGH_CACHE_PAGE_SIZE, nextToken }),
        'pullThroughCacheRules');
      return rules?.map(r => {
        const details = Object.fromEntries(DETAILS.filter(k => typeof r[k] === 'string' && r[k] !== '').map(k => [k, r[k] as string]));
        return {
          kind: 'pullThroughCacheRule',
          id: '',
          ecrRepositoryPrefix: r.ecrRepositoryPrefix,
          upstreamRegistryUrl: r.upstreamRegistryUrl,
          ...(Object.keys(details).length > 0 ? { details } : {}),
        };
      });
    },
  },
  liveId: (r, registryArn) => `${registryArn}#pull-through-cache-rule/${r.ecrRepositoryPrefix}`,
  keyOf: r => r.ecrRepositoryPrefix,
  nameOf: r => `pull-through cache rule ${r.ecrRepositoryPrefix ?? '?'}`,
  toJson: r => ({ ecrRepositoryPrefix: r.ecrRepositoryPrefix ?? null, upstreamRegistryUrl: r.upstreamRegistryUrl ?? null }),
  properties: [{
    name: 'upstreamRegistryUrl',
    words: 'the upstream registry URL',
    compare: (d, l) => (d.upstreamRegistryUrl === undefined
      ? { kind: 'notComparable', reason: DEPLOY_TIME }
      : compareValues([d.upstreamRegistryUrl], [l.upstreamRegistryUrl])),
  }],
  toCode: (r, writer) => {
    const props: Record<string, CodeValue> = { ecrRepositoryPrefix: r.ecrRepositoryPrefix ?? '', upstreamRegistryUrl: r.upstreamRegistryUrl ?? '' };
    for (const k of DETAILS) {
      if (r.details?.[k] !== undefined) {
        props[k] = r.details[k];
      }
    }
    writer.declare({
      construct: { module: 'ecr', name: 'CfnPullThroughCacheRule' },
      id: writer.idFor(`PullThroughCache${idFromName(r.ecrRepositoryPrefix ?? '', 'Rule')}`),
      props,
      retain: true,
    });
  },
};
