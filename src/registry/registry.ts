import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { RepositoryCreationTemplate, RepositoryCreationTemplateOptions } from './creation-template';
import { checkPullTimeExclusions, RegistryPullTimeExclusions } from './private/pull-time';
import {
  RegistryReplicationPolicy, checkDuplicateSources, checkOrganizationPullThroughCache, checkOrganizationReplication, checkReplicationSource,
} from './private/registry-policy';
import { RegistryReplication, checkReplicationRules, checkReplicationTotals } from './private/replication';
import { checkScanning, createScanningConfiguration } from './private/scanning';
import { findAll } from './private/shared';
import { RegistrySigning } from './private/signing';
import { RegistryStackState } from './private/stack-state';
import { PullThroughCacheRule, PullThroughCacheRuleOptions } from './pull-through-cache';
import {
  OrganizationPullThroughCacheOptions, OrganizationReplicationOptions, ReplicationFromRegistryOptions, ReplicationSource,
} from './registry-policy';
import { ReplicationRule } from './replication';
import { RegistryScanning } from './scanning';
import { SigningRule } from './signing';
import { FindingsAlert, FindingsAlertOptions } from '../monitoring/findings-alert';
import { CheckContext, contextOf } from '../private/context';
import { pathOf, Violations } from '../private/errors';
import { isKnown } from '../private/tokens';
import { checkBoolean } from '../private/validation';

/**
 * A private registry (one account in one region) that other registries can be told about: the source
 * side of cross-account replication (`Registry.allowReplicationFromRegistry`).
 */
export interface IRegistry extends IConstruct {
  /**
   * The registry id: the account of the registry.
   */
  readonly registryId: string;

  /**
   * The source a destination registry in `account` and `region` must allow, for this registry's
   * replication rules that target it; undefined when no rule targets it.
   */
  replicationSourceFor(account: string, region: string): ReplicationSource | undefined;
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
   * Image scanning of the whole registry. Give it only when this stack owns the registry's scanning:
   * ECR keeps one scanning configuration per registry, and writing one replaces what Amazon
   * Inspector, an organization's delegated administrator or the console set.
   *
   * @default - no `AWS::ECR::RegistryScanningConfiguration`: the registry's current scanning is left as it is
   */
  readonly scanning?: RegistryScanning;

  /**
   * IAM roles and users (by ARN) whose pulls do not update an image's last recorded pull time
   * (`AWS::ECR::PullTimeUpdateExclusion`, at most 100 per account): vulnerability scanners and CI
   * jobs, so that their pulls do not keep images from `archiveAfterNotPulled` and other
   * `sinceImagePulled` lifecycle rules. More can be added with `excludeFromPullTime`.
   *
   * @default - none: every pull (except Amazon Inspector's) updates the last recorded pull time
   */
  readonly pullTimeUpdateExclusions?: string[];
}

const REGISTRY_SYMBOL = Symbol.for('cdk-ecr-registry.Registry');

/**
 * The settings of one private registry (one account in one region): replication, the registry
 * policy, registry-wide scanning, pull-through cache rules and repository creation templates.
 *
 * ECR keeps one replication configuration, one registry policy and one scanning configuration per
 * account and region, so a stack holds at most one `Registry`, and two stacks deployed to the same
 * account and region must not both manage the same setting (the second deployment would overwrite
 * or fail on the first). When both stacks of one app have a known account and region, synthesis
 * fails on such a conflict. Scanning is written only when `scanning` is given.
 */
export class Registry extends Construct implements IRegistry {
  /** Whether the object is a `Registry`. */
  public static isRegistry(x: any): x is Registry {
    return typeof x === 'object' && x !== null && REGISTRY_SYMBOL in x;
  }

  /**
   * The `Registry` of the stack that contains `scope`, if there is one.
   */
  public static of(scope: IConstruct): Registry | undefined {
    const registry = RegistryStackState.find(scope)?.registry;
    return Registry.isRegistry(registry) ? registry : undefined;
  }

  /**
   * Collect every violation of the props (nothing is created). The constructor calls it, then
   * throws once; `RegistryBaseline` calls it on its registry settings.
   * @internal
   */
  public static _collect(v: Violations, props: RegistryProps, context: CheckContext): void {
    if (context.scope) {
      const stack = Stack.of(context.scope);
      const existing = Registry.of(stack);
      if (existing) {
        v.add('scope', stack.node.path,
          `this stack already has a Registry (${existing.node.path}); registry settings are one per account and region, so add rules to that one`);
      }
    }
    const rules = props.replicationRules ?? [];
    checkReplicationRules(v, context, rules, 0);
    checkReplicationTotals(v, rules);
    for (const [i, s] of (props.replicationSources ?? []).entries()) {
      checkReplicationSource(v, `replicationSources[${i}]`, s, context);
    }
    checkDuplicateSources(v, props.replicationSources ?? []);
    checkScanning(v, props.scanning ?? RegistryScanning.unmanaged());
    checkPullTimeExclusions(v, 'pullTimeUpdateExclusions', props.pullTimeUpdateExclusions ?? [], [], 0);
  }

  /** The registry id: the account of this stack. */
  public readonly registryId: string;

  /** The scanning configuration (`scanType` undefined when this registry leaves scanning alone). */
  public readonly scanning: RegistryScanning;

  private readonly replication: RegistryReplication;
  private readonly policy: RegistryReplicationPolicy;
  private readonly _scanningConfiguration?: ecr.CfnRegistryScanningConfiguration;
  private readonly pullTime: RegistryPullTimeExclusions;
  private readonly signing: RegistrySigning;

  constructor(scope: Construct, id: string, props: RegistryProps = {}) {
    const v = new Violations(pathOf(scope, id));
    Registry._collect(v, props, contextOf(scope));
    v.throwIfAny();
    super(scope, id);
    Object.defineProperty(this, REGISTRY_SYMBOL, { value: true });
    RegistryStackState.obtain(this).registry = this;

    this.registryId = Stack.of(this).account;
    this.scanning = props.scanning ?? RegistryScanning.unmanaged();
    this.replication = new RegistryReplication(this, this.registryId);
    this.policy = new RegistryReplicationPolicy(this, this.registryId);

    for (const rule of props.replicationRules ?? []) {
      this.replication.add(rule);
    }
    for (const source of props.replicationSources ?? []) {
      this.policy.allow(source);
    }
    this._scanningConfiguration = createScanningConfiguration(this, this.scanning);
    this.pullTime = new RegistryPullTimeExclusions(this);
    this.signing = new RegistrySigning(this);
    for (const arn of props.pullTimeUpdateExclusions ?? []) {
      this.pullTime.add(arn);
    }

    this.node.addValidation({ validate: () => this.validateTree() });
  }

  /** The replication rules added so far. */
  public get replicationRules(): ReplicationRule[] {
    return this.replication.rules;
  }

  /** The source accounts allowed to replicate in so far (those given as `ReplicationSource`). */
  public get replicationSources(): ReplicationSource[] {
    return this.policy.sources;
  }

  /** The `AWS::ECR::ReplicationConfiguration`, once a rule exists. */
  public get replicationConfiguration(): ecr.CfnReplicationConfiguration | undefined {
    return this.replication.configuration;
  }

  /** The `AWS::ECR::RegistryPolicy`, once a source is allowed. */
  public get registryPolicy(): ecr.CfnRegistryPolicy | undefined {
    return this.policy.policy;
  }

  /** The `AWS::ECR::RegistryScanningConfiguration`, when `scanning` was given (and is not unmanaged). */
  public get scanningConfiguration(): ecr.CfnRegistryScanningConfiguration | undefined {
    return this._scanningConfiguration;
  }

  /** The managed signing rules added so far. */
  public get signingRules(): SigningRule[] {
    return this.signing.rules;
  }

  /** The `AWS::ECR::SigningConfiguration`, once a signing rule exists. */
  public get signingConfiguration(): ecr.CfnSigningConfiguration | undefined {
    return this.signing.configuration;
  }

  /**
   * Have ECR sign every image pushed to the matching repositories with an AWS Signer profile
   * (managed signing, `AWS::ECR::SigningConfiguration`; at most 10 rules per registry). The profile
   * must be of the `Notation-OCI-SHA384-ECDSA` platform.
   */
  public addSigningRule(rule: SigningRule): void {
    const v = new Violations(this.node.path);
    this.signing.checkAdd(v, rule);
    v.throwIfAny();
    this.signing.add(rule);
  }

  /** The principal ARNs whose pulls do not update the last recorded pull time, so far. */
  public get pullTimeUpdateExclusions(): string[] {
    return this.pullTime.arns;
  }

  /**
   * Keep a role's or user's pulls from updating an image's last recorded pull time: an
   * `AWS::ECR::PullTimeUpdateExclusion` (at most 100 per account). Use it for vulnerability
   * scanners (Trivy, Snyk, CrowdStrike) and CI jobs that pull every image: otherwise their pulls
   * keep every image "recently pulled", and `archiveAfterNotPulled` (any `sinceImagePulled` rule)
   * never fires. Amazon Inspector's pulls never update it.
   *
   * @param principal the IAM role or user (its ARN is what ECR matches)
   */
  public excludeFromPullTime(principal: iam.IRole | iam.IUser): ecr.CfnPullTimeUpdateExclusion {
    const arn = 'roleArn' in principal ? principal.roleArn : principal.userArn;
    const v = new Violations(this.node.path);
    checkPullTimeExclusions(v, 'pullTimeUpdateExclusions', [arn], this.pullTime.arns, this.pullTime.arns.length);
    if (v.empty && this.pullTime.has(arn)) {
      v.add('principal', principal.node.path, 'is excluded already; exclude each principal once');
    }
    v.throwIfAny();
    return this.pullTime.add(arn);
  }

  /**
   * Add a replication rule (at most 10 per registry).
   */
  public addReplicationRule(rule: ReplicationRule): void {
    const v = new Violations(this.node.path);
    this.replication.checkAdd(v, rule);
    v.throwIfAny();
    this.replication.add(rule);
  }

  /**
   * Let another account replicate into this registry: a registry policy statement that allows
   * `ecr:ReplicateImage` (and `ecr:CreateRepository` unless `createRepository` is false) to that
   * account, on the matching repositories of this registry only.
   */
  public allowReplicationFrom(source: ReplicationSource): void {
    const v = new Violations(this.node.path);
    this.policy.checkAllow(v, 'replicationSource', source);
    v.throwIfAny();
    this.policy.allow(source);
  }

  /**
   * Let the registry of another stack (another account) replicate into this one, deriving the
   * source account and the repository prefixes from its replication rules that target this
   * registry's account and region. The two stacks then agree by construction.
   *
   * Both stacks need a concrete account, and this one a concrete region; synthesis fails when
   * none of the source's rules targets this registry.
   */
  public allowReplicationFromRegistry(source: IRegistry, options: ReplicationFromRegistryOptions = {}): void {
    const v = new Violations(this.node.path);
    this.policy.checkLink(v, source);
    checkBoolean(v, 'options.createRepository', options.createRepository);
    v.throwIfAny();
    this.policy.link(source, options.createRepository ?? true);
  }

  /**
   * Let every account of an AWS Organization (or of some of its organizational units) replicate
   * into this registry: one registry policy statement with `Principal: *` narrowed by
   * `aws:PrincipalOrgID` and/or `aws:PrincipalOrgPaths`, allowing only `ecr:ReplicateImage` (and
   * `ecr:CreateRepository` unless `createRepository` is false) on the matching repositories.
   */
  public allowReplicationFromOrganization(options: OrganizationReplicationOptions): void {
    const v = new Violations(this.node.path);
    checkOrganizationReplication(v, options);
    v.throwIfAny();
    this.policy.allowOrganization({ kind: 'replication', options });
  }

  /**
   * Let every principal of an AWS Organization (or of some of its organizational units) use this
   * registry's pull-through cache rules under the given prefixes: `ecr:BatchImportUpstreamImage`
   * and `ecr:CreateRepository` (and, unless `pull` is false, the three pull actions) on
   * `repository/<prefix>/*` only, with `Principal: *` narrowed by the organization condition.
   */
  public allowPullThroughCacheFromOrganization(options: OrganizationPullThroughCacheOptions): void {
    const v = new Violations(this.node.path);
    checkOrganizationPullThroughCache(v, options);
    v.throwIfAny();
    this.policy.allowOrganization({ kind: 'pullThroughCache', options });
  }

  /**
   * The source this registry must be allowed from in a destination registry, for its rules that
   * target `account` in `region`; undefined when no rule targets it. This is what
   * `allowReplicationFromRegistry` uses; it is useful when the destination lives in another app.
   */
  public replicationSourceFor(account: string, region: string): ReplicationSource | undefined {
    return this.replication.sourceFor(account, region);
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

  /**
   * Alert on vulnerability findings in this registry's images at or above a severity: EventBridge
   * rules for both basic-scan (`ECR Image Scan`) and Amazon Inspector (`Inspector2 Finding`) events,
   * filtered by severity and repository name prefix (a `FindingsAlert`).
   */
  public onFinding(id: string, options: FindingsAlertOptions = {}): FindingsAlert {
    return new FindingsAlert(this, id, { ...options, registryId: this.registryId });
  }

  private validateTree(): string[] {
    const v = new Violations(this.node.path);
    this.policy.checkLinksTargetThis(v);
    const stack = Stack.of(this);
    if (isKnown(stack.account) && isKnown(stack.region)) {
      const others = findAll(this.node.root, Registry.isRegistry).filter(r =>
        r !== this && Stack.of(r).account === stack.account && Stack.of(r).region === stack.region);
      for (const other of others) {
        const clash = [
          this.replicationConfiguration && other.replicationConfiguration ? 'ReplicationConfiguration' : undefined,
          this.registryPolicy && other.registryPolicy ? 'RegistryPolicy' : undefined,
          this.scanningConfiguration && other.scanningConfiguration ? 'RegistryScanningConfiguration' : undefined,
          this.signingConfiguration && other.signingConfiguration ? 'SigningConfiguration' : undefined,
        ].filter((x): x is string => x !== undefined);
        if (clash.length > 0) {
          v.add('scope', stack.node.path,
            `${other.node.path} manages the same registry (account ${stack.account}, region ${stack.region}): both set ${clash.join(', ')}, which ECR keeps once per registry; manage each setting in one stack only (give scanning in one of them)`);
        }
      }
    }
    return v.messages();
  }
}
