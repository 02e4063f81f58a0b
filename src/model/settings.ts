/**
 * The neutral settings model the `EcrChecks` rules evaluate.
 *
 * One model, two feeds: the template reader (src/model/template.ts) builds it from the
 * CloudFormation resources of a CDK app, and the live inventory (src/model/inventory.ts) from ECR
 * API answers, both through the kind descriptors (src/model/kinds). A rule sees only this model,
 * never a `CfnResource` or an SDK answer, so a synth check and a live audit of the same settings
 * cannot disagree.
 *
 * Not part of the jsii assembly (union types, `null`): it is exported from the `lib/report` entry
 * point for Node.js users.
 */

/**
 * Every value a setting can take, or `null` when that cannot be known.
 *
 * A live registry has exactly one value per setting (`[value]`). A template may have several: a
 * `CfnParameter` with `AllowedValues`, or both branches of `Fn::If`. A value only CloudFormation
 * knows (`Fn::ImportValue`, a parameter without `AllowedValues`) is `null`: a rule that needs it
 * does not pass. `undefined` in the list means "not set".
 */
export type Possible<T> = readonly T[] | null;

/**
 * A value CloudFormation computes at deploy time and that a rule may accept as present without
 * knowing it: a key given by reference (`Fn::GetAtt`), a text built with `Fn::Join`/`Fn::Sub`.
 * `template` is the JSON as synthesized.
 */
export interface DeployTimeValue {
  readonly deployTime: true;
  readonly template: unknown;
}

/** One statement of an IAM resource policy as written (keys as in IAM JSON). */
export interface PolicyStatement {
  readonly Sid?: unknown;
  readonly Effect?: unknown;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: unknown;
}

/** A resource tag; a key or value may be a deploy-time value in a template. */
export interface ResourceTag {
  readonly key: string | DeployTimeValue;
  readonly value: string | DeployTimeValue;
}

/** The kinds of things rules judge. */
export type SubjectKind =
  | 'repository'
  | 'publicRepository'
  | 'registryScanning'
  | 'registryPolicy'
  | 'replication'
  | 'pullThroughCacheRule'
  | 'creationTemplate';

/**
 * Every resource kind of the model (src/model/kinds): the judged subjects, and the registry
 * settings no rule judges but the inventory, drift and the report show (managed signing, account
 * settings, pull-time update exclusions).
 */
export type ModelKind = SubjectKind | 'signing' | 'accountSetting' | 'pullTimeExclusion';

/** What every judged thing has. */
export interface SubjectBase {
  readonly kind: SubjectKind;
  /**
   * Identity within its feed: the construct path of the L1 resource for a template, the ARN
   * (repository or registry) for a live registry.
   */
  readonly id: string;
  /** The resource ARN when known (always for a live registry; for a template when name, account and region are literals). */
  readonly arn?: string;
  /**
   * The subject could not be read (a template resource that failed to render): every rule
   * that applies to its kind reports it, with this message.
   */
  readonly readError?: string;
  /**
   * Parts of this subject's settings that could not be read (live only): the rules that read
   * them are not evaluated for it, and the report lists the gap instead of a finding.
   */
  readonly unread?: readonly RegistryPart[];
}

/** A private repository. */
export interface RepositoryModel extends SubjectBase {
  readonly kind: 'repository';
  /** The repository name, when known. */
  readonly name?: string;
  /** Effective tag mutability: `IMMUTABLE`, `MUTABLE`, `IMMUTABLE_WITH_EXCLUSION`, `MUTABLE_WITH_EXCLUSION` (unset is `MUTABLE`). */
  readonly tagMutability: Possible<string>;
  /** Tag mutability exclusion filters, as set (`[]` when none). */
  readonly tagMutabilityExclusionFilters: readonly { readonly filter: string; readonly filterType: string }[];
  /** Scan on push (unset is `false`). */
  readonly scanOnPush: Possible<boolean>;
  /** Effective encryption type: `AES256` (also when unset), `KMS`, `KMS_DSSE`. */
  readonly encryptionType: Possible<string>;
  /** The KMS key (ARN, id or alias), `undefined` for the AWS managed key or AES256. */
  readonly kmsKey: Possible<string | DeployTimeValue | undefined>;
  /** The lifecycle policy text, `undefined` when there is none. */
  readonly lifecyclePolicyText: Possible<string | DeployTimeValue | undefined>;
  /** The repository policy's statements (`[]` when there is no policy), `null` when it cannot be read or parsed. */
  readonly policyStatements: readonly PolicyStatement[] | null;
  /** The repository policy text as ECR returns it (live only). */
  readonly policyText?: string;
  /** Tags, `null` when unknown. */
  readonly tags: Possible<readonly ResourceTag[]>;
  /** When the repository was created (live only, ISO 8601). */
  readonly createdAt?: string;
  /** The effective scan frequency that registry scanning gives the repository (live only, from BatchGetRepositoryScanningConfiguration). */
  readonly scanFrequency?: string;
}

/** A public repository (ECR Public; templates only). */
export interface PublicRepositoryModel extends SubjectBase {
  readonly kind: 'publicRepository';
  readonly name?: string;
  readonly tags: Possible<readonly ResourceTag[]>;
  readonly policyStatements: readonly PolicyStatement[] | null;
}

/** One registry scanning rule. */
export interface ScanningRule {
  readonly scanFrequency: string | DeployTimeValue;
  readonly repositoryFilters: readonly { readonly filter: string | DeployTimeValue; readonly filterType: string | DeployTimeValue }[];
}

/** The registry scanning configuration. */
export interface RegistryScanningModel extends SubjectBase {
  readonly kind: 'registryScanning';
  /** `BASIC` or `ENHANCED`. */
  readonly scanType: Possible<string>;
  /** The rules, `null` when they cannot be known. */
  readonly rules: readonly ScanningRule[] | null;
}

/** The registry policy. */
export interface RegistryPolicyModel extends SubjectBase {
  readonly kind: 'registryPolicy';
  readonly policyStatements: readonly PolicyStatement[] | null;
  /** The policy text as ECR returns it (live only). */
  readonly policyText?: string;
}

/** A replication rule as ECR answers it (live only: adoption writes it exactly). */
export interface ReplicationRuleModel {
  readonly destinations: readonly { readonly region: string; readonly registryId: string }[];
  /** `PREFIX_MATCH` filters; `[]`: every repository. */
  readonly repositoryFilters: readonly { readonly filter: string; readonly filterType: string }[];
}

/** The replication configuration (a subject only when it has rules). */
export interface ReplicationModel extends SubjectBase {
  readonly kind: 'replication';
  /** Destinations of every rule, `region/registryId`. */
  readonly destinations: readonly string[];
  /** The rules as ECR answers them (live only). @default - not read */
  readonly rules?: readonly ReplicationRuleModel[];
}

/** A pull-through cache rule. */
export interface PullThroughCacheRuleModel extends SubjectBase {
  readonly kind: 'pullThroughCacheRule';
  readonly ecrRepositoryPrefix?: string;
  readonly upstreamRegistryUrl?: string;
  /** The rest of the rule as ECR answers it (live only; adoption writes it): `credentialArn`, `upstreamRegistry`, `upstreamRepositoryPrefix`, `customRoleArn`. */
  readonly details?: Readonly<Record<string, string>>;
}

/** A repository creation template. */
export interface CreationTemplateModel extends SubjectBase {
  readonly kind: 'creationTemplate';
  readonly prefix?: string;
  readonly appliedFor: readonly string[];
  /** As set (unset is `MUTABLE`). */
  readonly tagMutability: Possible<string>;
  readonly lifecyclePolicyText: Possible<string | DeployTimeValue | undefined>;
  /** The repository policy the template gives created repositories (`[]` when none). */
  readonly policyStatements: readonly PolicyStatement[] | null;
  /**
   * The template as ECR answers it (live only; adoption writes it exactly): `description`,
   * `encryptionConfiguration`, `resourceTags`, `customRoleArn`, `imageTagMutabilityExclusionFilters`,
   * the policy texts.
   */
  readonly answer?: Readonly<Record<string, unknown>>;
}

/** One managed signing rule: the repositories ECR signs on push, with one AWS Signer profile. */
export interface SigningRuleModel {
  readonly signingProfileArn: string | DeployTimeValue;
  /** `WILDCARD_MATCH` filters (`*` matches any characters); `[]`: the rule signs every repository. */
  readonly repositoryFilters: readonly { readonly filter: string | DeployTimeValue; readonly filterType: string | DeployTimeValue }[];
}

/**
 * A registry's managed signing configuration (a registry setting, not a judged subject: the
 * opt-in `EcrChecks-Signing` rule judges the repositories it should cover).
 */
export interface SigningConfigurationModel {
  /** The construct path of the L1 resource (template), or `<registry ARN>#signing` (live). */
  readonly id: string;
  /** The rules, `null` when they cannot be known before deployment. */
  readonly rules: readonly SigningRuleModel[] | null;
}

/** One account setting of a registry (`GetAccountSetting`; no CloudFormation resource declares one). */
export interface AccountSettingModel {
  readonly kind: 'accountSetting';
  /** `<registry ARN>#account-setting/<name>`. */
  readonly id: string;
  readonly arn?: string;
  /** The setting's name: `REGISTRY_POLICY_SCOPE`. */
  readonly name: string;
  /** Its value: `V2`. */
  readonly value: string | DeployTimeValue;
}

/** A pull-time update exclusion: a principal whose pulls do not update an image's last pull time. */
export interface PullTimeExclusionModel {
  readonly kind: 'pullTimeExclusion';
  /** The construct path (template) or `<registry ARN>#pull-time-exclusion/<principal ARN>` (live). */
  readonly id: string;
  readonly arn?: string;
  /** The IAM role or user ARN, `undefined` when only CloudFormation knows it. */
  readonly principalArn?: string;
  readonly readError?: string;
}

/** Any judged thing. */
export type Subject =
  | RepositoryModel
  | PublicRepositoryModel
  | RegistryScanningModel
  | RegistryPolicyModel
  | ReplicationModel
  | PullThroughCacheRuleModel
  | CreationTemplateModel;

/** Parts of a live registry that are read separately and can be missing. */
export type RegistryPart =
  | 'repositories'
  | 'repositoryScanning'
  | 'lifecyclePolicies'
  | 'repositoryPolicies'
  | 'tags'
  | 'registryScanning'
  | 'registryPolicy'
  | 'replication'
  | 'pullThroughCacheRules'
  | 'creationTemplates'
  | 'accountSettings'
  | 'signing'
  | 'pullTimeExclusions';

/** A part of the registry that could not be read, and why. */
export interface ReadGap {
  /** Which part. */
  readonly part: RegistryPart;
  /** The API action that failed. */
  readonly action: string;
  /** The repository it was read for, when it is a per-repository part. */
  readonly repository?: string;
  /** Why, in words (the error code and message, or what the answer lacked). */
  readonly reason: string;
  /** The error code (`AccessDeniedException`, `HTTP 500`, ...), when there is one. */
  readonly code?: string;
}

/**
 * One registry (an account and a region): every setting the rules judge.
 */
export interface RegistryModel {
  /** The account, `undefined` for an environment-agnostic template. */
  readonly account?: string;
  /** The region, `undefined` for an environment-agnostic template. */
  readonly region?: string;
  readonly repositories: readonly RepositoryModel[];
  readonly publicRepositories: readonly PublicRepositoryModel[];
  readonly scanningConfigurations: readonly RegistryScanningModel[];
  readonly registryPolicies: readonly RegistryPolicyModel[];
  readonly replicationConfigurations: readonly ReplicationModel[];
  readonly pullThroughCacheRules: readonly PullThroughCacheRuleModel[];
  readonly creationTemplates: readonly CreationTemplateModel[];
  /** Account settings of the registry (live only): `REGISTRY_POLICY_SCOPE` (`V1` or `V2`). */
  readonly accountSettings?: Readonly<Record<string, string>>;
  /** The registry's signing configuration as ECR answers it (live only; the JSON report prints it). */
  readonly signingConfiguration?: unknown;
  /**
   * The registry's managed signing configurations: a live registry has none or one; a template has
   * one per `AWS::ECR::SigningConfiguration` of the same account and region. When it could not be
   * read (live), `[]` and a `signing` gap.
   */
  readonly signingConfigurations: readonly SigningConfigurationModel[];
  /** The account settings one by one (live only; schema 1.3). @default - none */
  readonly accountSettingList?: readonly AccountSettingModel[];
  /** The pull-time update exclusions (schema 1.3). @default - none */
  readonly pullTimeExclusions?: readonly PullTimeExclusionModel[];
  /**
   * Parts that could not be read (live only), registry-wide and per repository. The subjects
   * concerned carry the part in `unread`; a registry-level part that could not be read has no
   * subject at all.
   */
  readonly gaps: readonly ReadGap[];
}

/** A registry with nothing in it. */
export function emptyRegistry(account?: string, region?: string): RegistryModel {
  return {
    account,
    region,
    repositories: [],
    publicRepositories: [],
    scanningConfigurations: [],
    registryPolicies: [],
    replicationConfigurations: [],
    pullThroughCacheRules: [],
    creationTemplates: [],
    signingConfigurations: [],
    gaps: [],
  };
}

/** Whether a value is a `DeployTimeValue`. */
export function isDeployTimeValue(v: unknown): v is DeployTimeValue {
  return typeof v === 'object' && v !== null && (v as DeployTimeValue).deployTime === true;
}
