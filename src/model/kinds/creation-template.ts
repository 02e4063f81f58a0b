import { DescribeRepositoryCreationTemplatesCommand, RepositoryCreationTemplate } from '@aws-sdk/client-ecr';
import { CodeValue, idFromName } from '../code';
import { comparePolicyStatements, compareValues, normalizeLifecyclePolicy } from '../compare';
import { KindDescriptor } from '../descriptor';
import { statementsOf } from '../policy-text';
import { CreationTemplateModel } from '../settings';
import { literal, possibleOf, textValues } from '../template-values';
import { one, textOf } from '../values';

/** ECR's page size of `DescribeRepositoryCreationTemplates`. */
export const CREATION_TEMPLATE_PAGE_SIZE = 1000;

/** A repository creation template (`AWS::ECR::RepositoryCreationTemplate`), by its prefix. */
export const CREATION_TEMPLATE: KindDescriptor<CreationTemplateModel> = {
  kind: 'creationTemplate',
  identity: 'prefix',
  field: 'creationTemplates',
  subject: true,
  words: { one: 'repository creation template', drift: 'creation template', noun: 'creation template', gap: 'the repository creation templates', key: 'prefix' },
  parts: [{ part: 'creationTemplates', words: 'repository creation templates' }],
  cfnTypes: ['AWS::ECR::RepositoryCreationTemplate'],
  fromTemplate: ctx => ({
    kind: 'creationTemplate',
    id: ctx.id,
    prefix: literal(ctx.props.Prefix),
    appliedFor: Array.isArray(ctx.props.AppliedFor) ? ctx.props.AppliedFor.filter((a: unknown): a is string => typeof a === 'string') : [],
    tagMutability: possibleOf(ctx, ctx.props.ImageTagMutability, v => (v === undefined ? 'MUTABLE' : String(v))),
    lifecyclePolicyText: textValues(ctx, ctx.props.LifecyclePolicy),
    policyStatements: statementsOf(ctx.props.RepositoryPolicy) ?? null,
  }),
  unreadable: (id, readError) => ({ kind: 'creationTemplate', id, readError, appliedFor: [], tagMutability: null, lifecyclePolicyText: null, policyStatements: null }),
  api: {
    calls: [{
      action: 'DescribeRepositoryCreationTemplates', permission: 'ecr:DescribeRepositoryCreationTemplates', per: 'page', pageSize: CREATION_TEMPLATE_PAGE_SIZE, optional: true,
    }],
    read: async ctx => {
      const templates = await ctx.pages<RepositoryCreationTemplate>('creationTemplates', 'DescribeRepositoryCreationTemplates',
        nextToken => new DescribeRepositoryCreationTemplatesCommand({ maxResults: CREATION_TEMPLATE_PAGE_SIZE, nextToken }), 'repositoryCreationTemplates');
      return templates?.map(t => ({
        kind: 'creationTemplate',
        id: '',
        prefix: t.prefix,
        appliedFor: t.appliedFor ?? [],
        tagMutability: [t.imageTagMutability ?? 'MUTABLE'],
        lifecyclePolicyText: [t.lifecyclePolicy || undefined],
        policyStatements: statementsOf(t.repositoryPolicy) ?? null,
        answer: { ...t } as Record<string, unknown>,
      }));
    },
  },
  liveId: (t, registryArn) => `${registryArn}#creation-template/${t.prefix}`,
  keyOf: t => t.prefix,
  nameOf: t => `repository creation template ${t.prefix ?? '?'}`,
  toJson: c => ({
    prefix: c.prefix ?? null,
    appliedFor: [...c.appliedFor],
    tagMutability: one(c.tagMutability),
    lifecyclePolicy: textOf(one(c.lifecyclePolicyText)),
  }),
  properties: [
    { name: 'appliedFor', words: 'applied for', compare: (d, l) => compareValues([d.appliedFor], [l.appliedFor], a => [...a].sort()) },
    { name: 'tagMutability', words: 'tag mutability', compare: (d, l) => compareValues(d.tagMutability, l.tagMutability) },
    {
      name: 'lifecyclePolicy',
      words: 'the lifecycle policy',
      compare: (d, l) => compareValues(d.lifecyclePolicyText, l.lifecyclePolicyText, v => normalizeLifecyclePolicy(v as string | undefined)),
    },
    { name: 'repositoryPolicy', words: 'the repository policy', compare: (d, l, ctx) => comparePolicyStatements(d.policyStatements, l.policyStatements, ctx.partition) },
  ],
  toCode: templateToCode,
};

/** A live creation template as `AWS::ECR::RepositoryCreationTemplate`, every field as ECR answers it (policy texts exactly). */
function templateToCode(t: CreationTemplateModel, writer: Parameters<NonNullable<typeof CREATION_TEMPLATE.toCode>>[1]): void {
  const a: Record<string, any> = t.answer ?? {};
  const props: Record<string, CodeValue> = { prefix: t.prefix ?? '' };
  if (typeof a.description === 'string' && a.description !== '') {
    props.description = a.description;
  }
  props.appliedFor = [...t.appliedFor];
  props.imageTagMutability = one(t.tagMutability) ?? 'MUTABLE';
  const filters: any[] = a.imageTagMutabilityExclusionFilters ?? [];
  if (filters.length > 0) {
    props.imageTagMutabilityExclusionFilters = filters.map(f => ({ filter: String(f.filter ?? ''), filterType: String(f.filterType ?? '') }));
  }
  const lifecycle = one(t.lifecyclePolicyText);
  if (typeof lifecycle === 'string') {
    props.lifecyclePolicy = lifecycle;
  }
  if (typeof a.repositoryPolicy === 'string' && a.repositoryPolicy !== '') {
    props.repositoryPolicy = a.repositoryPolicy;
  }
  const tags: any[] = a.resourceTags ?? [];
  if (tags.length > 0) {
    props.resourceTags = tags.map(x => ({ key: String(x.Key ?? x.key ?? ''), value: String(x.Value ?? x.value ?? '') }));
  }
  const enc = a.encryptionConfiguration;
  if (enc && typeof enc.encryptionType === 'string') {
    props.encryptionConfiguration = { encryptionType: enc.encryptionType, ...(typeof enc.kmsKey === 'string' && enc.kmsKey !== '' ? { kmsKey: enc.kmsKey } : {}) };
  }
  if (typeof a.customRoleArn === 'string' && a.customRoleArn !== '') {
    props.customRoleArn = a.customRoleArn;
  }
  writer.declare({
    construct: { module: 'ecr', name: 'CfnRepositoryCreationTemplate' },
    id: writer.idFor(`CreationTemplate${t.prefix === 'ROOT' ? 'Root' : idFromName(t.prefix ?? '', 'Prefix')}`),
    props,
    retain: true,
  });
}
