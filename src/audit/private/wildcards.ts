import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * A resource of a policy statement in the flat form cdk-nag's granular findings use
 * (`AwsSolutions-IAM5[Resource::<Bucket.Arn>/*]`): `Fn::Join` joined, `Ref` and `Fn::GetAtt` in
 * angle brackets, any other intrinsic as JSON (cdk-nag's documented suppression format).
 */
export function flatResource(resolved: unknown): string {
  if (typeof resolved === 'string') {
    return resolved.replace(/\$\{/g, '<').replace(/\}/g, '>');
  }
  const node = resolved as Record<string, any>;
  if (node?.['Fn::Join']) {
    const [delimiter, items] = node['Fn::Join'];
    return (items as unknown[]).map(flatResource).join(delimiter);
  }
  if (node?.['Fn::Sub']) {
    return flatResource(node['Fn::Sub']);
  }
  if (node?.['Fn::GetAtt']) {
    const [resource, attribute] = node['Fn::GetAtt'];
    return `<${flatResource(resource)}.${flatResource(attribute)}>`;
  }
  if (node?.['Fn::ImportValue']) {
    return flatResource(node['Fn::ImportValue']);
  }
  if (node?.Ref) {
    return `<${flatResource(node.Ref)}>`;
  }
  return JSON.stringify(resolved);
}

/**
 * Acknowledge AwsSolutions-IAM5 for each wildcard resource of `policy`, one finding each, with the
 * reason `reasonOf` gives for the statement's actions (a statement without a reason is left to fail).
 * Written as the metadata `Validations.acknowledge` writes: its id check rejects ids with `::` twice.
 */
export function acknowledgeWildcards(
  policy: iam.Policy | iam.ManagedPolicy | undefined, reasonOf: (actions: string[], resource: string) => string | undefined,
): void {
  if (!policy) {
    return;
  }
  const stack = Stack.of(policy);
  const doc = stack.resolve(policy.document.toJSON()) as { Statement?: Array<{ Action?: string | string[]; Resource?: unknown }> };
  const acks: Record<string, string> = {};
  for (const statement of doc?.Statement ?? []) {
    const actions = ([] as string[]).concat(statement.Action ?? []);
    for (const resource of ([] as unknown[]).concat(statement.Resource ?? [])) {
      const flat = flatResource(resource);
      if (!flat.includes('*')) {
        continue;
      }
      const reason = reasonOf(actions, flat);
      if (reason !== undefined) {
        acks[`AwsSolutions-IAM5[Resource::${flat}]`] = reason;
      }
    }
  }
  if (Object.keys(acks).length > 0) {
    policy.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, acks);
  }
}
