import { CfnResource } from 'aws-cdk-lib';
import { RuleCompliance } from '../private/rule';
import { allPossible, isIntrinsic, renderedProperties } from '../private/template';

/**
 * Public repositories are tagged (Security Hub ECR.4): at least one tag whose key is not a
 * system tag (`aws:` prefix, which Security Hub ignores).
 *
 * Tags added with `Tags.of(scope).add(...)` are applied by an aspect during synthesis: they
 * count when the pack runs as a validation plugin or after `app.synth()`.
 * @param node the CfnResource to check
 */
export function EcrPublicRepositoryTagged(node: CfnResource): RuleCompliance {
  if (node.cfnResourceType !== 'AWS::ECR::PublicRepository') {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const props = renderedProperties(node);
  if (!props) {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const ok = allPossible(node, props.Tags, tags => Array.isArray(tags) && tags.some(userTag));
  return ok ? RuleCompliance.COMPLIANT : RuleCompliance.NON_COMPLIANT;
}

function userTag(tag: unknown): boolean {
  if (typeof tag !== 'object' || tag === null) {
    return false;
  }
  const key = (tag as { Key?: unknown }).Key;
  if (isIntrinsic(key)) {
    return true;
  }
  return typeof key === 'string' && key.length > 0 && !key.toLowerCase().startsWith('aws:');
}
