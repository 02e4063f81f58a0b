import { CfnResource, IResolvable, IResolveContext, Stack, Stage, Token } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { EcrValidationError, Violations } from '../../private/errors';

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

const GUARDED = new WeakSet<CfnResource>();

/**
 * Fail the synth if a repository's finished policy has an unconditioned open principal, a
 * `Resource` element or a wildcard action, however the statement got there (a grant,
 * `addToResourcePolicy`, `RepositoryAccess`, an escape hatch on the L1). Installed once per
 * repository: by every `PrivateRepository`, and by `RepositoryAccess` on any repository it grants on.
 *
 * `app.synth()` resolves every resource once before validation (its scan for cross-stack
 * references). The policy property is wrapped so that this resolution hands its result to the
 * check, which then costs nothing; if the property was replaced since (an escape hatch), or
 * the validation runs on its own, the check resolves the property itself.
 */
export function guardRepositoryPolicy(repository: IConstruct, cfn: ecr.CfnRepository): void {
  if (GUARDED.has(cfn)) {
    return;
  }
  GUARDED.add(cfn);
  const original: unknown = cfn.repositoryPolicyText;
  let resolved: { readonly doc: unknown } | undefined;
  const wrapped: IResolvable = {
    creationStack: [],
    resolve: (context: IResolveContext) => {
      context.registerPostProcessor({ postProcess: (doc: unknown) => { resolved = { doc }; return doc; } });
      return original;
    },
    toString: () => Token.asString(wrapped),
  };
  cfn.repositoryPolicyText = wrapped;
  repository.node.addValidation({
    validate: () => {
      const doc = resolved !== undefined && cfn.repositoryPolicyText === wrapped
        ? resolved.doc
        : Stack.of(cfn).resolve(cfn.repositoryPolicyText);
      resolved = undefined;
      const v = new Violations(repository.node.path || '<app>');
      checkRepositoryPolicy(v, 'repositoryPolicy', doc, false);
      return v.messages();
    },
  });
}

/**
 * A repository policy that names a principal deployed by another stack of the same app makes the
 * repository's stack depend on the principal's (ECR checks that a policy's principals exist).
 * When the principal's stack already depends on the repository's, the dependency would be a cycle:
 * the error names both stacks and the way out (an imported role ARN). The reason given to the
 * dependency says the same, so a cycle that only appears later (aws-cdk-lib adds dependencies for
 * cross-stack references at synth) reads the same way in aws-cdk-lib's error.
 */
export function dependOnPrincipalStack(repository: IConstruct, principal: iam.IPrincipal): void {
  if (!Construct.isConstruct(principal)) {
    return;
  }
  const child = principal.node.defaultChild;
  if (!child || !CfnResource.isCfnResource(child)) {
    // An imported principal: this app does not deploy it.
    return;
  }
  const from = Stack.of(repository);
  const to = Stack.of(principal);
  if (from === to || Stage.of(from) !== Stage.of(to)) {
    return;
  }
  const wayOut = `grant the principal by its ARN instead (iam.Role.fromRoleArn(scope, id, '<role ARN>', { mutable: false }) in stack ${from.node.path}), `
    + `so that stack ${from.node.path} does not need stack ${to.node.path} deployed first`;
  const reason = `the repository policy of ${repository.node.path} names ${principal.node.path}, which ECR requires to exist; to break a cycle, ${wayOut}`;
  try {
    from.addDependency(to, reason);
  } catch (e) {
    throw new EcrValidationError(repository.node.path,
      `invalid principal ${JSON.stringify(principal.node.path)}: the repository policy names a principal of stack ${to.node.path}, so stack `
      + `${from.node.path} must deploy after it, but stack ${to.node.path} already depends on stack ${from.node.path} (a cycle): ${wayOut}. `
      + `(${(e as Error).message})`);
  }
}
