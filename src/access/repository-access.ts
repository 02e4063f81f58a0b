import { CfnResource, Stack, Token, TokenComparison, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RepositoryActions } from './repository-actions';
import { addWarningWithoutTrace } from '../private/annotations';
import { CheckContext } from '../private/context';
import { Violations } from '../private/errors';
import { isKnown, isUnresolved } from '../private/tokens';
import { checkAccountId, checkOrganizationId, checkPattern, ORGANIZATIONAL_UNIT_PATH } from '../private/validation';
import { dependOnPrincipalStack, guardRepositoryPolicy } from '../repository/private/policy';

/** A Lambda function ARN (optionally qualified); `*` and `?` allowed in the name and qualifier (StringLike). */
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[a-zA-Z0-9_*?-]+(:[a-zA-Z0-9_$*?-]+)?$/;

/** One ECR action without wildcards. */
const ECR_ACTION = /^ecr:[A-Z][A-Za-z]+$/;

/** Name of a custom access level: used in statement ids. */
const LEVEL_NAME = /^[A-Za-z0-9]{1,32}$/;

const ECR1 = 'AwsSolutions-ECR1';
const ECR1_REASON = 'Principal "*" appears in this repository policy only together with an aws:PrincipalOrgID or '
  + 'aws:PrincipalOrgPaths condition (cdk-ecr-registry RepositoryAccess organization grants), which limits access to '
  + 'principals of the named AWS Organization or organizational units. AwsSolutions-ECR1 does not evaluate conditions. '
  + 'cdk-ecr-registry fails the synth if a statement with Principal "*" and no such condition is added to this policy.';

const CKV_AWS_32 = 'CKV_AWS_32';
const CKV_AWS_32_REASON = 'Principal "*" appears only with a ForAnyValue:StringLike aws:PrincipalOrgPaths condition '
  + '(RepositoryAccess organizational unit grants), limiting access to principals of the named organizational units; '
  + 'checkov CKV_AWS_32 accepts only a StringEquals aws:PrincipalOrgID condition. cdk-ecr-registry fails the synth if '
  + 'a statement with Principal "*" and no organization or source condition is added to this policy.';

const LAMBDA_SERVICE = 'lambda.amazonaws.com';

/** What a grant allows: a named, wildcard-free list of ECR actions. */
export class RepositoryAccessLevel {
  /** Pull images (`RepositoryActions.PULL`). */
  public static readonly PULL = new RepositoryAccessLevel('Pull', RepositoryActions.PULL);

  /** Push images (`RepositoryActions.PUSH`). */
  public static readonly PUSH = new RepositoryAccessLevel('Push', RepositoryActions.PUSH);

  /** Pull and push images (`RepositoryActions.PULL_PUSH`). */
  public static readonly PULL_PUSH = new RepositoryAccessLevel('PullPush', RepositoryActions.PULL_PUSH);

  /**
   * What the image check handler of a stack in another account needs to protect images in use
   * (`RepositoryActions.IN_USE_PROTECTION`): grant it to that handler's role with `grantToPrincipal`
   * or to the account with `grantToAccounts`.
   */
  public static readonly IN_USE_PROTECTION = new RepositoryAccessLevel('InUseProtection', RepositoryActions.IN_USE_PROTECTION);

  /**
   * A custom list of ECR repository actions, e.g. `PULL` plus `ecr:DescribeImages`.
   *
   * Checked when it is granted: every action is one `ecr:` action without wildcards
   * (`ecr:*` is never granted to another account), and `ecr:GetAuthorizationToken`
   * is not allowed (it is registry-level; consumers grant it in their identity policies).
   *
   * @param name 1-32 letters or digits, used in statement ids (`CrossAccount<name>`, `Organization<name>`, ...)
   * @param actions the ECR actions
   */
  public static custom(name: string, actions: string[]): RepositoryAccessLevel {
    return new RepositoryAccessLevel(name, [...actions]);
  }

  /** Name used in statement ids. */
  public readonly name: string;

  /** The IAM actions this level grants. */
  public readonly actions: string[];

  private constructor(name: string, actions: string[]) {
    this.name = name;
    this.actions = actions;
  }
}

/** Which Lambda functions may pull: the `aws:SourceArn` and `aws:SourceAccount` conditions. */
export interface LambdaPullOptions {
  /**
   * ARNs of the functions (or patterns, `*` and `?` allowed in the name, e.g.
   * `arn:aws:lambda:eu-west-1:222222222222:function:orders-*`): an `aws:SourceArn`
   * (`StringLike`) condition.
   *
   * @default - no `aws:SourceArn` condition (then `sourceAccounts` is required)
   */
  readonly functionArns?: string[];

  /**
   * Accounts whose functions may pull: an `aws:SourceAccount` (`StringEquals`) condition.
   *
   * @default - no `aws:SourceAccount` condition (then `functionArns` is required)
   */
  readonly sourceAccounts?: string[];
}

const INSTANCES = new WeakMap<ecr.IRepository, RepositoryAccess>();

/** Rendered account principals by stack and literal account id (see `accountKey`). */
const ACCOUNT_KEYS = new WeakMap<Stack, Map<string, string>>();

/**
 * Least-privilege access to a private repository for other accounts, principals in
 * other accounts, an AWS Organization or organizational units, and the Lambda service.
 *
 * Works on any `ecr.IRepository`: a `PrivateRepository`, a plain aws-cdk-lib
 * `ecr.Repository` and, for principal grants only (the consumer side), imported repositories.
 *
 * Guarantees:
 * - only the named action lists of `RepositoryActions` (or a checked custom list), never `ecr:*`;
 * - no `Resource` element in the repository policy;
 * - `Principal: *` only with an `aws:PrincipalOrgID` / `aws:PrincipalOrgPaths` condition;
 *   the synth fails if any other statement of the policy breaks this, so the
 *   AwsSolutions-ECR1 acknowledgement that organization grants ship stays true;
 * - one statement per kind and level, with a stable `Sid`; later grants of the same kind
 *   and level merge into it.
 */
export class RepositoryAccess {
  /**
   * The access helper of a repository (one per repository).
   */
  public static of(repository: ecr.IRepository): RepositoryAccess {
    let access = INSTANCES.get(repository);
    if (!access) {
      access = new RepositoryAccess(repository);
      INSTANCES.set(repository, access);
    }
    return access;
  }

  /**
   * Collect the violations of account ids to grant to (nothing is granted): each a 12-digit id
   * other than the repository's own account (`context.account`).
   * @internal
   */
  public static _collectAccounts(v: Violations, property: string, accountIds: string[], context: CheckContext): void {
    for (const [i, id] of accountIds.entries()) {
      if (checkAccountId(v, `${property}[${i}]`, id) && isKnown(context.account) && !isUnresolved(id) && id === context.account) {
        v.add(`${property}[${i}]`, id,
          "is the repository's own account: grant its principals through their identity policies instead (grantToPrincipal or repository.grantPull)");
      }
    }
  }

  /**
   * Collect the violations of an AWS Organizations id to grant to.
   * @internal
   */
  public static _collectOrganization(v: Violations, property: string, organizationId: string | undefined): void {
    checkOrganizationId(v, property, organizationId);
  }

  /**
   * Collect the violations of organizational unit paths to grant to.
   * @internal
   */
  public static _collectOrganizationalUnits(v: Violations, property: string, paths: string[]): void {
    for (const [i, path] of paths.entries()) {
      checkPattern(v, `${property}[${i}]`, path, ORGANIZATIONAL_UNIT_PATH,
        'must be an organizational unit path <org id>/<root id>/<ou id>/[<ou id>/...] such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ '
        + '(at least one OU, ending with "/"; for the whole organization use grantToOrganization)');
    }
  }

  /**
   * Collect the violations of a Lambda pull grant: functions or accounts named, ARNs and account
   * ids well-formed. `optionsProperty` names the options as a whole in messages.
   * @internal
   */
  public static _collectLambdaPull(v: Violations, options: LambdaPullOptions, optionsProperty: string): void {
    const arns = options.functionArns ?? [];
    const accounts = options.sourceAccounts ?? [];
    v.check(arns.length > 0 || accounts.length > 0, optionsProperty, options,
      'name the functions (functionArns) or their accounts (sourceAccounts): the Lambda service is never granted without an aws:SourceArn or aws:SourceAccount condition');
    for (const [i, arn] of arns.entries()) {
      checkPattern(v, `functionArns[${i}]`, arn, LAMBDA_FUNCTION_ARN,
        'must be a Lambda function ARN arn:<partition>:lambda:<region>:<12-digit account>:function:<name>[:<qualifier>] ("*" and "?" allowed in the name and qualifier)');
    }
    for (const [i, id] of accounts.entries()) {
      checkAccountId(v, `sourceAccounts[${i}]`, id);
    }
  }

  /** The repository this helper grants on. */
  public readonly repository: ecr.IRepository;

  private readonly statements = new Map<string, iam.PolicyStatement>();
  private readonly conditionValues = new Map<string, string[]>();
  private readonly principalKeys = new Map<iam.PolicyStatement, Set<string>>();
  private combinedLambdaStatements = 0;
  private acknowledged = false;

  private constructor(repository: ecr.IRepository) {
    this.repository = repository;
  }

  /**
   * Allow principals of other AWS accounts (the account roots) to pull.
   *
   * Prefer `grantPullToPrincipal` with a role: an account grant trusts every principal
   * the other account's administrators allow (a warning says so).
   *
   * @param accountIds 12-digit account ids, other than the repository's own
   */
  public grantPullToAccounts(accountIds: string[]): void {
    this.grantToAccounts(RepositoryAccessLevel.PULL, accountIds);
  }

  /**
   * Allow principals of other AWS accounts (the account roots) the actions of `level`.
   *
   * @param level what to allow
   * @param accountIds 12-digit account ids, other than the repository's own
   */
  public grantToAccounts(level: RepositoryAccessLevel, accountIds: string[]): void {
    const v = this.violations();
    this.checkLevel(v, level);
    v.check(accountIds.length > 0, 'accountIds', accountIds, 'must name at least one account');
    RepositoryAccess._collectAccounts(v, 'accountIds', accountIds, { account: this.repository.env.account });
    this.checkOwned(v);
    v.throwIfAny();

    const statement = this.statement(`CrossAccount${level.name}`, level.actions);
    this.addAccountsOnce(statement, accountIds);
    this.warnAccountRoot(level, accountIds.map(id => isUnresolved(id) ? '(token)' : id).join(', '));
  }

  /**
   * Allow one principal (typically a role, in this or another account) to pull.
   *
   * - same account: the principal's identity policy gets the actions on this repository
   *   and `ecr:GetAuthorizationToken` (no repository policy statement);
   * - other account: the repository policy gets a statement naming the principal;
   *   the consumer account grants its own identity policy (call this method in the
   *   consumer stack on the imported repository: that side is identity-only).
   *
   * @param grantee the principal
   */
  public grantPullToPrincipal(grantee: iam.IGrantable): iam.Grant {
    return this.grantToPrincipal(RepositoryAccessLevel.PULL, grantee);
  }

  /**
   * Allow one principal the actions of `level` (see `grantPullToPrincipal`).
   *
   * @param level what to allow
   * @param grantee the principal
   */
  public grantToPrincipal(level: RepositoryAccessLevel, grantee: iam.IGrantable): iam.Grant {
    const v = this.violations();
    this.checkLevel(v, level);
    const principal = grantee.grantPrincipal;
    const principalJson = flatten(Stack.of(this.repository).resolve(principal.policyFragment.principalJson));
    const rendered = JSON.stringify(principalJson);
    if (JSON.stringify(principalJson.AWS ?? '').includes('*') || JSON.stringify(principalJson).includes('"*"')) {
      v.add('grantee', principalJson.LiteralString ?? principalJson,
        'Principal "*" is only granted with an organization or source condition: use grantToOrganization, grantToOrganizationalUnits or grantPullToLambda');
    } else if (rendered.includes(LAMBDA_SERVICE)) {
      v.add('grantee', principalJson,
        'the Lambda service is only granted with aws:SourceArn / aws:SourceAccount conditions: use grantPullToLambda');
    }
    v.throwIfAny();

    const account = principal.principalAccount;
    const comparison = account === undefined ? undefined : Token.compareStrings(this.repository.env.account, account);
    const sameAccount = comparison === TokenComparison.SAME || comparison === TokenComparison.BOTH_UNRESOLVED;
    if (sameAccount || !this.isOwned()) {
      // Same account, or the consumer side of a cross-account grant: the identity policy suffices.
      return this.identityGrant(grantee, level.actions);
    }

    dependOnPrincipalStack(this.repository, principal);
    const statement = this.statement(`CrossAccount${level.name}`, level.actions);
    this.addPrincipalOnce(statement, rendered, principal);
    if (rendered.includes(':root"')) {
      this.warnAccountRoot(level, rendered);
    }
    return this.resourceGrant(grantee, level.actions, statement);
  }

  /**
   * Allow every principal of an AWS Organization to pull (`Principal: *` with an
   * `aws:PrincipalOrgID` condition). Ships the AwsSolutions-ECR1 acknowledgement.
   *
   * @param organizationId `o-` and 10-32 lowercase letters or digits
   */
  public grantPullToOrganization(organizationId: string): void {
    this.grantToOrganization(RepositoryAccessLevel.PULL, organizationId);
  }

  /**
   * Allow every principal of an AWS Organization the actions of `level`.
   *
   * @param level what to allow
   * @param organizationId `o-` and 10-32 lowercase letters or digits
   */
  public grantToOrganization(level: RepositoryAccessLevel, organizationId: string): void {
    const v = this.violations();
    this.checkLevel(v, level);
    RepositoryAccess._collectOrganization(v, 'organizationId', organizationId);
    this.checkOwned(v);
    v.throwIfAny();

    this.conditionedStatement(`Organization${level.name}`, level.actions, new iam.AnyPrincipal(),
      'StringEquals', 'aws:PrincipalOrgID', [organizationId]);
    this.acknowledgeOpenPrincipal();
  }

  /**
   * Allow the principals of organizational units (and their child OUs) to pull
   * (`Principal: *` with a `ForAnyValue:StringLike` `aws:PrincipalOrgPaths` condition).
   * Ships the AwsSolutions-ECR1 acknowledgement.
   *
   * @param organizationalUnitPaths paths such as `o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/`
   */
  public grantPullToOrganizationalUnits(organizationalUnitPaths: string[]): void {
    this.grantToOrganizationalUnits(RepositoryAccessLevel.PULL, organizationalUnitPaths);
  }

  /**
   * Allow the principals of organizational units (and their child OUs) the actions of `level`.
   *
   * Each path is `<org id>/<root id>/<ou id>/.../` (ending with `/`); the condition
   * matches `<path>*`, i.e. the OU and every OU below it.
   *
   * @param level what to allow
   * @param organizationalUnitPaths paths such as `o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/`
   */
  public grantToOrganizationalUnits(level: RepositoryAccessLevel, organizationalUnitPaths: string[]): void {
    const v = this.violations();
    this.checkLevel(v, level);
    v.check(organizationalUnitPaths.length > 0, 'organizationalUnitPaths', organizationalUnitPaths, 'must name at least one organizational unit path');
    RepositoryAccess._collectOrganizationalUnits(v, 'organizationalUnitPaths', organizationalUnitPaths);
    this.checkOwned(v);
    v.throwIfAny();

    this.conditionedStatement(`OrganizationalUnits${level.name}`, level.actions, new iam.AnyPrincipal(),
      'ForAnyValue:StringLike', 'aws:PrincipalOrgPaths', organizationalUnitPaths.map(p => `${p}*`));
    this.acknowledgeOpenPrincipal();
    this.skipCheckovPublicPolicy();
  }

  /**
   * Allow the Lambda service to pull container images for functions
   * (`RepositoryActions.LAMBDA_PULL` for `lambda.amazonaws.com`), limited by
   * `aws:SourceArn` and/or `aws:SourceAccount`.
   *
   * For functions in other accounts (known from the ARNs or `sourceAccounts`), the repository
   * policy also allows those accounts `LAMBDA_PULL`, as Lambda requires for cross-account images.
   */
  public grantPullToLambda(options: LambdaPullOptions): void {
    const v = this.violations();
    const arns = options.functionArns ?? [];
    const accounts = options.sourceAccounts ?? [];
    RepositoryAccess._collectLambdaPull(v, options, 'options');
    this.checkOwned(v);
    v.throwIfAny();

    const service = new iam.ServicePrincipal(LAMBDA_SERVICE);
    if (arns.length > 0 && accounts.length > 0) {
      this.combinedLambdaStatements++;
      const n = this.combinedLambdaStatements;
      const statement = this.statement(`LambdaPullByFunctionAndSourceAccount${n === 1 ? '' : n}`, RepositoryActions.LAMBDA_PULL);
      statement.addPrincipals(service);
      statement.addCondition('StringLike', { 'aws:SourceArn': single(arns) });
      statement.addCondition('StringEquals', { 'aws:SourceAccount': single(accounts) });
    } else if (arns.length > 0) {
      this.conditionedStatement('LambdaPullByFunction', RepositoryActions.LAMBDA_PULL, service, 'StringLike', 'aws:SourceArn', arns);
    } else {
      this.conditionedStatement('LambdaPullBySourceAccount', RepositoryActions.LAMBDA_PULL, service, 'StringEquals', 'aws:SourceAccount', accounts);
    }

    // Cross-account images: Lambda also checks that the function's account may read the image.
    const repoAccount = this.repository.env.account;
    const otherAccounts = new Set<string>();
    for (const a of [...arns.filter(arn => !isUnresolved(arn)).map(arn => arn.split(':')[4]), ...accounts]) {
      if (!isUnresolved(a) && !isUnresolved(repoAccount) && a !== repoAccount) {
        otherAccounts.add(a);
      }
    }
    if (otherAccounts.size > 0) {
      this.addAccountsOnce(this.statement('LambdaCrossAccountPull', RepositoryActions.LAMBDA_PULL), [...otherAccounts]);
    }
  }

  private violations(): Violations {
    return new Violations(this.repository.node.path || '<app>');
  }

  private checkLevel(v: Violations, level: RepositoryAccessLevel): void {
    checkPattern(v, 'level.name', level.name, LEVEL_NAME, 'must be 1-32 letters or digits (it is part of the statement ids)');
    v.check(level.actions.length > 0, 'level.actions', level.actions, 'must hold at least one ECR action');
    for (const [i, action] of level.actions.entries()) {
      if (isUnresolved(action)) {
        continue;
      }
      if (action.includes('*') || action.includes('?')) {
        v.add(`level.actions[${i}]`, action,
          'wildcard actions are never granted through a repository policy (ecr:* would hand another account every permission on the repository, including deleting it and changing its policy): name the actions, e.g. RepositoryActions.PULL');
      } else if (action.toLowerCase() === 'ecr:getauthorizationtoken') {
        v.add(`level.actions[${i}]`, action,
          'is a registry-level action that only works in identity policies: each consumer grants it to its own principals');
      } else if (!ECR_ACTION.test(action)) {
        v.add(`level.actions[${i}]`, action, 'must be one ECR action: ecr: and the action name in PascalCase, without wildcards (e.g. ecr:DescribeImages)');
      }
    }
  }

  private checkOwned(v: Violations): void {
    if (!this.isOwned()) {
      v.add('repository', this.repository.node.id,
        'is imported and has no repository policy this app can change: add this grant in the stack that defines the repository');
    }
  }

  /** The repository's `AWS::ECR::Repository` resource, when this app defines it. */
  private cfnRepository(): CfnResource | undefined {
    const child = this.repository.node.defaultChild;
    if (child && CfnResource.isCfnResource(child) && child.cfnResourceType === 'AWS::ECR::Repository') {
      return child;
    }
    return undefined;
  }

  private isOwned(): boolean {
    return this.cfnRepository() !== undefined;
  }

  /** The statement with this Sid: created (and added to the repository policy) on first use. */
  private statement(sid: string, actions: string[]): iam.PolicyStatement {
    let statement = this.statements.get(sid);
    if (!statement) {
      statement = new iam.PolicyStatement({ sid, effect: iam.Effect.ALLOW, actions: [...actions] });
      this.repository.addToResourcePolicy(statement);
      this.statements.set(sid, statement);
      this.validatePolicy();
    }
    return statement;
  }

  /** A statement with one condition whose values merge across grants. */
  private conditionedStatement(sid: string, actions: string[], principal: iam.IPrincipal,
    operator: string, key: string, values: string[]): void {
    const statement = this.statement(sid, actions);
    const all = this.conditionValues.get(sid) ?? [];
    if (all.length === 0) {
      statement.addPrincipals(principal);
    }
    for (const value of values) {
      if (!all.includes(value)) {
        all.push(value);
      }
    }
    this.conditionValues.set(sid, all);
    statement.addCondition(operator, { [key]: single(all) });
  }

  /** Add a principal to a statement unless an equal one is already there (tokens are compared resolved). */
  private addPrincipalOnce(statement: iam.PolicyStatement, key: string, principal: iam.IPrincipal): void {
    const keys = this.principalKeys.get(statement) ?? new Set<string>();
    this.principalKeys.set(statement, keys);
    if (!keys.has(key)) {
      keys.add(key);
      statement.addPrincipals(principal);
    }
  }

  private addAccountsOnce(statement: iam.PolicyStatement, accountIds: string[]): void {
    for (const id of accountIds) {
      const principal = new iam.AccountPrincipal(id);
      this.addPrincipalOnce(statement, this.accountKey(id, principal), principal);
    }
  }

  /**
   * The rendered principal of an account: the key `addPrincipalOnce` compares. Resolving it is most
   * of the cost of an account grant, and a literal account id renders the same in every repository
   * of a stack, so it is resolved once per stack and id (tokens are resolved every time).
   */
  private accountKey(id: string, principal: iam.IPrincipal): string {
    const stack = Stack.of(this.repository);
    const render = () => JSON.stringify(flatten(stack.resolve(principal.policyFragment.principalJson)));
    if (isUnresolved(id)) {
      return render();
    }
    let keys = ACCOUNT_KEYS.get(stack);
    if (!keys) {
      keys = new Map();
      ACCOUNT_KEYS.set(stack, keys);
    }
    let key = keys.get(id);
    if (key === undefined) {
      key = render();
      keys.set(id, key);
    }
    return key;
  }

  private identityGrant(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    const grant = iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [this.repository.repositoryArn] });
    iam.Grant.addToPrincipal({ grantee, actions: RepositoryActions.AUTHORIZATION, resourceArns: ['*'] });
    return grant;
  }

  /** A `Grant` for a principal merged into an existing repository policy statement. */
  private resourceGrant(grantee: iam.IGrantable, actions: string[], statement: iam.PolicyStatement): iam.Grant {
    const repository = this.repository;
    // The statement is already in the policy: report it without adding it twice.
    const resource: iam.IResourceWithPolicy = Object.assign(Object.create(repository), {
      addToResourcePolicy: (): iam.AddToResourcePolicyResult => ({ statementAdded: true, policyDependable: repository }),
    });
    return iam.Grant.addStatementToResourcePolicy({ grantee, actions, resourceArns: [repository.repositoryArn], resource, statement });
  }

  /** One warning per grant, acknowledgeable per repository; recorded without a stack trace (see `addWarningWithoutTrace`). */
  private warnAccountRoot(level: RepositoryAccessLevel, who: string): void {
    addWarningWithoutTrace(this.repository, 'cdk-ecr-registry:accountRootPrincipal',
      `${level.name} is granted to a whole account (${who}): every principal its administrators allow can use it. `
      + 'Where one role needs access, grant that role instead (RepositoryAccess.grantToPrincipal with iam.Role.fromRoleArn).');
  }

  /**
   * checkov CKV_AWS_32 accepts `Principal: *` only with a `StringEquals` `aws:PrincipalOrgID` condition, so
   * organizational unit grants (`aws:PrincipalOrgPaths`) trip it: ship a skip with the reason on the repository.
   */
  private skipCheckovPublicPolicy(): void {
    const cfn = this.cfnRepository();
    if (!cfn) {
      return;
    }
    const checkov = (cfn.getMetadata('checkov') ?? {}) as { skip?: Array<{ id: string; comment: string }> };
    if ((checkov.skip ?? []).some(s => s.id === CKV_AWS_32)) {
      return;
    }
    cfn.addMetadata('checkov', { ...checkov, skip: [...(checkov.skip ?? []), { id: CKV_AWS_32, comment: CKV_AWS_32_REASON }] });
  }

  /** Organization-wide statements trip AwsSolutions-ECR1, which ignores conditions: ship the acknowledgement. */
  private acknowledgeOpenPrincipal(): void {
    if (this.acknowledged) {
      return;
    }
    this.acknowledged = true;
    Validations.of(this.repository).acknowledge({ id: ECR1, reason: ECR1_REASON });
  }

  /** The policy guard every owned repository gets (see `guardRepositoryPolicy`). */
  private validatePolicy(): void {
    guardRepositoryPolicy(this.repository, this.cfnRepository()! as ecr.CfnRepository);
  }
}

function single(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : [...values];
}

/** `{ AWS: ['x'] }` -> `{ AWS: 'x' }`, as principals render in a statement. */
function flatten(principalJson: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(principalJson).map(([k, v]) => [k, Array.isArray(v) && v.length === 1 ? v[0] : v]));
}
