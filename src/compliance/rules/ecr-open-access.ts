import { CfnResource } from 'aws-cdk-lib';
import {
  grantsAnyOf, hasPolicyProperty, hasScopingCondition, isAllow, isOpenStatement, policyOf,
  PULL_ACTIONS, PUSH_ACTIONS, statementsOf,
} from '../private/policy';
import { RuleCompliance } from '../private/rule';
import { renderedProperties } from '../private/template';

/**
 * No repository, registry or creation-template policy opens pull or push to everyone
 * (`Principal: "*"`, a wildcard-account ARN, or `NotPrincipal`) without a condition that ties
 * the caller to an organization (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`) or a source
 * (`aws:SourceArn`, `aws:SourceAccount`) with a restricting operator (`StringEquals`,
 * `StringLike`, `ArnEquals`, `ArnLike`, optionally `ForAnyValue:`; not negated, not `IfExists`).
 *
 * Public repositories are public for pulls by design: only push is judged there.
 * A policy that cannot be read at synth time (an intrinsic) does not pass.
 * @param node the CfnResource to check
 */
export function EcrOpenAccess(node: CfnResource): RuleCompliance {
  const type = node.cfnResourceType;
  if (!hasPolicyProperty(type)) {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const props = renderedProperties(node);
  if (!props) {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const statements = statementsOf(policyOf(type, props));
  if (statements === undefined) {
    return RuleCompliance.NON_COMPLIANT;
  }
  const guarded = type === 'AWS::ECR::PublicRepository' ? PUSH_ACTIONS : [...PULL_ACTIONS, ...PUSH_ACTIONS];
  const open = statements.some(s => isAllow(s) && isOpenStatement(s) && grantsAnyOf(s, guarded) && !hasScopingCondition(s));
  return open ? RuleCompliance.NON_COMPLIANT : RuleCompliance.COMPLIANT;
}
