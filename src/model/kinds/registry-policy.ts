import { GetRegistryPolicyCommand } from '@aws-sdk/client-ecr';
import { json } from '../code';
import { comparePolicyStatements } from '../compare';
import { KindDescriptor } from '../descriptor';
import { statementsOf } from '../policy-text';
import { RegistryPolicyModel } from '../settings';

/** The registry policy (`AWS::ECR::RegistryPolicy`; one per registry). */
export const REGISTRY_POLICY: KindDescriptor<RegistryPolicyModel> = {
  kind: 'registryPolicy',
  identity: 'singleton',
  field: 'registryPolicies',
  subject: true,
  words: { one: 'registry policy', drift: 'registry policy', noun: 'registry policy', gap: 'the registry policy' },
  parts: [{ part: 'registryPolicy', words: 'registry policy' }],
  cfnTypes: ['AWS::ECR::RegistryPolicy'],
  fromTemplate: ctx => ({ kind: 'registryPolicy', id: ctx.id, policyStatements: statementsOf(ctx.props.PolicyText) ?? null }),
  unreadable: (id, readError) => ({ kind: 'registryPolicy', id, readError, policyStatements: null }),
  api: {
    calls: [{ action: 'GetRegistryPolicy', permission: 'ecr:GetRegistryPolicy', per: 'registry' }],
    read: async ctx => {
      const answer = await ctx.call<any>('registryPolicy', 'GetRegistryPolicy', new GetRegistryPolicyCommand({}));
      if (answer.failed) {
        return undefined;
      }
      const policyText: string | undefined = answer.value?.policyText;
      return policyText ? [{ kind: 'registryPolicy', id: '', policyStatements: statementsOf(policyText) ?? null, policyText }] : [];
    },
  },
  liveId: (_s, registryArn) => `${registryArn}#policy`,
  nameOf: () => 'registry policy',
  toJson: p => ({ policy: p.policyText ?? null }),
  properties: [
    { name: 'policy', words: 'the registry policy', compare: (d, l, ctx) => comparePolicyStatements(d.policyStatements, l.policyStatements, ctx.partition) },
  ],
  // The policy text exactly as ECR answers it: every statement and condition, open principals included.
  toCode: (p, writer) => {
    let doc: unknown;
    try {
      doc = JSON.parse(p.policyText ?? '');
    } catch {
      writer.gap(`the registry policy is not JSON, so the app declares none: ${(p.policyText ?? '').slice(0, 200)}`);
      return;
    }
    writer.declare({
      construct: { module: 'ecr', name: 'CfnRegistryPolicy' },
      id: writer.idFor('RegistryPolicy'),
      props: { policyText: json(doc) },
      retain: true,
    });
  },
};
