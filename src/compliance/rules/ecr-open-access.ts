import { Subject } from '../../model/settings';
import {
  grantsAnyOf, hasScopingCondition, isAllow, isOpenStatement, PULL_ACTIONS, PUSH_ACTIONS,
} from '../private/policy';
import { check, fail, hasPolicy, NOT_APPLICABLE, RuleResult } from '../private/rule';

/**
 * No repository, registry or creation-template policy opens pull or push to everyone
 * (`Principal: "*"`, a wildcard-account ARN, or `NotPrincipal`) without a condition that ties
 * the caller to an organization (`aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`) or a source
 * (`aws:SourceArn`, `aws:SourceAccount`) with a restricting operator (`StringEquals`,
 * `StringLike`, `ArnEquals`, `ArnLike`, optionally `ForAnyValue:`; not negated, not `IfExists`).
 *
 * Public repositories are public for pulls by design: only push is judged there.
 * A policy that cannot be read (an intrinsic at synth time, text that is not JSON) does not pass.
 * @param subject the settings to check
 */
export function EcrOpenAccess(subject: Subject): RuleResult {
  if (!hasPolicy(subject)) {
    return NOT_APPLICABLE;
  }
  const statements = subject.policyStatements;
  if (statements === null) {
    return fail('the policy cannot be read');
  }
  const guarded = subject.kind === 'publicRepository' ? PUSH_ACTIONS : [...PULL_ACTIONS, ...PUSH_ACTIONS];
  const open = statements.filter(s => isAllow(s) && isOpenStatement(s) && grantsAnyOf(s, guarded) && !hasScopingCondition(s));
  return check(open.length === 0, `${describeStatements(open, statements)} allow${open.length === 1 ? 's' : ''} ${subject.kind === 'publicRepository' ? 'push' : 'pull or push'} to any principal without an organization or source condition`);
}

/** `statement "Sid"` or `statement 2` for a finding's detail. */
export function describeStatements(list: readonly { Sid?: unknown }[], all?: readonly unknown[]): string {
  const names = list.map((s, i) => typeof s.Sid === 'string' && s.Sid ? `"${s.Sid}"` : `#${(all ? all.indexOf(s) : i) + 1}`);
  return `statement${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
}
