import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';

/**
 * Account and region of a repository, from its ARN. ARNs built from parts (literal, or with
 * token parts such as the partition) are split as strings; an owned repository's ARN is its
 * stack's; a fully late-bound ARN (an import) is split at deploy time.
 */
export function locateRepository(repository: ecr.IRepository): { account: string; region: string } {
  if (repository.node.defaultChild instanceof ecr.CfnRepository) {
    return { account: repository.env.account, region: repository.env.region };
  }
  const parts = repository.repositoryArn.split(':');
  if (parts.length >= 6 && parts[0] === 'arn') {
    return { account: parts[4], region: parts[3] };
  }
  const split = Stack.of(repository).splitArn(repository.repositoryArn, ArnFormat.SLASH_RESOURCE_NAME);
  return { account: split.account!, region: split.region! };
}
