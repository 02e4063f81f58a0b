import { actionsOf, IMPORT_CALL, REGISTRY_READ_CALLS } from './permissions';

const PARTITION = { Ref: 'AWS::Partition' };
const ACCOUNT = { Ref: 'AWS::AccountId' };
/** `Fn::Join` rather than `Fn::Sub`: the template is embedded as a string, where `${...}` reads as a misplaced parameter (cfn-lint E1029). */
const join = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });

/** How to write the member role's template. */
export interface MemberRoleTemplateOptions {
  /** The worker role's ARN: the only principal the role trusts (a literal, or a CloudFormation token resolved by the caller). */
  readonly workerRoleArn: unknown;
  /** The role's name, the same in every account. */
  readonly roleName: string;
  /** Whether the worker imports findings into Security Hub from the account. */
  readonly securityHub: boolean;
}

/**
 * The member account's role as a CloudFormation template, ready for a StackSet: no parameters, no
 * assets, no CDK metadata; every account and region from pseudo parameters. Its permissions are
 * exactly the worker's calls in a member account (src/audit/private/permissions.ts): the registry
 * read (repository-level actions on the account's repositories, registry-level ones on `*`, which
 * they require) and, with Security Hub, `BatchImportFindings` on the account's own default product.
 */
export function memberRoleTemplate(options: MemberRoleTemplateOptions): Record<string, unknown> {
  const repositoryActions = actionsOf(REGISTRY_READ_CALLS.filter(c => c.scope === 'repository'));
  const accountActions = actionsOf(REGISTRY_READ_CALLS.filter(c => c.scope === 'account'));
  const statements: unknown[] = [
    {
      Sid: 'ReadRepositories',
      Effect: 'Allow',
      Action: repositoryActions,
      Resource: join('arn:', PARTITION, ':ecr:*:', ACCOUNT, ':repository/*'),
    },
    { Sid: 'ReadRegistry', Effect: 'Allow', Action: accountActions, Resource: '*' },
  ];
  if (options.securityHub) {
    statements.push({
      Sid: 'ImportFindingsOwnDefaultProduct',
      Effect: 'Allow',
      Action: IMPORT_CALL.action,
      Resource: join('arn:', PARTITION, ':securityhub:*:', ACCOUNT, ':product/', ACCOUNT, '/default'),
    });
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: 'cdk-ecr-registry organization audit: the role the audit worker assumes to read this account\'s ECR registries'
      + (options.securityHub ? ' and import their findings into Security Hub' : ''),
    Resources: {
      AuditRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: options.roleName,
          Description: 'cdk-ecr-registry organization audit (docs/audit.md): read-only ECR access for the audit worker',
          MaxSessionDuration: 3600,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { AWS: options.workerRoleArn }, Action: 'sts:AssumeRole' }],
          },
          Policies: [{ PolicyName: 'registry-audit', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
        },
      },
    },
    Outputs: { RoleArn: { Value: { 'Fn::GetAtt': ['AuditRole', 'Arn'] } } },
  };
}
