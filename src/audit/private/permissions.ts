/**
 * Every AWS call the organization audit's worker makes, and the IAM action each needs: the member
 * account's role and the worker's own role are written from these lists (never by hand), and a
 * test compares them with the calls the worker makes against moto.
 *
 * Imports nothing: the construct (aws-cdk-lib) and the worker bundle (no aws-cdk-lib) share it.
 */

/** One call: the service's API name and the IAM action it needs. */
export interface AuditCall {
  /** `ECR DescribeRepositories` */
  readonly call: string;
  /** `ecr:DescribeRepositories` */
  readonly action: string;
  /**
   * What the action can be scoped to in IAM: `repository` (the account's repositories,
   * `repository/*`) or `account` (no resource-level permission: `*`).
   */
  readonly scope?: 'repository' | 'account';
}

const ecr = (name: string, scope: 'repository' | 'account'): AuditCall => ({ call: `ECR ${name}`, action: `ecr:${name}`, scope });

/**
 * The live read of one registry (`RegistryReport.read` with usage): the calls of the report's
 * inventory (docs/report.md, "What it reads") and of its usage read (DescribeImages).
 */
export const REGISTRY_READ_CALLS: readonly AuditCall[] = [
  ecr('DescribeRepositories', 'repository'),
  ecr('BatchGetRepositoryScanningConfiguration', 'repository'),
  ecr('GetLifecyclePolicy', 'repository'),
  ecr('GetRepositoryPolicy', 'repository'),
  ecr('ListTagsForResource', 'repository'),
  ecr('DescribeRegistry', 'account'),
  ecr('GetRegistryScanningConfiguration', 'account'),
  ecr('GetRegistryPolicy', 'account'),
  ecr('DescribePullThroughCacheRules', 'account'),
  ecr('DescribeRepositoryCreationTemplates', 'account'),
  ecr('GetAccountSetting', 'account'),
  ecr('GetSigningConfiguration', 'account'),
  ecr('DescribeImages', 'repository'),
];

/** Security Hub's import, made in each member account on its own default product. */
export const IMPORT_CALL: AuditCall = { call: 'SecurityHub BatchImportFindings', action: 'securityhub:BatchImportFindings' };

/** What the worker does in a member account, through the member role: the read, then the import. */
export const MEMBER_CALLS: readonly AuditCall[] = [...REGISTRY_READ_CALLS, IMPORT_CALL];

/** What the worker does with its own role, in the audit account. */
export const WORKER_CALLS: readonly AuditCall[] = [
  { call: 'Organizations ListAccounts', action: 'organizations:ListAccounts' },
  { call: 'STS AssumeRole', action: 'sts:AssumeRole' },
  { call: 'S3 GetObject', action: 's3:GetObject' },
  { call: 'S3 PutObject', action: 's3:PutObject' },
  { call: 'S3 ListObjectsV2', action: 's3:ListBucket' },
  // An account that could not be read is a finding of the audit account itself.
  IMPORT_CALL,
];

/** The IAM actions of a list of calls, sorted and without repeats. */
export function actionsOf(calls: readonly AuditCall[]): string[] {
  return [...new Set(calls.map(c => c.action))].sort();
}
