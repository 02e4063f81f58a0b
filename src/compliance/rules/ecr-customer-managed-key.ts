import { CfnResource } from 'aws-cdk-lib';
import { RuleCompliance } from '../private/rule';
import { allPossible, renderedProperties } from '../private/template';

/**
 * Private repositories are encrypted with a customer managed KMS key (Security Hub ECR.5):
 * `EncryptionType` `KMS` or `KMS_DSSE` with a `KmsKey` that is not the AWS managed key
 * `aws/ecr`. A key given as a reference (`Fn::GetAtt`, `Ref`, `Fn::ImportValue`) counts as a
 * customer key.
 * @param node the CfnResource to check
 */
export function EcrCustomerManagedKey(node: CfnResource): RuleCompliance {
  if (node.cfnResourceType !== 'AWS::ECR::Repository') {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const props = renderedProperties(node);
  if (!props) {
    return RuleCompliance.NOT_APPLICABLE;
  }
  const ok = allPossible(node, props.EncryptionConfiguration, cfg => {
    if (typeof cfg !== 'object' || cfg === null) {
      return false;
    }
    const { EncryptionType: type, KmsKey: key } = cfg as { EncryptionType?: unknown; KmsKey?: unknown };
    return allPossible(node, type, t => t === 'KMS' || t === 'KMS_DSSE') && isCustomerKey(key);
  });
  return ok ? RuleCompliance.COMPLIANT : RuleCompliance.NON_COMPLIANT;
}

function isCustomerKey(key: unknown): boolean {
  if (key === undefined || key === null || key === '') {
    return false;
  }
  return !(typeof key === 'string' && /(^|[:/])alias\/aws\/ecr$/.test(key));
}
