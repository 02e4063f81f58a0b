import { Subject } from '../../model/settings';
import { check, NOT_APPLICABLE, RuleResult } from '../private/rule';
import { all, show } from '../private/values';

/**
 * Private repositories scan images on push (Security Hub ECR.1, Control Tower CT.ECR.PR.2,
 * checkov CKV_AWS_163).
 *
 * Scan on push must be `true` for every value it can take.
 * @param subject the settings to check
 */
export function EcrScanOnPush(subject: Subject): RuleResult {
  if (subject.kind !== 'repository') {
    return NOT_APPLICABLE;
  }
  return check(all(subject.scanOnPush, v => v === true), `scan on push is ${show(subject.scanOnPush)}`);
}
