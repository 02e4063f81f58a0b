import { CfnResource } from 'aws-cdk-lib';
import { RuleCompliance } from '../private/rule';
import { allPossible, renderedProperties } from '../private/template';

/**
 * Private repositories have immutable tags, exactly `IMMUTABLE` (Security Hub ECR.2,
 * Control Tower CT.ECR.PR.3, checkov CKV_AWS_51). `IMMUTABLE_WITH_EXCLUSION` leaves the
 * excluded tags overwritable and does not pass.
 * @param node the CfnResource to check
 */
export function EcrTagImmutability(node: CfnResource): RuleCompliance {
  if (node.cfnResourceType !== 'AWS::ECR::Repository') {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const props = renderedProperties(node);
  if (!props) {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const ok = allPossible(node, props.ImageTagMutability, v => v === 'IMMUTABLE');
  return ok ? RuleCompliance.COMPLIANT : RuleCompliance.NON_COMPLIANT;
}
