import { CfnResource } from 'aws-cdk-lib';
import { actionsOf, isAllow, REGISTRY_POLICY_ACTIONS, statementsOf } from '../private/policy';
import { RuleCompliance } from '../private/rule';
import { renderedProperties } from '../private/template';

/**
 * A registry policy (what a replication destination or a pull-through cache registry sets so
 * that other accounts can write to it) allows only the registry-level actions
 * `ecr:ReplicateImage`, `ecr:CreateRepository` and `ecr:BatchImportUpstreamImage`, named
 * exactly (no wildcard, no `NotAction`).
 *
 * These are the only actions ECR enforces in a registry policy under the V1 registry policy
 * scope (others are rejected); under the V2 scope every ECR action is enforced, so any other
 * action would grant it on every repository of the registry, which is what repository policies
 * are for. `Deny` statements are not restricted. A policy that cannot be read at synth time
 * does not pass.
 * @param node the CfnResource to check
 */
export function EcrRegistryPolicyActions(node: CfnResource): RuleCompliance {
  if (node.cfnResourceType !== 'AWS::ECR::RegistryPolicy') {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const props = renderedProperties(node);
  if (!props) {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const statements = statementsOf(props.PolicyText);
  if (statements === undefined) {
    return RuleCompliance.NON_COMPLIANT;
  }
  const allowed = REGISTRY_POLICY_ACTIONS.map(a => a.toLowerCase());
  const ok = statements.filter(isAllow).every(s => s.NotAction === undefined
    && actionsOf(s).length > 0
    && actionsOf(s).every(a => typeof a === 'string' && allowed.includes(a.toLowerCase())));
  return ok ? RuleCompliance.COMPLIANT : RuleCompliance.NON_COMPLIANT;
}
