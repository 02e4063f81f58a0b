import { Subject } from '../model';
import { actionsOf, isAllow, REGISTRY_POLICY_ACTIONS } from '../private/policy';
import { check, fail, NOT_APPLICABLE, RuleResult } from '../private/rule';

/**
 * A registry policy (what a replication destination or a pull-through cache registry sets so
 * that other accounts can write to it) allows only the registry-level actions
 * `ecr:ReplicateImage`, `ecr:CreateRepository` and `ecr:BatchImportUpstreamImage`, named
 * exactly (no wildcard, no `NotAction`).
 *
 * These are the only actions ECR enforces in a registry policy under the V1 registry policy
 * scope (others are rejected); under the V2 scope every ECR action is enforced, so any other
 * action would grant it on every repository of the registry, which is what repository policies
 * are for. `Deny` statements are not restricted. A policy that cannot be read does not pass.
 * @param subject the settings to check
 */
export function EcrRegistryPolicyActions(subject: Subject): RuleResult {
  if (subject.kind !== 'registryPolicy') {
    return NOT_APPLICABLE;
  }
  const statements = subject.policyStatements;
  if (statements === null) {
    return fail('the policy cannot be read');
  }
  const allowed = REGISTRY_POLICY_ACTIONS.map(a => a.toLowerCase());
  const others = new Set<string>();
  for (const s of statements.filter(isAllow)) {
    if (s.NotAction !== undefined) {
      others.add('NotAction');
    } else if (actionsOf(s).length === 0) {
      others.add('no Action');
    }
    for (const a of actionsOf(s)) {
      if (typeof a !== 'string' || !allowed.includes(a.toLowerCase())) {
        others.add(typeof a === 'string' ? a : JSON.stringify(a));
      }
    }
  }
  return check(others.size === 0, `the policy allows ${[...others].join(', ')}`);
}
