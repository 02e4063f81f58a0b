/**
 * Every AWS call the organization audit's worker makes, and the IAM action each needs: the member
 * account's role and the worker's own role are written from these lists (never by hand), and a
 * test compares them with the calls the worker makes against moto.
 *
 * Imports only the model (no aws-cdk-lib): the construct and the worker bundle share it.
 */
import { BUILT_IN_KINDS } from '../../model/kind-list';

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

/**
 * The live read of one registry (`RegistryReport.read` with usage): every call of every kind's API
 * reader (src/model, one descriptor per kind), then the usage read's `DescribeImages`. The
 * repository kind's calls can be scoped to the account's repositories; every other kind's act on
 * the registry, which IAM names only as `*`.
 */
export const REGISTRY_READ_CALLS: readonly AuditCall[] = [
  ...BUILT_IN_KINDS.flatMap(kind => (kind.api?.calls ?? []).map(c => ({
    call: `ECR ${c.action}`,
    action: c.permission,
    scope: kind.kind === 'repository' ? 'repository' as const : 'account' as const,
  }))),
  { call: 'ECR DescribeImages', action: 'ecr:DescribeImages', scope: 'repository' },
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
