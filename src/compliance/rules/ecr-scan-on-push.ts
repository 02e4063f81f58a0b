import { CfnResource } from 'aws-cdk-lib';
import { RuleCompliance } from '../private/rule';
import { allPossible, isTrue, renderedProperties } from '../private/template';

/**
 * Private repositories scan images on push (Security Hub ECR.1, Control Tower CT.ECR.PR.2,
 * checkov CKV_AWS_163).
 *
 * `ImageScanningConfiguration.ScanOnPush` must be `true` for every value it can take.
 * @param node the CfnResource to check
 */
export function EcrScanOnPush(node: CfnResource): RuleCompliance {
  if (node.cfnResourceType !== 'AWS::ECR::Repository') {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const props = renderedProperties(node);
  if (!props) {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const ok = allPossible(node, props.ImageScanningConfiguration,
    cfg => typeof cfg === 'object' && cfg !== null && allPossible(node, (cfg as any).ScanOnPush, isTrue));
  return ok ? RuleCompliance.COMPLIANT : RuleCompliance.NON_COMPLIANT;
}
