import { ListPullTimeUpdateExclusionsCommand } from '@aws-sdk/client-ecr';
import { idFromName } from '../code';
import { KindDescriptor } from '../descriptor';
import { PullTimeExclusionModel } from '../settings';
import { literal } from '../template-values';

/** ECR's page size of `ListPullTimeUpdateExclusions`. */
export const PULL_TIME_EXCLUSION_PAGE_SIZE = 1000;

/**
 * A pull-time update exclusion (`AWS::ECR::PullTimeUpdateExclusion`), by principal ARN: pulls by
 * that principal do not update an image's last pull time.
 */
export const PULL_TIME_EXCLUSION: KindDescriptor<PullTimeExclusionModel> = {
  kind: 'pullTimeExclusion',
  identity: 'name',
  field: 'pullTimeExclusions',
  subject: false,
  words: { one: 'pull-time update exclusion', drift: 'pull-time exclusion', noun: 'pull-time update exclusion', gap: 'the pull-time update exclusions', key: 'principal' },
  parts: [{ part: 'pullTimeExclusions', words: 'pull-time update exclusions' }],
  cfnTypes: ['AWS::ECR::PullTimeUpdateExclusion'],
  fromTemplate: ctx => ({ kind: 'pullTimeExclusion', id: ctx.id, principalArn: literal(ctx.props.PrincipalArn) }),
  unreadable: (id, readError) => ({ kind: 'pullTimeExclusion', id, readError }),
  api: {
    calls: [{
      action: 'ListPullTimeUpdateExclusions', permission: 'ecr:ListPullTimeUpdateExclusions', per: 'page', pageSize: PULL_TIME_EXCLUSION_PAGE_SIZE, optional: true,
    }],
    read: async ctx => {
      const arns = await ctx.pages<string>('pullTimeExclusions', 'ListPullTimeUpdateExclusions',
        nextToken => new ListPullTimeUpdateExclusionsCommand({ maxResults: PULL_TIME_EXCLUSION_PAGE_SIZE, nextToken }),
        'pullTimeUpdateExclusions');
      return arns?.map(principalArn => ({ kind: 'pullTimeExclusion', id: '', principalArn }));
    },
  },
  liveId: (s, registryArn) => `${registryArn}#pull-time-exclusion/${s.principalArn}`,
  keyOf: s => s.principalArn,
  nameOf: s => `pull-time update exclusion ${s.principalArn ?? '?'}`,
  toJson: s => ({ principalArn: s.principalArn ?? null }),
  properties: [],
  toCode: (s, writer) => writer.declare({
    construct: { module: 'ecr', name: 'CfnPullTimeUpdateExclusion' },
    id: writer.idFor(`PullTimeExclusion${idFromName((s.principalArn ?? '').split(':').slice(5).join(':'), 'Principal')}`),
    props: { principalArn: s.principalArn ?? '' },
    retain: true,
  }),
};
