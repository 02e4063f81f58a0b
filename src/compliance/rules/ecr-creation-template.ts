import { CfnResource } from 'aws-cdk-lib';
import { RuleCompliance } from '../private/rule';
import { allPossible, isNonBlankString, renderedProperties } from '../private/template';

/**
 * Repository creation templates give the repositories that ECR creates on push, replication or
 * pull-through cache the settings Security Hub ECR.2 and ECR.3 (Control Tower CT.ECR.PR.1 and
 * CT.ECR.PR.3) require: `ImageTagMutability` exactly `IMMUTABLE` and a non-blank
 * `LifecyclePolicy`. (Scan on push is not a repository setting there: registry scanning covers
 * those repositories, see `EcrRegistryScanning`.)
 * @param node the CfnResource to check
 */
export function EcrCreationTemplate(node: CfnResource): RuleCompliance {
  if (node.cfnResourceType !== 'AWS::ECR::RepositoryCreationTemplate') {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const props = renderedProperties(node);
  if (!props) {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const ok = allPossible(node, props.ImageTagMutability, v => v === 'IMMUTABLE')
    && allPossible(node, props.LifecyclePolicy, isNonBlankString);
  return ok ? RuleCompliance.COMPLIANT : RuleCompliance.NON_COMPLIANT;
}
