import { Subject } from '../../model/settings';
import { actionsOf, isAllow, REGISTRY_POLICY_V2_ALLOWED_ACTIONS } from '../private/policy';
import { check, fail, NOT_APPLICABLE, RuleResult } from '../private/rule';

/**
 * A registry policy allows only replication, pull-through cache and pull actions, named exactly
 * (no wildcard, no `NotAction`): `ecr:ReplicateImage`, `ecr:CreateRepository`,
 * `ecr:BatchImportUpstreamImage`, `ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer`,
 * `ecr:BatchCheckLayerAvailability`.
 *
 * Registry policy scope V2 (the default, and the only scope `PutAccountSetting` still accepts)
 * allows every ECR action in a registry policy and enforces the policy in every ECR request
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions.html). So any
 * other allowed action (push, delete, policy or setting changes) applies to every matching
 * repository of the registry; those belong in repository policies, scoped to one repository.
 * `Deny` statements are not restricted. A policy that cannot be read does not pass.
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
  const allowed = REGISTRY_POLICY_V2_ALLOWED_ACTIONS.map(a => a.toLowerCase());
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
