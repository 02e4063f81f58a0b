import { DeployTimeValue, isDeployTimeValue, Subject } from '../../model/settings';
import { check, NOT_APPLICABLE, RuleResult } from '../private/rule';
import { all, show } from '../private/values';

/**
 * Private repositories are encrypted with a customer managed KMS key (Security Hub ECR.5):
 * encryption type `KMS` or `KMS_DSSE` with a KMS key that is not the AWS managed key `aws/ecr`.
 * A key given as a reference in a template (`Fn::GetAtt`, `Ref`, `Fn::ImportValue`) counts as a
 * customer key.
 * @param subject the settings to check
 */
export function EcrCustomerManagedKey(subject: Subject): RuleResult {
  if (subject.kind !== 'repository') {
    return NOT_APPLICABLE;
  }
  const kms = all(subject.encryptionType, t => t === 'KMS' || t === 'KMS_DSSE');
  if (!kms) {
    return check(false, `encryption is ${show(subject.encryptionType)}`);
  }
  return check(all(subject.kmsKey, isCustomerKey), `encryption is ${show(subject.encryptionType)} with the AWS managed key aws/ecr`);
}

function isCustomerKey(key: string | DeployTimeValue | undefined): boolean {
  if (key === undefined || key === '') {
    return false;
  }
  return isDeployTimeValue(key) || !/(^|[:/])alias\/aws\/ecr$/.test(key);
}
