import { CfnResource } from 'aws-cdk-lib';
import {
  awsPrincipalsOf, grantsWildcardActions, hasPolicyProperty, isAllow, isOtherAccount, policyOf, statementsOf,
} from '../private/policy';
import { RuleCompliance } from '../private/rule';
import { renderedProperties } from '../private/template';

/**
 * No repository, registry or creation-template policy grants wildcard actions (`ecr:*`, `*`,
 * `ecr:Batch*`, or an `Allow` with `NotAction`) to another account: a wildcard principal, or an
 * account id / IAM ARN of an account other than the stack's (any concrete account when the
 * stack is environment-agnostic). Grant the named pull or push actions instead.
 *
 * A policy that cannot be read at synth time (an intrinsic) does not pass.
 * @param node the CfnResource to check
 */
export function EcrCrossAccountWildcard(node: CfnResource): RuleCompliance {
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
  const bad = statements.some(s => isAllow(s) && grantsWildcardActions(s)
    && (s.NotPrincipal !== undefined || awsPrincipalsOf(s).some(p => isOtherAccount(node, p))));
  return bad ? RuleCompliance.NON_COMPLIANT : RuleCompliance.COMPLIANT;
}
