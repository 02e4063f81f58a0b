import { isDeployTimeValue, Subject } from '../../model/settings';
import { check, NOT_APPLICABLE, RuleResult } from '../private/rule';
import { all, isNonBlankString } from '../private/values';

/**
 * Private repositories have a lifecycle policy (Security Hub ECR.3, Control Tower CT.ECR.PR.1).
 *
 * The lifecycle policy text must be a non-blank string (or, in a template, a text CloudFormation
 * builds with `Fn::Join` / `Fn::Sub`) for every value it can take.
 * @param subject the settings to check
 */
export function EcrLifecyclePolicy(subject: Subject): RuleResult {
  if (subject.kind !== 'repository') {
    return NOT_APPLICABLE;
  }
  const text = subject.lifecyclePolicyText;
  const ok = all(text, t => isDeployTimeValue(t) || isNonBlankString(t));
  return check(ok, text === null ? 'the lifecycle policy is not known before deployment' : 'there is no lifecycle policy');
}
