import { Subject } from '../../model/settings';
import { check, NOT_APPLICABLE, RuleResult } from '../private/rule';
import { all, isNonBlankString, show } from '../private/values';

/**
 * Repository creation templates give the repositories that ECR creates on push, replication or
 * pull-through cache the settings Security Hub ECR.2 and ECR.3 (Control Tower CT.ECR.PR.1 and
 * CT.ECR.PR.3) require: tag mutability exactly `IMMUTABLE` and a non-blank lifecycle policy.
 * (Scan on push is not a repository setting there: registry scanning covers those repositories,
 * see `EcrRegistryScanning`.)
 * @param subject the settings to check
 */
export function EcrCreationTemplate(subject: Subject): RuleResult {
  if (subject.kind !== 'creationTemplate') {
    return NOT_APPLICABLE;
  }
  const problems: string[] = [];
  if (!all(subject.tagMutability, v => v === 'IMMUTABLE')) {
    problems.push(`tag mutability is ${show(subject.tagMutability)}`);
  }
  if (!all(subject.lifecyclePolicyText, isNonBlankString)) {
    problems.push(subject.lifecyclePolicyText === null ? 'the lifecycle policy is not known before deployment' : 'there is no lifecycle policy');
  }
  return check(problems.length === 0, problems.join('; '));
}
