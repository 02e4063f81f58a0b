import { KindDescriptor } from '../descriptor';
import { statementsOf } from '../policy-text';
import { PublicRepositoryModel } from '../settings';
import { literal, tagsOf } from '../template-values';

/**
 * An ECR Public repository (`AWS::ECR::PublicRepository`): templates only. Reading it live needs
 * `@aws-sdk/client-ecr-public`, which the report does not bundle, so it is neither read live nor
 * compared.
 */
export const PUBLIC_REPOSITORY: KindDescriptor<PublicRepositoryModel> = {
  kind: 'publicRepository',
  identity: 'name',
  field: 'publicRepositories',
  subject: true,
  words: { one: 'public repository', drift: 'public repository', noun: 'public repository', gap: 'the public repositories', key: 'name' },
  parts: [],
  cfnTypes: ['AWS::ECR::PublicRepository'],
  fromTemplate: ctx => ({
    kind: 'publicRepository',
    id: ctx.id,
    name: literal(ctx.props.RepositoryName),
    tags: tagsOf(ctx, ctx.props.Tags),
    policyStatements: statementsOf(ctx.props.RepositoryPolicyText) ?? null,
  }),
  unreadable: (id, readError) => ({ kind: 'publicRepository', id, readError, tags: null, policyStatements: null }),
  keyOf: r => r.name,
  nameOf: r => r.name ?? r.id,
  properties: [],
};
