import { Violations } from '../../private/errors';

/** Condition keys that make `Principal: *` acceptable (lower case: IAM condition keys are case-insensitive). */
const SCOPING_CONDITION_KEYS = ['aws:principalorgid', 'aws:principalorgpaths', 'aws:sourcearn', 'aws:sourceaccount'];

/** Whether a statement's `Condition` ties the caller to an organization or a source. */
export function hasScopingCondition(condition: unknown): boolean {
  if (!condition || typeof condition !== 'object') {
    return false;
  }
  return Object.values(condition as Record<string, unknown>).some(inner =>
    inner !== null && typeof inner === 'object'
    && Object.keys(inner as object).some(k => SCOPING_CONDITION_KEYS.includes(k.toLowerCase())));
}

/**
 * Check the `Allow` statements of a resolved ECR repository policy (a repository's, or the one a
 * creation template gives to the repositories ECR creates): a principal, `Principal: *` only with an
 * organization or source condition, no `Resource` element (the repository is the resource, and ECR
 * rejects one), and no wildcard actions.
 *
 * The checks do not depend on aws-cdk-lib's `validateForResourcePolicy`, whose rules differ between
 * releases (from 2.262 it requires a `Resource`, which ECR rejects).
 *
 * @param property the policy's property name in messages, e.g. `repositoryPolicy`
 * @param doc the resolved policy document
 * @param requirePrincipal also report statements without a principal (aws-cdk-lib's `ecr.Repository` already does)
 */
export function checkRepositoryPolicy(v: Violations, property: string, doc: any, requirePrincipal: boolean): void {
  for (const [i, s] of (doc?.Statement ?? []).entries()) {
    const id = s.Sid !== undefined ? `${property}.Statement[${i}] (${s.Sid})` : `${property}.Statement[${i}]`;
    if (s.Effect !== 'Allow') {
      continue;
    }
    if (requirePrincipal && s.Principal === undefined && s.NotPrincipal === undefined) {
      v.add(id, s.Action, 'a repository policy statement needs a Principal (the accounts, roles or organization it allows)');
    }
    if (s.Principal !== undefined && JSON.stringify(s.Principal).includes('*') && !hasScopingCondition(s.Condition)) {
      v.add(id, s.Principal, 'Principal "*" needs an aws:PrincipalOrgID, aws:PrincipalOrgPaths, aws:SourceArn or aws:SourceAccount condition');
    }
    if (s.Resource !== undefined) {
      v.add(id, s.Resource, 'a repository policy has no Resource element (the repository is the resource)');
    }
    const actions: unknown[] = Array.isArray(s.Action) ? s.Action : [s.Action];
    const wild = actions.filter(a => typeof a === 'string' && a.includes('*'));
    if (wild.length > 0) {
      v.add(id, wild, 'name the actions (RepositoryActions.PULL, PUSH, PULL_PUSH): wildcard actions are never granted through a repository policy');
    }
  }
}
