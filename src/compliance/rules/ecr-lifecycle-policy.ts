import { CfnResource } from 'aws-cdk-lib';
import { RuleCompliance } from '../private/rule';
import { allPossible, isIntrinsic, isNonBlankString, renderedProperties } from '../private/template';

/**
 * Private repositories have a lifecycle policy (Security Hub ECR.3, Control Tower CT.ECR.PR.1).
 *
 * `LifecyclePolicy.LifecyclePolicyText` must be a non-blank string (or a text CloudFormation
 * builds with `Fn::Join` / `Fn::Sub`) for every value it can take.
 * @param node the CfnResource to check
 */
export function EcrLifecyclePolicy(node: CfnResource): RuleCompliance {
  if (node.cfnResourceType !== 'AWS::ECR::Repository') {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const props = renderedProperties(node);
  if (!props) {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const ok = allPossible(node, props.LifecyclePolicy,
    lp => typeof lp === 'object' && lp !== null && hasText(node, (lp as any).LifecyclePolicyText));
  return ok ? RuleCompliance.COMPLIANT : RuleCompliance.NON_COMPLIANT;
}

function hasText(node: CfnResource, text: unknown): boolean {
  if (isIntrinsic(text) && ('Fn::Join' in text || 'Fn::Sub' in text)) {
    return true;
  }
  return allPossible(node, text, isNonBlankString);
}
