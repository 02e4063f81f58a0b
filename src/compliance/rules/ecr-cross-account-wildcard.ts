import { describeStatements } from './ecr-open-access';
import { RegistryModel, Subject } from '../../model/settings';
import { awsPrincipalsOf, grantsWildcardActions, isAllow, isOtherAccount } from '../private/policy';
import { check, fail, hasPolicy, NOT_APPLICABLE, RuleResult } from '../private/rule';

/**
 * No repository, registry or creation-template policy grants wildcard actions (`ecr:*`, `*`,
 * `ecr:Batch*`, or an `Allow` with `NotAction`) to another account: a wildcard principal, or an
 * account id / IAM ARN of an account other than the registry's (any concrete account when the
 * registry's account is not known: an environment-agnostic stack). Grant the named pull or push
 * actions instead.
 *
 * A policy that cannot be read does not pass.
 * @param subject the settings to check
 * @param registry the registry the subject belongs to (its account)
 */
export function EcrCrossAccountWildcard(subject: Subject, registry: RegistryModel): RuleResult {
  if (!hasPolicy(subject)) {
    return NOT_APPLICABLE;
  }
  const statements = subject.policyStatements;
  if (statements === null) {
    return fail('the policy cannot be read');
  }
  const bad = statements.filter(s => isAllow(s) && grantsWildcardActions(s)
    && (s.NotPrincipal !== undefined || awsPrincipalsOf(s).some(p => isOtherAccount(registry.account, p))));
  return check(bad.length === 0, `${describeStatements(bad, statements)} grant${bad.length === 1 ? 's' : ''} wildcard actions to another account`);
}
