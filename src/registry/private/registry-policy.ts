import { Lazy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { MAX_REPLICATION_FILTERS } from './replication';
import { checkNamespacePrefix, checkReplicationPrefix, repositoryArnForPrefix } from './shared';
import { CheckContext } from '../../private/context';
import { Violations } from '../../private/errors';
import { isKnown } from '../../private/tokens';
import { checkAccountId, checkBoolean, checkOrganizationId, checkPattern, ORGANIZATIONAL_UNIT_PATH } from '../../private/validation';
import { OrganizationPrincipals, OrganizationPullThroughCacheOptions, OrganizationReplicationOptions, ReplicationSource } from '../registry-policy';

/** The actions a source account needs in the destination's registry policy to replicate in. */
const REPLICATE_ACTIONS = ['ecr:ReplicateImage'];
const CREATE_REPOSITORY_ACTION = 'ecr:CreateRepository';
/** What a principal needs to have a pull-through cache rule fetch and store an upstream image. */
const PULL_THROUGH_ACTIONS = ['ecr:BatchImportUpstreamImage', CREATE_REPOSITORY_ACTION];
/** Pull (ECR enforces them in a registry policy under the V2 scope). */
const PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'];

/** An organization-wide statement. */
type OrganizationStatement =
  | { readonly kind: 'replication'; readonly options: OrganizationReplicationOptions }
  | { readonly kind: 'pullThroughCache'; readonly options: OrganizationPullThroughCacheOptions };

/** What the policy needs of a source registry (what `IRegistry` declares). */
interface SourceRegistry extends IConstruct {
  readonly registryId: string;
  replicationSourceFor(account: string, region: string): ReplicationSource | undefined;
}

interface SourceRegistryLink {
  readonly registry: SourceRegistry;
  readonly createRepository: boolean;
}

/**
 * The destination side of cross-account replication: the source accounts allowed to replicate in,
 * given directly or as source registries, and the `AWS::ECR::RegistryPolicy` (construct id `Policy`
 * under the registry) that allows them, created with the first source.
 */
export class RegistryReplicationPolicy {
  private readonly _sources: ReplicationSource[] = [];
  private readonly links: SourceRegistryLink[] = [];
  private readonly organizations: OrganizationStatement[] = [];
  private _policy?: ecr.CfnRegistryPolicy;

  constructor(private readonly registry: Construct, private readonly registryId: string) {}

  /** The sources given as `ReplicationSource` so far. */
  public get sources(): ReplicationSource[] {
    return [...this._sources];
  }

  /** The L1, once a source is allowed. */
  public get policy(): ecr.CfnRegistryPolicy | undefined {
    return this._policy;
  }

  /** Check one more source against those allowed so far. */
  public checkAllow(v: Violations, property: string, source: ReplicationSource): void {
    checkReplicationSource(v, property, source, Stack.of(this.registry));
    checkDuplicateSources(v, [...this._sources, source]);
  }

  /** Allow a source (checked before). */
  public allow(source: ReplicationSource): void {
    this._sources.push(source);
    this.ensurePolicy();
  }

  /** Allow an organization (checked before with `checkOrganizationReplication` or `checkOrganizationPullThroughCache`). */
  public allowOrganization(statement: OrganizationStatement): void {
    this.organizations.push(statement);
    this.ensurePolicy();
  }

  /** Check one more source registry against the sources allowed so far. */
  public checkLink(v: Violations, source: SourceRegistry): void {
    const sourceAccount = Stack.of(source).account;
    v.check(source !== this.registry, 'source', source.node.path, 'a registry cannot replicate into itself');
    v.check(isKnown(sourceAccount), 'source', source.node.path, 'the source registry\'s stack needs a concrete account (env.account)');
    v.check(isKnown(this.registryId) && isKnown(Stack.of(this.registry).region), 'scope', Stack.of(this.registry).node.path,
      'allowReplicationFromRegistry needs a concrete account and region (env) on this registry\'s stack');
    if (isKnown(sourceAccount)) {
      const linked = this.links.map(l => ({ account: Stack.of(l.registry).account }));
      checkDuplicateSources(v, [...this._sources, ...linked, { account: sourceAccount }]);
    }
  }

  /** Allow a source registry (checked before); its prefixes are read when the policy renders. */
  public link(source: SourceRegistry, createRepository: boolean): void {
    this.links.push({ registry: source, createRepository });
    this.ensurePolicy();
  }

  /** Check, on the finished tree, that every linked source registry replicates here. */
  public checkLinksTargetThis(v: Violations): void {
    const region = Stack.of(this.registry).region;
    for (const link of this.links) {
      if (!link.registry.replicationSourceFor(this.registryId, region)) {
        v.add('source', link.registry.node.path,
          `none of its replication rules targets this registry (account ${this.registryId}, region ${region}); add a rule with that destination to the source registry`);
      }
    }
  }

  private ensurePolicy(): void {
    if (!this._policy) {
      this._policy = new ecr.CfnRegistryPolicy(this.registry, 'Policy', {
        policyText: Lazy.any({ produce: () => this.render() }),
      });
    }
  }

  private resolvedSources(): ReplicationSource[] {
    const fromRegistries: ReplicationSource[] = [];
    for (const link of this.links) {
      const s = link.registry.replicationSourceFor(this.registryId, Stack.of(this.registry).region);
      if (s) {
        fromRegistries.push({ ...s, createRepository: link.createRepository });
      }
    }
    return [...this._sources, ...fromRegistries];
  }

  private render(): iam.PolicyDocument {
    const doc = new iam.PolicyDocument();
    for (const [i, source] of this.resolvedSources().entries()) {
      const prefixes = source.repositoryPrefixes && source.repositoryPrefixes.length > 0 ? source.repositoryPrefixes : undefined;
      const actions = source.createRepository === false ? REPLICATE_ACTIONS : [CREATE_REPOSITORY_ACTION, ...REPLICATE_ACTIONS];
      doc.addStatements(new iam.PolicyStatement({
        sid: isKnown(source.account) ? `ReplicationFrom${source.account}` : `ReplicationFromSource${i + 1}`,
        principals: [new iam.AccountPrincipal(source.account)],
        actions,
        resources: prefixes
          ? [...prefixes].sort().map(p => repositoryArnForPrefix(this.registry, p, { prefixMatch: true }))
          : [repositoryArnForPrefix(this.registry, 'ROOT')],
      }));
    }
    for (const [i, o] of this.organizations.entries()) {
      const conditions: Record<string, Record<string, string | string[]>> = {};
      if (o.options.organizationId !== undefined) {
        conditions.StringEquals = { 'aws:PrincipalOrgID': o.options.organizationId };
      }
      const paths = (o.options.organizationalUnitPaths ?? []).map(p => `${p}*`);
      if (paths.length > 0) {
        conditions['ForAnyValue:StringLike'] = { 'aws:PrincipalOrgPaths': paths.length === 1 ? paths[0] : paths };
      }
      if (o.kind === 'replication') {
        const prefixes = o.options.repositoryPrefixes ?? [];
        doc.addStatements(new iam.PolicyStatement({
          sid: `ReplicationFromOrganization${i + 1}`,
          principals: [new iam.AnyPrincipal()],
          actions: o.options.createRepository === false ? REPLICATE_ACTIONS : [CREATE_REPOSITORY_ACTION, ...REPLICATE_ACTIONS],
          resources: prefixes.length > 0
            ? [...prefixes].sort().map(p => repositoryArnForPrefix(this.registry, p, { prefixMatch: true }))
            : [repositoryArnForPrefix(this.registry, 'ROOT')],
          conditions,
        }));
      } else {
        doc.addStatements(new iam.PolicyStatement({
          sid: `PullThroughCacheForOrganization${i + 1}`,
          principals: [new iam.AnyPrincipal()],
          actions: [...PULL_THROUGH_ACTIONS, ...o.options.pull === false ? [] : PULL_ACTIONS],
          resources: [...o.options.repositoryPrefixes].sort().map(p => repositoryArnForPrefix(this.registry, p)),
          conditions,
        }));
      }
    }
    return doc;
  }
}

/**
 * Check the organization of a registry policy statement: at least one of the id and the paths (an
 * open principal is never allowed without a narrowing condition), each well-formed, and paths of
 * the given organization.
 */
export function checkOrganizationPrincipals(v: Violations, o: OrganizationPrincipals): void {
  const paths = o.organizationalUnitPaths ?? [];
  if (o.organizationId === undefined && paths.length === 0) {
    v.add('organizationId', o.organizationId,
      'give organizationId or organizationalUnitPaths: the statement allows Principal "*" and only the organization condition narrows it');
  }
  checkOrganizationId(v, 'organizationId', o.organizationId);
  for (const [i, path] of paths.entries()) {
    const ok = checkPattern(v, `organizationalUnitPaths[${i}]`, path, ORGANIZATIONAL_UNIT_PATH,
      'must be an organizational unit path <org id>/<root id>/<ou id>/[<ou id>/...] such as o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ '
      + '(at least one OU, ending with "/"; for the whole organization give organizationId only)');
    if (ok && isKnown(path) && isKnown(o.organizationId) && !path.startsWith(`${o.organizationId}/`)) {
      v.add(`organizationalUnitPaths[${i}]`, path, `belongs to another organization than organizationId ${o.organizationId}; a path starts with the organization id`);
    }
  }
}

/** Check `allowReplicationFromOrganization`'s options. */
export function checkOrganizationReplication(v: Violations, o: OrganizationReplicationOptions): void {
  checkOrganizationPrincipals(v, o);
  checkBoolean(v, 'createRepository', o.createRepository);
  const prefixes = o.repositoryPrefixes ?? [];
  v.check(prefixes.length <= MAX_REPLICATION_FILTERS, 'repositoryPrefixes.length', prefixes.length, `at most ${MAX_REPLICATION_FILTERS} prefixes`);
  for (const [k, prefix] of prefixes.entries()) {
    checkReplicationPrefix(v, `repositoryPrefixes[${k}]`, prefix);
  }
}

/** Check `allowPullThroughCacheFromOrganization`'s options. */
export function checkOrganizationPullThroughCache(v: Violations, o: OrganizationPullThroughCacheOptions): void {
  checkOrganizationPrincipals(v, o);
  checkBoolean(v, 'pull', o.pull);
  const prefixes = o.repositoryPrefixes ?? [];
  v.check(prefixes.length >= 1 && prefixes.length <= 50, 'repositoryPrefixes.length', prefixes.length,
    'name 1-50 pull-through cache prefixes (one per rule, at most 50 rules per registry): the statement never covers every repository');
  for (const [k, prefix] of prefixes.entries()) {
    if (prefix === 'ROOT') {
      v.add(`repositoryPrefixes[${k}]`, prefix, 'ROOT would cover every repository of the registry; name the cache rules\' prefixes');
    } else {
      checkNamespacePrefix(v, `repositoryPrefixes[${k}]`, prefix, 30);
    }
  }
}

/** Check one source account: an account id other than this registry's, and its prefixes. */
export function checkReplicationSource(v: Violations, p: string, source: ReplicationSource, stack: CheckContext): void {
  if (checkAccountId(v, `${p}.account`, source.account) && isKnown(source.account) && isKnown(stack.account)
    && source.account === stack.account) {
    v.add(`${p}.account`, source.account, 'is this registry\'s own account: a registry policy is only needed for cross-account replication');
  }
  checkBoolean(v, `${p}.createRepository`, source.createRepository);
  const prefixes = source.repositoryPrefixes ?? [];
  v.check(prefixes.length <= MAX_REPLICATION_FILTERS, `${p}.repositoryPrefixes.length`, prefixes.length,
    `at most ${MAX_REPLICATION_FILTERS} prefixes`);
  for (const [k, prefix] of prefixes.entries()) {
    checkReplicationPrefix(v, `${p}.repositoryPrefixes[${k}]`, prefix);
  }
}

/** Check that no account is allowed twice. */
export function checkDuplicateSources(v: Violations, sources: { account: string }[]): void {
  const seen = new Set<string>();
  for (const s of sources) {
    if (!isKnown(s.account)) {
      continue;
    }
    if (seen.has(s.account)) {
      v.add('replicationSources', s.account, 'this account is already allowed to replicate in; give all its prefixes in one source');
    }
    seen.add(s.account);
  }
}
