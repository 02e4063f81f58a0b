import { Subject } from '../../model/settings';
import { check, NOT_APPLICABLE, RuleResult } from '../private/rule';
import { all, show } from '../private/values';

/**
 * Private repositories have immutable tags, exactly `IMMUTABLE` (Security Hub ECR.2,
 * Control Tower CT.ECR.PR.3, checkov CKV_AWS_51). `IMMUTABLE_WITH_EXCLUSION` leaves the
 * excluded tags overwritable and does not pass.
 * @param subject the settings to check
 */
export function EcrTagImmutability(subject: Subject): RuleResult {
  if (subject.kind !== 'repository') {
    return NOT_APPLICABLE;
  }
  return check(all(subject.tagMutability, v => v === 'IMMUTABLE'), `tag mutability is ${show(subject.tagMutability)}`);
}
