import { Annotations, BootstraplessSynthesizer, CfnResource, CfnWaitConditionHandle, Environment, Stack, Stage, Tags } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';
import { BaselineStack, CFN_MAX_RESOURCES } from './private/baseline-stack';
import { shardOf } from './private/sharding';
import { LambdaPullOptions, RepositoryAccess, RepositoryAccessLevel } from '../access/repository-access';
import { CheckContext } from '../private/context';
import { EcrValidationError, pathOf, Violations } from '../private/errors';
import { isKnown, isUnresolved } from '../private/tokens';
import { checkAccountId, checkBoolean, checkPattern, checkResourceTags, ORGANIZATIONAL_UNIT_PATH } from '../private/validation';
import { CreationTemplateAppliedFor, RepositoryCreationTemplate, RepositoryCreationTemplateOptions } from '../registry/creation-template';
import { PullThroughCacheRule, PullThroughCacheRuleOptions } from '../registry/pull-through-cache';
import { Registry, RegistryProps } from '../registry/registry';
import { RegistryScanning } from '../registry/scanning';
import { PrivateRepository } from '../repository/private-repository';
import { RepositoryResourceSettings } from '../repository/settings';

/**
 * A pull-through cache rule of a baseline's registry.
 */
export interface BaselinePullThroughCacheRule extends PullThroughCacheRuleOptions {
  /**
   * The construct id of the rule (part of its logical id: choose it once).
   *
   * @default - `PullThroughCache-<repository prefix>`
   */
  readonly id?: string;
}

/**
 * A repository creation template of a baseline's registry.
 */
export interface BaselineCreationTemplate extends RepositoryCreationTemplateOptions {
  /**
   * The construct id of the template (part of its logical id: choose it once).
   *
   * @default - `Template-<prefix>`
   */
  readonly id?: string;
}

/**
 * The registry-level settings of a baseline: the per-account-and-region singletons and the
 * rules ECR applies to repositories it creates by itself.
 *
 * Everything here synthesizes without assets, Lambda functions or bootstrap parameters, so the
 * registry stack can be rolled out with CloudFormation StackSets.
 *
 * Unlike a plain `Registry`, a baseline owns its registry's scanning: without `scanning` it
 * writes `RegistryScanning.basic()` (scan on push for every repository); pass
 * `RegistryScanning.unmanaged()` to leave scanning to Amazon Inspector or the organization.
 */
export interface BaselineRegistrySettings extends RegistryProps {
  /**
   * Pull-through cache rules (at most 50, one per repository prefix).
   *
   * @default - none
   */
  readonly pullThroughCacheRules?: BaselinePullThroughCacheRule[];

  /**
   * Repository creation templates (one per prefix). An empty list means none.
   *
   * @default - one `ROOT` template for pull-through cache, replication and create on push, with
   * `PrivateRepository`'s defaults (IMMUTABLE tags, KMS encryption, the default lifecycle policy)
   */
  readonly creationTemplates?: BaselineCreationTemplate[];
}

/**
 * Settings and access of baseline repositories; `repositoryDefaults` gives them to every
 * repository, and each repository can override them one property at a time.
 */
export interface BaselineRepositoryOptions extends RepositoryResourceSettings {
  /**
   * Accounts whose principals may pull (`RepositoryAccess.grantPullToAccounts`).
   *
   * @default - none
   */
  readonly pullAccounts?: string[];

  /**
   * Accounts whose principals may pull and push (`RepositoryAccessLevel.PULL_PUSH`).
   *
   * @default - none
   */
  readonly pullPushAccounts?: string[];

  /**
   * An AWS Organization whose principals may pull (`aws:PrincipalOrgID`).
   *
   * @default - none
   */
  readonly pullOrganizationId?: string;

  /**
   * Organizational units (and their children) whose principals may pull (`aws:PrincipalOrgPaths`),
   * as paths such as `o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/`.
   *
   * @default - none
   */
  readonly pullOrganizationalUnitPaths?: string[];

  /**
   * Lambda functions (by ARN or account) that may use the images (`RepositoryAccess.grantPullToLambda`).
   *
   * @default - none
   */
  readonly lambdaPull?: LambdaPullOptions;

  /**
   * Resource tags of the repository (at most 50). Given on a repository, they are added to the
   * `repositoryDefaults` tags (a repository's value wins for the same key).
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * One repository of a baseline.
 */
export interface BaselineRepository extends BaselineRepositoryOptions {
  /**
   * The repository name. It also picks the repository's stack (see `shardKey`) and names its
   * construct, so it must be known at synth time unless `shardKey` is given.
   */
  readonly repositoryName: string;

  /**
   * The string hashed to choose the repository's stack, and the repository's construct id.
   *
   * @default - the repository name
   */
  readonly shardKey?: string;

  /**
   * Pin the repository to this shard (0 to `shardCount - 1`) instead of its hashed one: use it to
   * keep repositories in place when you raise the shard count (`RegistryBaseline.shardOf` tells
   * where a repository was).
   *
   * @default - the shard its key hashes to
   */
  readonly shard?: number;
}

/**
 * How a baseline spreads its repositories over stacks.
 *
 * Each repository goes to the shard its name hashes to (jump consistent hash over a fixed shard
 * count), so adding or removing repositories never moves the others. The shard count is sized once
 * from a declared capacity; raising it later moves about (new - old) / new of the repositories.
 */
export interface RepositorySharding {
  /**
   * The most repositories the baseline will hold. More fail the synth. Declare room to grow:
   * the shard count is derived from it.
   *
   * @default - `shardCount` × `targetResourcesPerStack` when `shardCount` is given, otherwise 250
   */
  readonly capacity?: number;

  /**
   * The repository resources to plan per stack when the shard count is derived from `capacity`
   * (at most `maxResourcesPerStack` - 1, one being kept for `AWS::CDK::Metadata`). Hashing does not
   * split repositories exactly evenly, so leave headroom below `maxResourcesPerStack`.
   *
   * @default 250 (or `maxResourcesPerStack` - 1 when that is lower)
   */
  readonly targetResourcesPerStack?: number;

  /**
   * A fixed number of repository stacks.
   *
   * @default - ceil(capacity × resources per repository ÷ targetResourcesPerStack)
   */
  readonly shardCount?: number;

  /**
   * The most resources any repository stack may hold (checked before anything is created, and
   * again on the finished stacks).
   *
   * @default 500 (CloudFormation's quota per template)
   */
  readonly maxResourcesPerStack?: number;
}

/**
 * Properties of a `RegistryBaseline`.
 */
export interface RegistryBaselineProps {
  /**
   * The environment of every stack of the baseline. Leave it out for an environment-agnostic
   * registry stack (a StackSet template).
   *
   * @default - environment-agnostic stacks
   */
  readonly env?: Environment;

  /**
   * The start of the stack names: `<prefix>-Registry` and `<prefix>-Repositories-<shard>`.
   *
   * @default - the baseline's construct id (prefixed with the stage name inside a Stage)
   */
  readonly stackNamePrefix?: string;

  /**
   * Whether this baseline creates the registry stack. `false` when the registry-level settings
   * come from elsewhere (for example a StackSet that covers this account); then leave `registry` out.
   *
   * @default true
   */
  readonly manageRegistry?: boolean;

  /**
   * The registry-level settings.
   *
   * @default - basic scan on push for every repository and one `ROOT` creation template
   */
  readonly registry?: BaselineRegistrySettings;

  /**
   * The repositories.
   *
   * @default - none: no repository stacks
   */
  readonly repositories?: BaselineRepository[];

  /**
   * Settings and access given to every repository (a repository's own value wins).
   *
   * @default - `PrivateRepository`'s defaults and no cross-account access
   */
  readonly repositoryDefaults?: BaselineRepositoryOptions;

  /**
   * How repositories are spread over stacks.
   *
   * @default - capacity 250 in one stack
   */
  readonly sharding?: RepositorySharding;
}

/** Resources one baseline repository adds to its stack: its `AWS::ECR::Repository` (policy, lifecycle and tags are properties of it). */
const RESOURCES_PER_REPOSITORY = 1;
/** Resources every stack may add besides the repositories (`AWS::CDK::Metadata`). */
const STACK_OVERHEAD = 1;
const DEFAULT_CAPACITY = 250;
const DEFAULT_TARGET = 250;
const MAX_PULL_THROUGH_CACHE_RULES = 50;

/** The sharding plan, computed and checked before anything is created. */
interface Plan {
  readonly shardCount: number;
  readonly capacity: number;
  readonly maxResources: number;
  /** Per repository (same order as the spec): its key and shard. */
  readonly placements: { key: string; shard: number }[];
}

/**
 * A compliant registry from one typed spec: the registry-level settings in one stack (no assets,
 * no Lambda, no bootstrap parameters: ready for CloudFormation StackSets) and any number of
 * `PrivateRepository`s with their access, spread over shard stacks that each stay under
 * CloudFormation's 500-resource and 1 MB limits.
 *
 * Create it in an `App` or a `Stage` (it creates its own stacks). Every prop is checked before
 * any stack is created, with one error listing every violation.
 *
 * Placement is deterministic: a repository's stack depends only on its name (or `shardKey`) and
 * the shard count, so adding or removing repositories never moves another one.
 */
export class RegistryBaseline extends Construct {
  /**
   * The shard a repository key hashes to among `shardCount` shards (what the baseline uses unless
   * the repository pins `shard`). Use it to plan a change of the shard count.
   */
  public static shardOf(shardKey: string, shardCount: number): number {
    if (!Number.isInteger(shardCount) || shardCount < 1) {
      throw new EcrValidationError('RegistryBaseline.shardOf', `invalid shardCount ${shardCount}: must be a positive integer`);
    }
    return shardOf(shardKey, shardCount);
  }

  /**
   * Collect every violation of the props, by the collectors of the constructs the baseline will
   * create (nothing is created), and plan the shards.
   * @returns the plan, complete when no violation was found
   * @internal
   */
  public static _collect(v: Violations, props: RegistryBaselineProps, context: CheckContext): Plan {
    // The environment the baseline creates its stacks with.
    const env: CheckContext = { account: props.env?.account, region: props.env?.region };
    checkAccountId(v, 'env.account', props.env?.account);
    checkPattern(v, 'env.region', props.env?.region, /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/, 'must be an AWS region name such as eu-west-1');
    const enclosing = context.scope?.node.scopes.find(c => Stack.isStack(c as Construct));
    if (enclosing) {
      v.add('scope', enclosing.node.path, 'a RegistryBaseline creates its own stacks: create it in an App or a Stage, not inside a Stack');
    }
    checkPattern(v, 'stackNamePrefix', props.stackNamePrefix, /^[A-Za-z][A-Za-z0-9-]{0,99}$/,
      'must start with a letter and hold only letters, digits and hyphens (at most 100 characters)');

    checkBoolean(v, 'manageRegistry', props.manageRegistry);
    const manageRegistry = props.manageRegistry ?? true;
    if (!manageRegistry && props.registry !== undefined) {
      v.add('registry', 'given', 'manageRegistry is false, so no registry stack is created: leave registry out, or set manageRegistry to true');
    }
    if (manageRegistry) {
      checkRegistry(v, env, props.registry ?? {});
    }

    const defaults = props.repositoryDefaults ?? {};
    const repositories = props.repositories ?? [];
    const defaultsOk = checkRepositoryOptions(v.nested('repositoryDefaults.'), defaults, {}, env);
    const keys = new Map<string, number>();
    const names = new Map<string, number>();
    const placements: { key: string; shard: number }[] = [];
    const plan = planSharding(v, props.sharding ?? {});

    for (const [i, repo] of repositories.entries()) {
      const p = `repositories[${i}].`;
      const name = repo.repositoryName;
      const key = repo.shardKey ?? name;
      if (name === undefined || name === null) {
        v.add(`${p}repositoryName`, name, 'every baseline repository needs a name');
      } else if (isUnresolved(key)) {
        v.add(`${p}${repo.shardKey === undefined ? 'repositoryName' : 'shardKey'}`, key,
          'the key that picks the repository\'s stack must be known at synth time: give a fixed shardKey for a repository name that is a token');
      }
      if (isKnown(name)) {
        if (names.has(name)) {
          v.add(`${p}repositoryName`, name, `repositories[${names.get(name)}] has the same name; each repository appears once`);
        }
        names.set(name, i);
      }
      if (repo.shardKey !== undefined) {
        checkPattern(v, `${p}shardKey`, repo.shardKey, /^[A-Za-z0-9][A-Za-z0-9._\/-]{0,255}$/,
          'must be 1-256 letters, digits, \'.\', \'_\', \'-\' or \'/\', starting with a letter or digit');
      }
      if (isKnown(key)) {
        const j = keys.get(key);
        if (j === undefined) {
          keys.set(key, i);
        } else if (repositories[j].repositoryName !== name) {
          v.add(`${p}${repo.shardKey === undefined ? 'repositoryName' : 'shardKey'}`, key,
            `repositories[${j}] has the same shard key (names and shard keys name the repository constructs, so each is used once)`);
        }
      }
      let shard = plan && isKnown(key) ? shardOf(key, plan.shardCount) : 0;
      if (repo.shard !== undefined) {
        if (isUnresolved(repo.shard) || !Number.isInteger(repo.shard) || repo.shard < 0
          || (plan !== undefined && repo.shard >= plan.shardCount)) {
          v.add(`${p}shard`, repo.shard, `must be a shard number known at synth time, 0 to ${plan ? plan.shardCount - 1 : 'shardCount - 1'}`);
        } else {
          shard = repo.shard;
        }
      }
      placements.push({ key, shard });
      checkRepositoryOptions(v.nested(p), repo, defaultsOk ? defaults : {}, env, repo);
    }

    if (plan) {
      if (repositories.length > plan.capacity) {
        v.add('repositories.length', repositories.length,
          `exceeds the declared capacity ${plan.capacity} (sharding.capacity): raise the capacity, knowing that a larger shard count `
          + 'moves about (new - old) / new of the repositories to the new stacks (pin them with shard, or import them there)');
      }
      const load = new Array<number>(plan.shardCount).fill(STACK_OVERHEAD);
      for (const pl of placements) {
        load[pl.shard] += RESOURCES_PER_REPOSITORY;
      }
      for (const [s, n] of load.entries()) {
        if (n > plan.maxResources) {
          v.add(`shard ${s} resources`, n,
            `must be at most ${plan.maxResources} (sharding.maxResourcesPerStack): declare a larger capacity or shardCount so that each stack holds fewer repositories`);
        }
      }
    }
    return { ...plan!, placements };
  }

  /** How many repository stacks the baseline has (0 without repositories). */
  public readonly shardCount: number;

  /** The declared (or default) capacity of repositories. */
  public readonly capacity: number;

  /** The registry-level stack (no assets, no Lambda, no bootstrap parameters), unless `manageRegistry` is false. */
  public readonly registryStack?: Stack;

  /** The registry-level settings, unless `manageRegistry` is false. */
  public readonly registry?: Registry;

  /** The repository stacks, by shard number. */
  public readonly repositoryStacks: Stack[];

  private readonly byKey = new Map<string, { repository: PrivateRepository; shard: number }>();
  private readonly byName = new Map<string, string>();

  constructor(scope: Construct, id: string, props: RegistryBaselineProps = {}) {
    const v = new Violations(pathOf(scope, id));
    const plan = RegistryBaseline._collect(v, props, { scope });
    v.throwIfAny();
    super(scope, id);
    const repositories = props.repositories ?? [];
    this.capacity = plan.capacity;
    this.shardCount = repositories.length > 0 ? plan.shardCount : 0;

    const prefix = props.stackNamePrefix ?? defaultPrefix(this);
    if (props.manageRegistry ?? true) {
      this.registryStack = new BaselineStack(this, 'Registry', {
        env: props.env,
        stackName: `${prefix}-Registry`,
        description: 'ECR registry-level settings (cdk-ecr-registry RegistryBaseline)',
        synthesizer: new BootstraplessSynthesizer(),
        // No AWS::CDK::Metadata: its content changes with every CDK version, which would update every stack instance of a StackSet.
        analyticsReporting: false,
      }, CFN_MAX_RESOURCES);
      this.registry = this.buildRegistry(this.registryStack, props.registry ?? {});
      this.registryStack.node.addValidation({ validate: () => noLambda(this.registryStack!) });
    }

    this.repositoryStacks = [];
    for (let s = 0; s < this.shardCount; s++) {
      this.repositoryStacks.push(new BaselineStack(this, `Repositories${s}`, {
        env: props.env,
        stackName: `${prefix}-Repositories-${s}`,
        description: `ECR repositories, shard ${s} of ${this.shardCount} (cdk-ecr-registry RegistryBaseline)`,
      }, plan.maxResources));
    }
    const defaults = props.repositoryDefaults ?? {};
    for (const [i, repo] of repositories.entries()) {
      const { key, shard } = plan.placements[i];
      const repository = this.buildRepository(this.repositoryStacks[shard], key, repo, defaults);
      this.byKey.set(key, { repository, shard });
      if (isKnown(repo.repositoryName)) {
        this.byName.set(repo.repositoryName, key);
      }
    }
    // A shard no repository hashes to (yet) would have no resources, which CloudFormation rejects
    // (the CDK metadata resource is not always there: analytics off, or a region without it).
    // A wait condition handle does nothing, costs nothing and goes away with the shard's first repository.
    const used = new Set(plan.placements.map(p => p.shard));
    for (const [s, stack] of this.repositoryStacks.entries()) {
      if (!used.has(s)) {
        new CfnWaitConditionHandle(stack, 'EmptyShard');
      }
    }
  }

  /** The shard keys of the repositories (their names unless `shardKey` was given), in spec order. */
  public get repositoryKeys(): string[] {
    return [...this.byKey.keys()];
  }

  /**
   * A repository of the baseline, by name or shard key.
   */
  public repository(nameOrKey: string): ecr.IRepository {
    return this.entry(nameOrKey).repository;
  }

  /**
   * The shard number of a repository, by name or shard key.
   */
  public shardOfRepository(nameOrKey: string): number {
    return this.entry(nameOrKey).shard;
  }

  /**
   * The stack of a repository, by name or shard key.
   */
  public stackOfRepository(nameOrKey: string): Stack {
    return this.repositoryStacks[this.entry(nameOrKey).shard];
  }

  private entry(nameOrKey: string): { repository: PrivateRepository; shard: number } {
    const found = this.byKey.get(nameOrKey) ?? this.byKey.get(this.byName.get(nameOrKey) ?? '');
    if (!found) {
      throw new EcrValidationError(this.node.path, `invalid repository ${JSON.stringify(nameOrKey)}: not a repository of this baseline`);
    }
    return found;
  }

  private buildRegistry(stack: Stack, settings: BaselineRegistrySettings): Registry {
    const registry = new Registry(stack, 'Registry', {
      scanning: settings.scanning ?? RegistryScanning.basic(),
      replicationRules: settings.replicationRules,
      replicationSources: settings.replicationSources,
      pullTimeUpdateExclusions: settings.pullTimeUpdateExclusions,
    });
    const caches = (settings.pullThroughCacheRules ?? []).map(rule =>
      registry.addPullThroughCacheRule(rule.id ?? `PullThroughCache-${cachePrefix(rule)}`, rule));
    const templates = settings.creationTemplates ?? [{ prefix: 'ROOT' }];
    for (const t of templates) {
      registry.addCreationTemplate(t.id ?? `Template-${t.prefix}`, t);
    }
    for (const cache of caches) {
      if (isKnown(cache.repositoryPrefix) && !templates.some(t => coversCache(t, cache.repositoryPrefix))) {
        warnUncovered(cache);
      }
    }
    return registry;
  }

  private buildRepository(stack: Stack, key: string, repo: BaselineRepository, defaults: BaselineRepositoryOptions): PrivateRepository {
    const o = merged(defaults, repo);
    const repository = new PrivateRepository(stack, key, { ...o, repositoryName: repo.repositoryName });
    const access = RepositoryAccess.of(repository);
    if (o.pullAccounts && o.pullAccounts.length > 0) {
      access.grantPullToAccounts(o.pullAccounts);
    }
    if (o.pullPushAccounts && o.pullPushAccounts.length > 0) {
      access.grantToAccounts(RepositoryAccessLevel.PULL_PUSH, o.pullPushAccounts);
    }
    if (o.pullOrganizationId !== undefined) {
      access.grantPullToOrganization(o.pullOrganizationId);
    }
    if (o.pullOrganizationalUnitPaths && o.pullOrganizationalUnitPaths.length > 0) {
      access.grantPullToOrganizationalUnits(o.pullOrganizationalUnitPaths);
    }
    if (o.lambdaPull) {
      access.grantPullToLambda(o.lambdaPull);
    }
    const tags = { ...defaults.tags ?? {}, ...repo.tags ?? {} };
    for (const k of Object.keys(tags).sort()) {
      Tags.of(repository).add(k, tags[k]);
    }
    return repository;
  }
}

/** The repository's options over the defaults, one property at a time (tags are merged by key). */
function merged(defaults: BaselineRepositoryOptions, repo: BaselineRepositoryOptions): BaselineRepositoryOptions {
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, value] of Object.entries(repo)) {
    if (value !== undefined) {
      out[k] = value;
    }
  }
  if (defaults.tags || repo.tags) {
    out.tags = { ...defaults.tags ?? {}, ...repo.tags ?? {} };
  }
  return out as BaselineRepositoryOptions;
}

function defaultPrefix(baseline: Construct): string {
  const stage = Stage.of(baseline);
  const stageName = stage && stage.stageName ? stage.stageName : undefined;
  const ids = baseline.node.scopes.slice(stage ? stage.node.scopes.length : 0).map(c => c.node.id).filter(x => x);
  return [stageName, ...ids].filter(x => x).join('-').replace(/[^A-Za-z0-9-]/g, '-');
}

function cachePrefix(rule: PullThroughCacheRuleOptions): string {
  return rule.repositoryPrefix ?? rule.upstream?.defaultRepositoryPrefix;
}

/** Whether a creation template applies to the repositories a pull-through cache rule creates. */
function coversCache(t: RepositoryCreationTemplateOptions, prefix: string): boolean {
  const appliesToCache = (t.appliedFor ?? [CreationTemplateAppliedFor.PULL_THROUGH_CACHE]).includes(CreationTemplateAppliedFor.PULL_THROUGH_CACHE);
  if (!appliesToCache || !isKnown(t.prefix)) {
    return appliesToCache;
  }
  const p = t.prefix.replace(/\/$/, '');
  return p === 'ROOT' || p === prefix.replace(/\/$/, '') || prefix.startsWith(`${p}/`);
}

function warnUncovered(cache: PullThroughCacheRule): void {
  Annotations.of(cache).addWarningV2('cdk-ecr-registry:uncoveredPullThroughCache',
    `no creation template applies to the repositories this rule creates under ${cache.repositoryPrefix}/: ECR creates them with its own defaults `
    + '(mutable tags, AES256, no lifecycle policy), which fail Security Hub ECR.2 and ECR.3; add a creation template for this prefix or ROOT with PULL_THROUGH_CACHE');
}

function noLambda(stack: Stack): string[] {
  const lambdas = stack.node.findAll().filter(c => CfnResource.isCfnResource(c)
    && (c.cfnResourceType === 'AWS::Lambda::Function' || c.cfnResourceType === 'AWS::Serverless::Function'));
  return lambdas.map(l => `${l.node.path}: invalid resource ${(l as CfnResource).cfnResourceType}: `
    + 'the registry stack of a RegistryBaseline must deploy without assets or functions (a StackSet template); put it in another stack');
}

function checkRegistry(v: Violations, env: CheckContext, settings: BaselineRegistrySettings): void {
  Registry._collect(v.nested('registry.'), { ...settings, scanning: settings.scanning ?? RegistryScanning.basic() }, env);

  const rules = settings.pullThroughCacheRules ?? [];
  v.check(rules.length <= MAX_PULL_THROUGH_CACHE_RULES, 'registry.pullThroughCacheRules.length', rules.length,
    `at most ${MAX_PULL_THROUGH_CACHE_RULES} pull-through cache rules per registry (ECR quota)`);
  const cachePrefixes = new Map<string, number>();
  const ids = new Map<string, string>();
  const checkId = (property: string, id: string) => {
    if (typeof id !== 'string' || id.length === 0 || id.includes('/')) {
      v.add(property, id, "must be a construct id: a non-empty string without '/'");
    } else if (ids.has(id)) {
      v.add(property, id, `${ids.get(id)} has the same construct id; give each rule and template its own id`);
    }
    ids.set(id, property.replace(/\.id$/, ''));
  };
  for (const [i, rule] of rules.entries()) {
    const p = `registry.pullThroughCacheRules[${i}]`;
    PullThroughCacheRule._collect(v.nested(`${p}.`), rule, env);
    const prefix = rule.upstream ? cachePrefix(rule) : undefined;
    if (isKnown(prefix)) {
      if (cachePrefixes.has(prefix)) {
        v.add(`${p}.repositoryPrefix`, prefix, `registry.pullThroughCacheRules[${cachePrefixes.get(prefix)}] uses the same prefix; each rule needs its own`);
      }
      cachePrefixes.set(prefix, i);
      checkId(`${p}.id`, rule.id ?? `PullThroughCache-${prefix}`);
    }
  }
  const templatePrefixes = new Map<string, number>();
  for (const [i, t] of (settings.creationTemplates ?? []).entries()) {
    const p = `registry.creationTemplates[${i}]`;
    RepositoryCreationTemplate._collect(v.nested(`${p}.`), t, env);
    if (isKnown(t.prefix)) {
      if (templatePrefixes.has(t.prefix)) {
        v.add(`${p}.prefix`, t.prefix, `registry.creationTemplates[${templatePrefixes.get(t.prefix)}] has the same prefix; ECR keeps one template per prefix`);
      }
      templatePrefixes.set(t.prefix, i);
      checkId(`${p}.id`, t.id ?? `Template-${t.prefix}`);
    }
  }
}

/**
 * Check one set of repository options (`v` prefixes the properties with `repositoryDefaults.` or
 * `repositories[i].`), by the collectors of `PrivateRepository` and `RepositoryAccess`, which the
 * baseline then creates and calls. `fallback` holds the (already checked) defaults: a repository is
 * checked with the settings it inherits, so conflicts between an inherited and an own setting are
 * reported on the repository; inherited values alone were reported on `repositoryDefaults`.
 * @returns whether no violation was found
 */
function checkRepositoryOptions(
  v: Violations, o: BaselineRepositoryOptions, fallback: BaselineRepositoryOptions, env: CheckContext, repo?: BaselineRepository,
): boolean {
  const before = v.count;
  const own = (k: keyof BaselineRepositoryOptions) => o[k] !== undefined;
  const value = <K extends keyof BaselineRepositoryOptions>(k: K) => o[k] ?? fallback[k];

  // The inherited lifecycle policy was checked with the defaults; it is not checked again per repository.
  PrivateRepository._collect(v, { ...merged(fallback, o), lifecyclePolicy: o.lifecyclePolicy, repositoryName: repo?.repositoryName }, env);

  for (const k of ['pullAccounts', 'pullPushAccounts'] as const) {
    RepositoryAccess._collectAccounts(v, k, o[k] ?? [], env);
  }
  if (own('pullAccounts') || own('pullPushAccounts')) {
    const push = new Set((value('pullPushAccounts') ?? []).filter(a => isKnown(a)));
    for (const account of value('pullAccounts') ?? []) {
      if (push.has(account)) {
        v.add('pullAccounts', account, 'is also in pullPushAccounts, which already includes pull: list the account once');
      }
    }
  }
  RepositoryAccess._collectOrganization(v, 'pullOrganizationId', o.pullOrganizationId);
  RepositoryAccess._collectOrganizationalUnits(v, 'pullOrganizationalUnitPaths', o.pullOrganizationalUnitPaths ?? []);
  if (own('pullOrganizationId') || own('pullOrganizationalUnitPaths')) {
    const org = value('pullOrganizationId');
    for (const [i, path] of (value('pullOrganizationalUnitPaths') ?? []).entries()) {
      if (isKnown(org) && isKnown(path) && ORGANIZATIONAL_UNIT_PATH.test(path) && !path.startsWith(`${org}/`)) {
        v.add(`pullOrganizationalUnitPaths[${i}]`, path,
          `belongs to another organization than pullOrganizationId ${org}; a path starts with the organization id`);
      }
    }
  }
  if (o.lambdaPull) {
    RepositoryAccess._collectLambdaPull(v.nested('lambdaPull.'), o.lambdaPull, '');
  }
  checkResourceTags(v, 'tags', o.tags);
  return v.count === before;
}

function checkNumber(v: Violations, property: string, value: number | undefined, min: number, max: number): boolean {
  if (value === undefined) {
    return true;
  }
  if (isUnresolved(value) || !Number.isInteger(value) || value < min || value > max) {
    v.add(property, isUnresolved(value) ? '(token)' : value,
      `must be an integer from ${min} to ${max} known at synth time (it decides how many stacks there are)`);
    return false;
  }
  return true;
}

/** The shard count and capacity, or undefined when the sharding props are invalid. */
function planSharding(v: Violations, s: RepositorySharding): Omit<Plan, 'placements'> | undefined {
  let ok = checkNumber(v, 'sharding.maxResourcesPerStack', s.maxResourcesPerStack, STACK_OVERHEAD + RESOURCES_PER_REPOSITORY, CFN_MAX_RESOURCES);
  const maxResources = ok ? s.maxResourcesPerStack ?? CFN_MAX_RESOURCES : CFN_MAX_RESOURCES;
  ok = checkNumber(v, 'sharding.targetResourcesPerStack', s.targetResourcesPerStack, RESOURCES_PER_REPOSITORY, maxResources - STACK_OVERHEAD) && ok;
  ok = checkNumber(v, 'sharding.capacity', s.capacity, 1, 1_000_000) && ok;
  ok = checkNumber(v, 'sharding.shardCount', s.shardCount, 1, 10_000) && ok;
  if (!ok) {
    return undefined;
  }
  const target = s.targetResourcesPerStack ?? Math.min(DEFAULT_TARGET, maxResources - STACK_OVERHEAD);
  const perStack = Math.floor(target / RESOURCES_PER_REPOSITORY);
  const capacity = s.capacity ?? (s.shardCount !== undefined ? s.shardCount * perStack : DEFAULT_CAPACITY);
  const shardCount = s.shardCount ?? Math.max(1, Math.ceil(capacity / perStack));
  const fits = shardCount * Math.floor((maxResources - STACK_OVERHEAD) / RESOURCES_PER_REPOSITORY);
  if (capacity > fits) {
    v.add('sharding.capacity', capacity,
      `cannot fit in ${shardCount} stacks of at most ${maxResources} resources (${fits} repositories at most): raise shardCount or leave it out to derive it from the capacity`);
    return undefined;
  }
  return { shardCount, capacity, maxResources };
}
