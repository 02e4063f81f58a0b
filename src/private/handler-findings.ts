/**
 * The compliance findings every Lambda function the library creates shares (a CloudFormation custom
 * resource handler or a scheduled worker): acknowledged with the construct's own reasons in the cdk-nag
 * packs that raise them, as checkov skips and as cfn-guard suppressions, written once here.
 */
import { CfnResource, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** The cdk-nag packs whose Lambda, log group and inline policy rules the library's functions acknowledge. */
const PACKS = ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321'];

/** One acknowledgement of `rule` per pack. */
export function inEveryPack(rule: string, reason: string): Array<{ id: string; reason: string }> {
  return PACKS.map(pack => ({ id: `${pack}-${rule}`, reason }));
}

/** Why a function has no dead-letter queue, no VPC and no reserved concurrency, in the construct's words. */
export interface FunctionFindingReasons {
  readonly dlq: string;
  readonly vpc: string;
  readonly concurrency: string;
}

/** A checkov check skipped on a resource, with its reason. */
export interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

/** The function's findings: DLQ, VPC and reserved concurrency (cdk-nag, checkov, cfn-guard), plus `extraSkips`. */
export function acknowledgeFunctionFindings(fn: IConstruct, reasons: FunctionFindingReasons, extraSkips: CheckovSkip[] = []): void {
  Validations.of(fn).acknowledge(
    ...inEveryPack('LambdaDLQ', reasons.dlq),
    ...inEveryPack('LambdaInsideVPC', reasons.vpc),
    ...inEveryPack('LambdaConcurrency', reasons.concurrency),
  );
  const cfn = fn.node.defaultChild as CfnResource;
  cfn.addMetadata('checkov', {
    skip: [
      { id: 'CKV_AWS_115', comment: reasons.concurrency },
      { id: 'CKV_AWS_116', comment: reasons.dlq },
      { id: 'CKV_AWS_117', comment: reasons.vpc },
      ...extraSkips,
    ],
  });
  cfn.addMetadata('guard', { SuppressedRules: ['lambda_inside_vpc_check'], Reasons: { lambda_inside_vpc_check: reasons.vpc } });
}

/** A log group encrypted with CloudWatch Logs' service keys rather than a customer key (cdk-nag, checkov, cfn-guard). */
export function acknowledgeLogGroupEncryption(logGroup: IConstruct, reason: string): void {
  Validations.of(logGroup).acknowledge(...inEveryPack('CloudWatchLogGroupEncrypted', reason));
  const cfn = logGroup.node.defaultChild as CfnResource;
  cfn.addMetadata('checkov', { skip: [{ id: 'CKV_AWS_158', comment: reason }] });
  cfn.addMetadata('guard', { SuppressedRules: ['cloudwatch_log_group_encrypted_check'], Reasons: { cloudwatch_log_group_encrypted_check: reason } });
}
