import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { Violations } from '../../private/errors';
import { checkLength, checkPattern } from '../../private/validation';

/**
 * Helpers shared by the registry-level constructs (src/registry). Not exported from the package.
 */

/** An AWS region name (`eu-west-1`, `us-gov-west-1`, `eusc-de-east-1`). */
export const REGION_PATTERN = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/** `AWS::ECR::ReplicationConfiguration` RepositoryFilter.Filter (PREFIX_MATCH), 2-256 characters. */
export const REPLICATION_FILTER_PATTERN = /^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*\/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$/;

/** `AWS::ECR::RegistryScanningConfiguration` RepositoryFilter.Filter (WILDCARD), 1-255 characters. */
export const SCANNING_FILTER_PATTERN = /^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$/;

/**
 * `AWS::ECR::PullThroughCacheRule` EcrRepositoryPrefix / UpstreamRepositoryPrefix and
 * `AWS::ECR::RepositoryCreationTemplate` Prefix: a repository namespace, or `ROOT`.
 */
export const NAMESPACE_PREFIX_PATTERN = /^([a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*\/?|ROOT)$/;

/** The secret name prefix ECR requires for pull-through cache credentials. */
export const PULL_THROUGH_CACHE_SECRET_PREFIX = 'ecr-pullthroughcache/';

/** Check a region name, skipping tokens. */
export function checkRegion(v: Violations, property: string, value: string | undefined): boolean {
  return checkPattern(v, property, value, REGION_PATTERN, 'must be an AWS region name such as eu-west-1');
}

/** Check a replication PREFIX_MATCH filter. */
export function checkReplicationPrefix(v: Violations, property: string, value: string): void {
  if (checkLength(v, property, value, 2, 256)) {
    checkPattern(v, property, value, REPLICATION_FILTER_PATTERN,
      'must be the start of a repository name: lowercase letters, digits, \'.\', \'_\', \'-\' and \'/\' namespaces');
  }
}

/** Check a namespace prefix (pull-through cache, creation template), `ROOT` allowed. */
export function checkNamespacePrefix(v: Violations, property: string, value: string | undefined, max: number): void {
  if (value === undefined) {
    return;
  }
  const min = max === 30 ? 2 : 1;
  if (checkLength(v, property, value, min, max)) {
    checkPattern(v, property, value, NAMESPACE_PREFIX_PATTERN,
      'must be ROOT or a repository namespace: lowercase letters and digits separated by \'.\', \'_\', \'__\' or \'-\', with optional \'/\' levels');
  }
}

/** The repository ARN pattern covering every repository under a namespace prefix (`ROOT`: all repositories). */
export function repositoryArnForPrefix(
  scope: IConstruct, prefix: string, opts: { account?: string; region?: string; prefixMatch?: boolean } = {},
): string {
  let resourceName: string;
  if (prefix === 'ROOT') {
    resourceName = '*';
  } else if (opts.prefixMatch) {
    // PREFIX_MATCH: `team` covers `team/app` and `team-app`.
    resourceName = `${prefix}*`;
  } else {
    resourceName = prefix.endsWith('/') ? `${prefix}*` : `${prefix}/*`;
  }
  return Stack.of(scope).formatArn({
    service: 'ecr',
    resource: 'repository',
    resourceName,
    account: opts.account,
    region: opts.region,
  });
}

/** Every construct in the tree under `root` for which `pred` holds (no recursion limits; trees are small). */
export function findAll<T extends IConstruct>(root: IConstruct, pred: (c: IConstruct) => c is T): T[] {
  return root.node.findAll().filter(pred);
}
