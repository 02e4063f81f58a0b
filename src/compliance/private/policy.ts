import { isIntrinsic } from '../../model/intrinsic';
import { statementsOf } from '../../model/policy-text';
import { PolicyStatement } from '../../model/settings';

export { statementsOf };

/** Actions that read images (pull). */
export const PULL_ACTIONS = [
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchCheckLayerAvailability',
];

/** Actions that write images (push), including registry-level writes (replication, pull-through import). */
export const PUSH_ACTIONS = [
  'ecr:PutImage',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:ReplicateImage',
  'ecr:BatchImportUpstreamImage',
  'ecr:CreateRepository',
];

/**
 * The actions ECR enforced in a registry policy under the V1 registry policy scope (no longer
 * selectable): replication, pull-through cache import, repository creation.
 */
export const REGISTRY_POLICY_ACTIONS = [
  'ecr:ReplicateImage',
  'ecr:BatchImportUpstreamImage',
  'ecr:CreateRepository',
];

/**
 * The actions `EcrChecks-RegistryPolicyActions` lets a registry policy allow under the V2 scope,
 * which accepts every ECR action and enforces the policy in every ECR request
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/registry-permissions.html): the V1 three
 * and pull, which an organization needs to use a pull-through cache.
 */
export const REGISTRY_POLICY_V2_ALLOWED_ACTIONS = [...REGISTRY_POLICY_ACTIONS, ...PULL_ACTIONS];

/** Condition keys that tie an open principal to an organization or a source. */
export const SCOPING_CONDITION_KEYS = [
  'aws:PrincipalOrgID',
  'aws:PrincipalOrgPaths',
  'aws:SourceArn',
  'aws:SourceAccount',
];

/** Condition operators that restrict to the listed values (no negation, no IfExists, no ForAllValues). */
const RESTRICTING_OPERATORS = ['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike'];

/** One policy statement (a template's resolved JSON or a live policy's parsed text). */
export type Statement = PolicyStatement;

export function isAllow(s: Statement): boolean {
  return s.Effect === 'Allow';
}

function asList(v: unknown): unknown[] {
  if (v === undefined) {
    return [];
  }
  return Array.isArray(v) ? v : [v];
}

/** Principal values of a statement (`"*"` stays `"*"`; `{ AWS: [...] }` is flattened). */
export function principalsOf(s: Statement): unknown[] {
  const p = s.Principal;
  if (p === undefined) {
    return [];
  }
  if (typeof p === 'string' || isIntrinsic(p)) {
    return [p];
  }
  if (typeof p === 'object' && p !== null) {
    return Object.values(p as Record<string, unknown>).flatMap(asList);
  }
  return [p];
}

/** The AWS principals of a statement (`Principal: "*"` counts as `"*"`). */
export function awsPrincipalsOf(s: Statement): unknown[] {
  const p = s.Principal;
  if (p === '*') {
    return ['*'];
  }
  if (p && typeof p === 'object' && !isIntrinsic(p)) {
    return asList((p as Record<string, unknown>).AWS);
  }
  return [];
}

/** A principal string that matches anyone: `*` or an ARN with a wildcard account (`arn:aws:iam::*:root`). */
export function isWildcardPrincipal(p: unknown): boolean {
  if (typeof p !== 'string') {
    return false;
  }
  return p === '*' || /^arn:[^:]*:iam::\*:/.test(p) || /^arn:[^:]*:sts::\*:/.test(p);
}

/** Whether a statement lets anyone in (a wildcard principal, or an Allow with NotPrincipal). */
export function isOpenStatement(s: Statement): boolean {
  if (s.NotPrincipal !== undefined) {
    return true;
  }
  return principalsOf(s).some(isWildcardPrincipal);
}

/** Whether a statement carries an organization or source condition that restricts it. */
export function hasScopingCondition(s: Statement): boolean {
  const condition = s.Condition;
  if (!condition || typeof condition !== 'object' || isIntrinsic(condition)) {
    return false;
  }
  for (const [operator, block] of Object.entries(condition as Record<string, unknown>)) {
    const bare = operator.replace(/^ForAnyValue:/, '');
    if (!RESTRICTING_OPERATORS.includes(bare) || !block || typeof block !== 'object') {
      continue;
    }
    for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
      if (!SCOPING_CONDITION_KEYS.some(k => k.toLowerCase() === key.toLowerCase())) {
        continue;
      }
      const list = asList(values);
      if (list.length > 0 && list.every(v => v !== '*' && v !== '' && v !== null)) {
        return true;
      }
    }
  }
  return false;
}

/** The action patterns of a statement (strings; intrinsics are kept as they are). */
export function actionsOf(s: Statement): unknown[] {
  return asList(s.Action);
}

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, 'i');
}

/** Whether a statement's actions (or NotAction) cover any of the given actions. */
export function grantsAnyOf(s: Statement, actions: readonly string[]): boolean {
  if (s.NotAction !== undefined) {
    // "everything except": assume it covers them unless every one is excluded.
    const excluded = asList(s.NotAction).filter((a): a is string => typeof a === 'string').map(patternToRegExp);
    return actions.some(a => !excluded.some(re => re.test(a)));
  }
  return actionsOf(s).some(a => typeof a !== 'string' || actions.some(action => patternToRegExp(a).test(action)));
}

/** An action pattern with a wildcard (`*`, `ecr:*`, `ecr:Batch*`, `ecr:?ut*`). */
export function isWildcardAction(a: unknown): boolean {
  return typeof a === 'string' && /[*?]/.test(a);
}

/** Whether a statement grants wildcard actions (or uses NotAction, which is a wildcard in disguise). */
export function grantsWildcardActions(s: Statement): boolean {
  return s.NotAction !== undefined || actionsOf(s).some(isWildcardAction);
}

/**
 * The account a principal belongs to: a 12-digit id for `123456789012` or an IAM/STS ARN,
 * `'*'` for a wildcard, `'self'` for a reference to the stack's own account (`AWS::AccountId`),
 * or `undefined` when it cannot be told (a service principal, an opaque intrinsic).
 */
export function accountOf(p: unknown): string | undefined {
  if (isWildcardPrincipal(p)) {
    return '*';
  }
  const text = typeof p === 'string' ? p : JSON.stringify(p ?? null);
  if (typeof p === 'string' && /^\d{12}$/.test(p)) {
    return p;
  }
  const arn = /:(?:iam|sts)::(\d{12}):/.exec(text);
  if (arn) {
    return arn[1];
  }
  if (typeof p !== 'string' && /"Ref":"AWS::AccountId"/.test(text) && /:(?:iam|sts)::/.test(text)) {
    return 'self';
  }
  return undefined;
}

/**
 * Whether a principal is another account than the registry's: a wildcard, or a concrete account
 * id that differs from `ownAccount` (any concrete id when the account is not known: an
 * environment-agnostic stack).
 */
export function isOtherAccount(ownAccount: string | undefined, p: unknown): boolean {
  const account = accountOf(p);
  if (account === undefined || account === 'self') {
    return false;
  }
  if (account === '*') {
    return true;
  }
  return ownAccount === undefined || ownAccount !== account;
}
