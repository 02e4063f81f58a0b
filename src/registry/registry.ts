import { Lazy, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { RepositoryCreationTemplate, RepositoryCreationTemplateOptions } from './creation-template';
import { PullThroughCacheRule, PullThroughCacheRuleOptions } from './pull-through-cache';
import { pathOf, Violations } from '../private/errors';
import {
  checkRegion, checkReplicationPrefix, findAll, repositoryArnForPrefix, SCANNING_FILTER_PATTERN,
} from './private/shared';
import { isKnown } from '../private/tokens';
import { checkAccountId, checkLength, checkPattern } from '../private/validation';

/**
 * Where a replication rule copies images to.
 */
export interface ReplicationDestination {
  /**
   * The region to replicate to, e.g. `us-east-1`.
   */
  readonly region: string;

  /**
   * The account of the destination registry. Another account makes this a cross-account
   * destination: that account's registry policy must allow this account to replicate in
   * (`Registry.allowReplicationFrom` or `Registry.allowReplicationFromRegistry` in the destination's stack).
   *
   * @default - this stack's account (cross-region replication)
   */
  readonly account?: string;
}

/**
 * One replication rule: which repositories go to which destinations.
 */
export interface ReplicationRule {
  /**
   * Destinations: 1 or more, and at most 25 distinct destinations across all rules of a registry (ECR quota).
   */
  readonly destinations: ReplicationDestination[];

  /**
   * Replicate only the repositories whose names start with one of these prefixes
   * (ECR `PREFIX_MATCH` filters, 1-100 per rule, 2-256 characters each).
   *
   * @default - every repository
   */
  readonly repositoryPrefixes?: string[];
}

/**
 * A source account allowed to replicate into this registry (the destination side of
 * cross-account replication).
 */
export interface ReplicationSource {
  /**
   * The account whose registry replicates into this one.
   */
  readonly account: string;

  /**
   * Allow only repositories whose names start with one of these prefixes (match the source's
   * replication rule filters).
   *
   * @default - every repository
   */
  readonly repositoryPrefixes?: string[];

  /**
   * Let the source create the destination repository when it does not exist yet
   * (`ecr:CreateRepository`). Without it, create the repositories in this registry first:
   * replication into a missing repository fails.
   *
   * @default true
   */
  readonly createRepository?: boolean;
}

/**
 * Options for `Registry.allowReplicationFromRegistry`.
 */
export interface ReplicationFromRegistryOptions {
  /**
   * Let the source create the destination repository when it does not exist yet (`ecr:CreateRepository`).
   *
   * @default true
   */
  readonly createRepository?: boolean;
}

/**
 * Registry-level scan type.
 */
export enum ScanType {
  /** Basic scanning (Clair-based CVE scan, free). Supports only `SCAN_ON_PUSH` rules. */
  BASIC = 'BASIC',
  /** Enhanced scanning with Amazon Inspector (OS and language packages, continuous rescans; charged). */
  ENHANCED = 'ENHANCED',
}

/**
 * How often repositories matched by a scanning rule are scanned.
 */
export enum ScanFrequency {
  /** Scan each image when it is pushed. */
  SCAN_ON_PUSH = 'SCAN_ON_PUSH',
  /** Scan on push and rescan when new vulnerabilities are published (enhanced scanning only). */
  CONTINUOUS_SCAN = 'CONTINUOUS_SCAN',
  /**
   * Scan only when asked. This is what ECR applies to every repository that no rule matches;
   * CloudFormation does not accept it in a rule, so a rule with `MANUAL` is rejected: leave the
   * repositories out of the other rules instead.
   */
  MANUAL = 'MANUAL',
}

/**
 * A registry scanning rule.
 */
export interface ScanningRule {
  /**
   * How often matched repositories are scanned.
   */
  readonly frequency: ScanFrequency;

  /**
   * Repository name filters (ECR `WILDCARD` filters: lowercase names with `*` wildcards,
   * 1-255 characters, 1-100 filters).
   *
   * @default ['*'] (every repository)
   */
  readonly repositoryFilters?: string[];
}

/**
 * The registry's image scanning configuration (`AWS::ECR::RegistryScanningConfiguration`).
 */
export class RegistryScanning {
  /**
   * Basic scanning.
   *
   * @param rules at most one rule, with `SCAN_ON_PUSH`; an empty list means manual scans only.
   *   Without rules: scan on push for every repository.
   */
  public static basic(rules?: ScanningRule[]): RegistryScanning {
    return new RegistryScanning(ScanType.BASIC, rules ?? [{ frequency: ScanFrequency.SCAN_ON_PUSH }]);
  }

  /**
   * Enhanced scanning with Amazon Inspector.
   *
   * @param rules at most two rules (one `SCAN_ON_PUSH`, one `CONTINUOUS_SCAN`).
   *   Without rules: continuous scanning of every repository.
   */
  public static enhanced(rules?: ScanningRule[]): RegistryScanning {
    return new RegistryScanning(ScanType.ENHANCED, rules ?? [{ frequency: ScanFrequency.CONTINUOUS_SCAN }]);
  }

  /**
   * Leave the registry's scanning configuration as it is: no `AWS::ECR::RegistryScanningConfiguration`
   * is synthesized (use this when another stack owns it).
   */
  public static unmanaged(): RegistryScanning {
    return new RegistryScanning(undefined, []);
  }

  /** The scan type; undefined when unmanaged. */
  public readonly scanType?: ScanType;

  /** The scanning rules. */
  public readonly rules: ScanningRule[];

  private constructor(scanType: ScanType | undefined, rules: ScanningRule[]) {
    this.scanType = scanType;
    this.rules = rules;
  }
}

/**
 * Properties of a `Registry`.
 */
export interface RegistryProps {
  /**
   * Replication rules (at most 10). More can be added with `addReplicationRule`.
   *
   * @default - no replication: no `AWS::ECR::ReplicationConfiguration` unless a rule is added
   */
  readonly replicationRules?: ReplicationRule[];

  /**
   * Accounts allowed to replicate into this registry (the registry policy). More can be added with
   * `allowReplicationFrom` and `allowReplicationFromRegistry`.
   *
   * @default - none: no `AWS::ECR::RegistryPolicy` unless a source is added
   */
  readonly replicationSources?: ReplicationSource[];

  /**
   * Image scanning of the whole registry.
   *
   * @default RegistryScanning.basic() - basic scan on push for every repository (Security Hub ECR.1)
   */
  readonly scanning?: RegistryScanning;
}

/** Most replication rules per registry (ECR PutReplicationConfiguration). */
const MAX_REPLICATION_RULES = 10;
/** Most distinct destinations across all rules (ECR service quota). */
const MAX_REPLICATION_DESTINATIONS = 25;
/** Most PREFIX_MATCH filters per replication rule (ECR service quota). */
const MAX_REPLICATION_FILTERS = 100;
/** Most scanning rules (CloudFormation schema). */
const MAX_SCANNING_RULES = 2;
/** Most WILDCARD filters per scanning rule (CloudFormation schema). */
const MAX_SCANNING_FILTERS = 100;

const REGISTRY_SYMBOL = Symbol.for('cdk-ecr-registry.Registry');
const REGISTRY_OF_STACK = new WeakMap<Stack, Registry>();

/** The actions a source account needs in the destination's registry policy to replicate in. */
const REPLICATE_ACTIONS = ['ecr:ReplicateImage'];
const CREATE_REPOSITORY_ACTION = 'ecr:CreateRepository';

interface RegistrySourceLink {
  readonly registry: Registry;
  readonly createRepository: boolean;
}

/**
 * The settings of one private registry (one account in one region): replication, the registry
 * policy, registry-wide scanning, pull-through cache rules and repository creation templates.
 *
 * ECR keeps one replication configuration, one registry policy and one scanning configuration per
 * account and region, so a stack holds at most one `Registry`, and two stacks deployed to the same
 * account and region must not both manage the same setting (the second deployment would overwrite
 * or fail on the first). When both stacks of one app have a known account and region, synthesis
 * fails on such a conflict; use `RegistryScanning.unmanaged()` in all but one of them.
 */
export class Registry extends Construct {
  /** Whether the object is a `Registry`. */
  public static isRegistry(x: any): x is Registry {
    return typeof x === 'object' && x !== null && REGISTRY_SYMBOL in x;
  }

  /**
   * The `Registry` of the stack that contains `scope`, if there is one.
   */
  public static of(scope: IConstruct): Registry | undefined {
    return REGISTRY_OF_STACK.get(Stack.of(scope));
  }

  /**
   * Check the props before anything is created (also run by `RegistryBaseline` on its specs).
   * @internal
   */
  public static _validateProps(scope: Construct, id: string, props: RegistryProps): void {
    const path = pathOf(scope, id);
    const v = new Violations(path);
    const stack = Stack.of(scope);
    const existing = REGISTRY_OF_STACK.get(stack);
    if (existing) {
      v.add('scope', stack.node.path,
        `this stack already has a Registry (${existing.node.path}); registry settings are one per account and region, so add rules to that one`);
    }
    const rules = props.replicationRules ?? [];
    checkReplicationRules(v, stack, rules, 0);
    checkReplicationTotals(v, rules);
    for (const [i, s] of (props.replicationSources ?? []).entries()) {
      checkReplicationSource(v, `replicationSources[${i}]`, s, stack);
    }
    checkDuplicateSources(v, props.replicationSources ?? []);
    checkScanning(v, props.scanning ?? RegistryScanning.basic());
    v.throwIfAny();
  }

  /** The registry id: the account of this stack. */
  public readonly registryId: string;

  /** The scanning configuration (undefined type when unmanaged). */
  public readonly scanning: RegistryScanning;

  private readonly _replicationRules: ReplicationRule[];
  private readonly _sources: ReplicationSource[];
  private readonly _registrySources: RegistrySourceLink[];
  private _replication?: ecr.CfnReplicationConfiguration;
  private _policy?: ecr.CfnRegistryPolicy;
  private readonly _scanningResource?: ecr.CfnRegistryScanningConfiguration;

  constructor(scope: Construct, id: string, props: RegistryProps = {}) {
    Registry._validateProps(scope, id, props);
    super(scope, id);
    Object.defineProperty(this, REGISTRY_SYMBOL, { value: true });
    REGISTRY_OF_STACK.set(Stack.of(this), this);

    this.registryId = Stack.of(this).account;
    this.scanning = props.scanning ?? RegistryScanning.basic();
    this._replicationRules = [];
    this._sources = [];
    this._registrySources = [];

    for (const rule of props.replicationRules ?? []) {
      this.pushReplicationRule(rule);
    }
    for (const source of props.replicationSources ?? []) {
      this.pushSource(source);
    }
    if (this.scanning.scanType !== undefined) {
      this._scanningResource = new ecr.CfnRegistryScanningConfiguration(this, 'Scanning', {
        scanType: this.scanning.scanType,
        rules: this.scanning.rules.map(r => ({
          scanFrequency: r.frequency,
          repositoryFilters: (r.repositoryFilters ?? ['*']).map(filter => ({ filter, filterType: 'WILDCARD' })),
        })),
      });
    }

    this.node.addValidation({ validate: () => this.validateTree() });
  }

  /** The replication rules added so far. */
  public get replicationRules(): ReplicationRule[] {
    return [...this._replicationRules];
  }

  /** The source accounts allowed to replicate in so far (those given as `ReplicationSource`). */
  public get replicationSources(): ReplicationSource[] {
    return [...this._sources];
  }

  /** The `AWS::ECR::ReplicationConfiguration`, once a rule exists. */
  public get replicationConfiguration(): ecr.CfnReplicationConfiguration | undefined {
    return this._replication;
  }

  /** The `AWS::ECR::RegistryPolicy`, once a source is allowed. */
  public get registryPolicy(): ecr.CfnRegistryPolicy | undefined {
    return this._policy;
  }

  /** The `AWS::ECR::RegistryScanningConfiguration`, unless scanning is unmanaged. */
  public get scanningConfiguration(): ecr.CfnRegistryScanningConfiguration | undefined {
    return this._scanningResource;
  }

  /**
   * Add a replication rule (at most 10 per registry).
   */
  public addReplicationRule(rule: ReplicationRule): void {
    const v = new Violations(this.node.path);
    const stack = Stack.of(this);
    checkReplicationRules(v, stack, [rule], this._replicationRules.length);
    checkReplicationTotals(v, [...this._replicationRules, rule]);
    v.throwIfAny();
    this.pushReplicationRule(rule);
  }

  /**
   * Let another account replicate into this registry: a registry policy statement that allows
   * `ecr:ReplicateImage` (and `ecr:CreateRepository` unless `createRepository` is false) to that
   * account, on the matching repositories of this registry only.
   */
  public allowReplicationFrom(source: ReplicationSource): void {
    const v = new Violations(this.node.path);
    checkReplicationSource(v, 'replicationSource', source, Stack.of(this));
    checkDuplicateSources(v, [...this._sources, source]);
    v.throwIfAny();
    this.pushSource(source);
  }

  /**
   * Let the registry of another stack (another account) replicate into this one, deriving the
   * source account and the repository prefixes from its replication rules that target this
   * registry's account and region. The two stacks then agree by construction.
   *
   * Both stacks need a concrete account, and this one a concrete region; synthesis fails when
   * none of the source's rules targets this registry.
   */
  public allowReplicationFromRegistry(source: Registry, options: ReplicationFromRegistryOptions = {}): void {
    const v = new Violations(this.node.path);
    const sourceAccount = Stack.of(source).account;
    v.check(source !== this, 'source', source.node.path, 'a registry cannot replicate into itself');
    v.check(isKnown(sourceAccount), 'source', source.node.path, 'the source registry\'s stack needs a concrete account (env.account)');
    v.check(isKnown(this.registryId) && isKnown(Stack.of(this).region), 'scope', Stack.of(this).node.path,
      'allowReplicationFromRegistry needs a concrete account and region (env) on this registry\'s stack');
    if (isKnown(sourceAccount)) {
      const linked = this._registrySources.map(l => ({ account: Stack.of(l.registry).account }));
      checkDuplicateSources(v, [...this._sources, ...linked, { account: sourceAccount }]);
    }
    v.throwIfAny();
    this._registrySources.push({ registry: source, createRepository: options.createRepository ?? true });
    this.ensurePolicy();
  }

  /**
   * The source this registry must be allowed from in a destination registry, for its rules that
   * target `account` in `region`; undefined when no rule targets it. This is what
   * `allowReplicationFromRegistry` uses; it is useful when the destination lives in another app.
   */
  public replicationSourceFor(account: string, region: string): ReplicationSource | undefined {
    const sourceAccount = this.registryId;
    const matching = this._replicationRules.filter(rule =>
      rule.destinations.some(d => (d.account ?? sourceAccount) === account && d.region === region));
    if (matching.length === 0) {
      return undefined;
    }
    const everything = matching.some(r => !r.repositoryPrefixes || r.repositoryPrefixes.length === 0);
    const prefixes = everything ? undefined : [...new Set(matching.flatMap(r => r.repositoryPrefixes!))].sort();
    return { account: sourceAccount, repositoryPrefixes: prefixes };
  }

  /**
   * Add a pull-through cache rule to this registry (at most 50 per registry).
   */
  public addPullThroughCacheRule(id: string, options: PullThroughCacheRuleOptions): PullThroughCacheRule {
    return new PullThroughCacheRule(this, id, options);
  }

  /**
   * Add a repository creation template to this registry.
   */
  public addCreationTemplate(id: string, options: RepositoryCreationTemplateOptions): RepositoryCreationTemplate {
    return new RepositoryCreationTemplate(this, id, options);
  }

  private pushReplicationRule(rule: ReplicationRule): void {
    this._replicationRules.push(rule);
    if (!this._replication) {
      this._replication = new ecr.CfnReplicationConfiguration(this, 'Replication', {
        replicationConfiguration: {
          rules: Lazy.any({ produce: () => this.renderReplicationRules() }),
        },
      });
    }
  }

  private renderReplicationRules(): ecr.CfnReplicationConfiguration.ReplicationRuleProperty[] {
    return this._replicationRules.map(rule => ({
      destinations: rule.destinations.map(d => ({ region: d.region, registryId: d.account ?? this.registryId })),
      repositoryFilters: rule.repositoryPrefixes && rule.repositoryPrefixes.length > 0
        ? rule.repositoryPrefixes.map(filter => ({ filter, filterType: 'PREFIX_MATCH' }))
        : undefined,
    }));
  }

  private pushSource(source: ReplicationSource): void {
    this._sources.push(source);
    this.ensurePolicy();
  }

  private ensurePolicy(): void {
    if (!this._policy) {
      this._policy = new ecr.CfnRegistryPolicy(this, 'Policy', {
        policyText: Lazy.any({ produce: () => this.renderPolicy() }),
      });
    }
  }

  private resolvedSources(): ReplicationSource[] {
    const fromRegistries: ReplicationSource[] = [];
    for (const link of this._registrySources) {
      const s = link.registry.replicationSourceFor(this.registryId, Stack.of(this).region);
      if (s) {
        fromRegistries.push({ ...s, createRepository: link.createRepository });
      }
    }
    return [...this._sources, ...fromRegistries];
  }

  private renderPolicy(): iam.PolicyDocument {
    const doc = new iam.PolicyDocument();
    for (const [i, source] of this.resolvedSources().entries()) {
      const prefixes = source.repositoryPrefixes && source.repositoryPrefixes.length > 0 ? source.repositoryPrefixes : undefined;
      const actions = source.createRepository === false ? REPLICATE_ACTIONS : [CREATE_REPOSITORY_ACTION, ...REPLICATE_ACTIONS];
      doc.addStatements(new iam.PolicyStatement({
        sid: isKnown(source.account) ? `ReplicationFrom${source.account}` : `ReplicationFromSource${i + 1}`,
        principals: [new iam.AccountPrincipal(source.account)],
        actions,
        resources: prefixes
          ? [...prefixes].sort().map(p => repositoryArnForPrefix(this, p, { prefixMatch: true }))
          : [repositoryArnForPrefix(this, 'ROOT')],
      }));
    }
    return doc;
  }

  private validateTree(): string[] {
    const v = new Violations(this.node.path);
    const stack = Stack.of(this);
    for (const link of this._registrySources) {
      if (!link.registry.replicationSourceFor(this.registryId, stack.region)) {
        v.add('source', link.registry.node.path,
          `none of its replication rules targets this registry (account ${this.registryId}, region ${stack.region}); add a rule with that destination to the source registry`);
      }
    }
    if (isKnown(stack.account) && isKnown(stack.region)) {
      const others = findAll(this.node.root, Registry.isRegistry).filter(r =>
        r !== this && Stack.of(r).account === stack.account && Stack.of(r).region === stack.region);
      for (const other of others) {
        const clash = [
          this._replication && other._replication ? 'ReplicationConfiguration' : undefined,
          this._policy && other._policy ? 'RegistryPolicy' : undefined,
          this._scanningResource && other._scanningResource ? 'RegistryScanningConfiguration' : undefined,
        ].filter((x): x is string => x !== undefined);
        if (clash.length > 0) {
          v.add('scope', stack.node.path,
            `${other.node.path} manages the same registry (account ${stack.account}, region ${stack.region}): both set ${clash.join(', ')}, which ECR keeps once per registry; manage each setting in one stack only (RegistryScanning.unmanaged() for scanning)`);
        }
      }
    }
    return v.messages();
  }
}

function checkReplicationRules(v: Violations, stack: Stack, rules: ReplicationRule[], firstIndex: number): void {
  for (const [j, rule] of rules.entries()) {
    const p = `replicationRules[${firstIndex + j}]`;
    const destinations = rule.destinations ?? [];
    v.check(destinations.length >= 1, `${p}.destinations`, rule.destinations, 'a replication rule needs at least 1 destination');
    for (const [k, d] of destinations.entries()) {
      const dp = `${p}.destinations[${k}]`;
      const regionOk = checkRegion(v, `${dp}.region`, d.region);
      const accountOk = checkAccountId(v, `${dp}.account`, d.account);
      const account = d.account ?? stack.account;
      if (regionOk && accountOk && isKnown(d.region) && isKnown(account) && isKnown(stack.account) && isKnown(stack.region)
        && d.region === stack.region && account === stack.account) {
        v.add(dp, d, `is this registry itself (account ${stack.account}, region ${stack.region}); replicate to another region or account`);
      }
    }
    const prefixes = rule.repositoryPrefixes ?? [];
    v.check(prefixes.length <= MAX_REPLICATION_FILTERS, `${p}.repositoryPrefixes.length`, prefixes.length,
      `at most ${MAX_REPLICATION_FILTERS} filters per replication rule (ECR quota)`);
    for (const [k, prefix] of prefixes.entries()) {
      checkReplicationPrefix(v, `${p}.repositoryPrefixes[${k}]`, prefix);
    }
  }
}

function checkReplicationTotals(v: Violations, rules: ReplicationRule[]): void {
  v.check(rules.length <= MAX_REPLICATION_RULES, 'replicationRules.length', rules.length,
    `at most ${MAX_REPLICATION_RULES} replication rules per registry (ECR PutReplicationConfiguration)`);
  const distinct = new Set<string>();
  for (const rule of rules) {
    for (const d of rule.destinations ?? []) {
      distinct.add(`${d.account ?? '(this account)'}/${d.region}`);
    }
  }
  v.check(distinct.size <= MAX_REPLICATION_DESTINATIONS, 'replicationRules destinations', distinct.size,
    `at most ${MAX_REPLICATION_DESTINATIONS} distinct destinations across all replication rules (ECR quota)`);
}

function checkReplicationSource(v: Violations, p: string, source: ReplicationSource, stack: Stack): void {
  if (checkAccountId(v, `${p}.account`, source.account) && isKnown(source.account) && isKnown(stack.account)
    && source.account === stack.account) {
    v.add(`${p}.account`, source.account, 'is this registry\'s own account: a registry policy is only needed for cross-account replication');
  }
  const prefixes = source.repositoryPrefixes ?? [];
  v.check(prefixes.length <= MAX_REPLICATION_FILTERS, `${p}.repositoryPrefixes.length`, prefixes.length,
    `at most ${MAX_REPLICATION_FILTERS} prefixes`);
  for (const [k, prefix] of prefixes.entries()) {
    checkReplicationPrefix(v, `${p}.repositoryPrefixes[${k}]`, prefix);
  }
}

function checkDuplicateSources(v: Violations, sources: { account: string }[]): void {
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

function checkScanning(v: Violations, scanning: RegistryScanning): void {
  if (scanning.scanType === undefined) {
    return;
  }
  const rules = scanning.rules;
  v.check(rules.length <= MAX_SCANNING_RULES, 'scanning.rules.length', rules.length,
    `at most ${MAX_SCANNING_RULES} scanning rules (one SCAN_ON_PUSH, one CONTINUOUS_SCAN)`);
  const seen = new Set<ScanFrequency>();
  for (const [i, rule] of rules.entries()) {
    const p = `scanning.rules[${i}]`;
    if (rule.frequency === ScanFrequency.MANUAL) {
      v.add(`${p}.frequency`, rule.frequency,
        'MANUAL is what ECR applies to repositories no rule matches, and CloudFormation accepts only SCAN_ON_PUSH and CONTINUOUS_SCAN in a rule; leave those repositories out of the other rules');
    } else if (rule.frequency === ScanFrequency.CONTINUOUS_SCAN && scanning.scanType === ScanType.BASIC) {
      v.add(`${p}.frequency`, rule.frequency, 'basic scanning supports only SCAN_ON_PUSH; use RegistryScanning.enhanced() for continuous scanning');
    } else if (seen.has(rule.frequency)) {
      v.add(`${p}.frequency`, rule.frequency, 'one rule per frequency: put all its filters in one rule');
    }
    seen.add(rule.frequency);
    const filters = rule.repositoryFilters ?? ['*'];
    v.check(filters.length >= 1 && filters.length <= MAX_SCANNING_FILTERS, `${p}.repositoryFilters.length`, filters.length,
      `must have 1-${MAX_SCANNING_FILTERS} filters`);
    for (const [k, f] of filters.entries()) {
      const fp = `${p}.repositoryFilters[${k}]`;
      if (checkLength(v, fp, f, 1, 255)) {
        checkPattern(v, fp, f, SCANNING_FILTER_PATTERN,
          'must be a repository name pattern: lowercase letters, digits, \'.\', \'_\', \'-\', \'/\' and \'*\' wildcards');
      }
    }
  }
}
